package io.tributary.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness ({@code /health/ready}): UP when at least one Tributary adapter is started and every
 * started adapter is ready (its embedded node's listener serving, the controller known) and every
 * activated message-driven bean is ready (each consumer polling: {@code RUNNING} or {@code PAUSED}).
 * DOWN while a consumer restarts after a failure ({@code RETRYING}), has failed for good
 * ({@code FAILED}) or has not started, and when no adapter is started. The data names each
 * activation's state, and for the ones not ready their last error. Covers every adapter and
 * activation of the server, not only this application's.
 */
@Readiness
@ApplicationScoped
public class TributaryReadiness implements HealthCheck {
    private final TributaryMBeans mbeans = new TributaryMBeans();

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("tributary");
        boolean up = true;
        var adapters = mbeans.adapters();
        if (adapters.isEmpty()) {
            up = false;
            b.withData("adapter", "no Tributary resource adapter started");
        }
        for (TributaryMBeans.Adapter a : adapters) {
            up &= a.ready();
            String key = "adapter " + a.name().getKeyProperty("name");
            b.withData(key, !a.started() ? "stopped" : a.ready() ? "ready"
                    : !a.listenerServing() ? "embedded node not serving" : "controller unknown");
        }
        for (TributaryMBeans.Activation a : mbeans.activations()) {
            up &= a.ready();
            b.withData(a.activation(), a.state() + (a.ready() || a.lastError() == null ? "" : ": " + a.lastError()));
        }
        return b.status(up).build();
    }
}
