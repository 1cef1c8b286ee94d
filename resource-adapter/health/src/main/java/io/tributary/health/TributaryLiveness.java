package io.tributary.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;

/**
 * Liveness ({@code /health/live}): DOWN only for what a restart of the server would mend and
 * nothing else will — an activated bean with a consumer {@code FAILED} for good (a class of the
 * application or the adapter can no longer be loaded), or an adapter instance that is registered
 * but not started. A consumer that restarts by itself ({@code RETRYING}), an outage
 * ({@code PAUSED}) or an unreachable cluster are readiness matters, not liveness: restarting the
 * server would not help them. Covers every adapter and activation of the server.
 */
@Liveness
@ApplicationScoped
public class TributaryLiveness implements HealthCheck {
    private final TributaryMBeans mbeans = new TributaryMBeans();

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("tributary");
        boolean up = true;
        for (TributaryMBeans.Adapter a : mbeans.adapters()) {
            up &= a.live();
            b.withData("adapter " + a.name().getKeyProperty("name"), a.live() ? "live" : "not started");
        }
        for (TributaryMBeans.Activation a : mbeans.activations()) {
            up &= a.live();
            b.withData(a.activation(), a.state() + (a.live() || a.lastError() == null ? "" : ": " + a.lastError()));
        }
        return b.status(up).build();
    }
}
