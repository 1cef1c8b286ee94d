package io.tributary.health;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricID;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

import javax.management.InstanceNotFoundException;
import javax.management.ListenerNotFoundException;
import javax.management.MBeanServer;
import javax.management.MBeanServerDelegate;
import javax.management.MBeanServerNotification;
import javax.management.Notification;
import javax.management.NotificationListener;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The adapter's activation counters as MicroProfile Metrics gauges of this application's registry
 * ({@code /metrics}, OpenMetrics): for each activated bean, tagged {@code activation=<name>} and
 * {@code group=<group id>}, the gauges {@code tributary_activation_delivered},
 * {@code _redelivered}, {@code _dead_lettered}, {@code _outage_pauses}, {@code _deliveries},
 * {@code _delivery_time_mean_ms}, {@code _delivery_time_max_ms}, {@code _lag}, {@code _restarts} and
 * {@code _ready} (1 or 0); {@code tributary_adapter_ready} per adapter instance; and the embedded
 * broker's own metrics under the names the Prometheus JMX exporter gives Kafka's (see
 * {@link BrokerGauges}), when the broker registered them ({@code tributary.metrics.jmx.enabled}). Each gauge
 * reads its MBean attribute when scraped. The counters only grow while the activation lives, but
 * MicroProfile Metrics 5 has no counter whose value is read from elsewhere, so they are gauges.
 *
 * <p>Activations come and go with their applications: the gauges are registered for the MBeans
 * present at start and then on the MBeanServer's registration notifications, and removed on
 * unregistration. The map of registered gauges is a {@link ConcurrentHashMap}; notifications and
 * start may interleave safely.
 */
@ApplicationScoped
public class TributaryMetrics {
    private static final Map<String, String> ACTIVATION_GAUGES = Map.of(
            "Delivered", "delivered", "Redelivered", "redelivered", "DeadLettered", "dead_lettered",
            "OutagePauses", "outage_pauses", "DeliveryCount", "deliveries", "DeliveryTimeMeanMs", "delivery_time_mean_ms",
            "DeliveryTimeMaxMs", "delivery_time_max_ms", "TotalLag", "lag", "Restarts", "restarts");

    @Inject
    MetricRegistry registry;

    private final TributaryMBeans mbeans = new TributaryMBeans();
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final Map<javax.management.ObjectName, List<MetricID>> registered = new ConcurrentHashMap<>();
    private final NotificationListener listener = this::onNotification;

    /** Starts with the application. */
    void start(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        try {
            server.addNotificationListener(MBeanServerDelegate.DELEGATE_NAME, listener, null, null);
        } catch (InstanceNotFoundException e) {
            throw new IllegalStateException(e);
        }
        for (javax.management.ObjectName n : server.queryNames(TributaryMBeans.ADAPTERS, null)) add(n);
        for (javax.management.ObjectName n : server.queryNames(TributaryMBeans.ACTIVATIONS, null)) add(n);
        for (String domain : BrokerGauges.DOMAINS) {
            for (javax.management.ObjectName n : server.queryNames(domainPattern(domain), null)) add(n);
        }
    }

    private static javax.management.ObjectName domainPattern(String domain) {
        try {
            return new javax.management.ObjectName(domain + ":*");
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
    }

    @PreDestroy
    void stop() {
        try {
            server.removeNotificationListener(MBeanServerDelegate.DELEGATE_NAME, listener);
        } catch (InstanceNotFoundException | ListenerNotFoundException ignored) {
            // never added
        }
        for (javax.management.ObjectName n : List.copyOf(registered.keySet())) remove(n);
    }

    private void onNotification(Notification n, Object handback) {
        if (!(n instanceof MBeanServerNotification m)) return;
        javax.management.ObjectName name = m.getMBeanName();
        if (!TributaryMBeans.ADAPTERS.apply(name) && !TributaryMBeans.ACTIVATIONS.apply(name)
                && !BrokerGauges.mapped(name)) return;
        if (MBeanServerNotification.REGISTRATION_NOTIFICATION.equals(n.getType())) add(name);
        else if (MBeanServerNotification.UNREGISTRATION_NOTIFICATION.equals(n.getType())) remove(name);
    }

    private void add(javax.management.ObjectName name) {
        // The broker's domains also hold MBeans no gauge maps (Kafka Metrics groups such as
        // kafka.server:type=LeaderReplication, which have no name key): those are left out.
        if (!BrokerGauges.mapped(name) && !TributaryMBeans.ADAPTERS.apply(name) && !TributaryMBeans.ACTIVATIONS.apply(name)) {
            return;
        }
        List<MetricID> ids = new ArrayList<>();
        if (registered.putIfAbsent(name, ids) != null) return;
        if (BrokerGauges.mapped(name)) {
            for (BrokerGauges.Gauge g : BrokerGauges.of(server, name)) {
                Tag[] tags = g.tags().entrySet().stream().map(e -> new Tag(e.getKey(), e.getValue())).toArray(Tag[]::new);
                ids.add(gauge(g.metric(), "The embedded broker's " + name.getDomain() + ":type=" + name.getKeyProperty("type")
                        + ",name=" + name.getKeyProperty("name") + " (JMX)", g.mbean(),
                        g.attribute(), tags));
            }
            return;
        }
        if (TributaryMBeans.ADAPTERS.apply(name)) {
            Tag adapter = new Tag("adapter", name.getKeyProperty("name"));
            ids.add(gauge("tributary_adapter_ready", "1 while the adapter instance is ready, else 0", name, "Ready", adapter));
            ids.add(gauge("tributary_adapter_live", "1 while the adapter instance is live, else 0", name, "Live", adapter));
            return;
        }
        String activation = unquote(name.getKeyProperty("name"));
        String group = mbeans.activations().stream().filter(a -> a.name().equals(name)).map(TributaryMBeans.Activation::groupId)
                .findFirst().orElse(activation);
        Tag[] tags = {new Tag("activation", activation), new Tag("group", group)};
        ACTIVATION_GAUGES.forEach((attribute, metric) -> ids.add(gauge("tributary_activation_" + metric,
                "The activation's " + attribute + " (MBean io.tributary:type=Activation)", name, attribute, tags)));
        ids.add(gauge("tributary_activation_ready", "1 while every consumer of the activation polls, else 0", name, "Ready", tags));
    }

    private MetricID gauge(String metric, String description, javax.management.ObjectName name, String attribute, Tag... tags) {
        Metadata metadata = Metadata.builder().withName(metric).withDescription(description).build();
        registry.gauge(metadata, () -> value(name, attribute), tags);
        return new MetricID(metric, tags);
    }

    private Number value(javax.management.ObjectName name, String attribute) {
        if (attribute.equals("Ready") || attribute.equals("Live")) {
            try {
                return Boolean.TRUE.equals(server.getAttribute(name, attribute)) ? 1 : 0;
            } catch (Exception gone) {
                return 0;
            }
        }
        try {
            return server.getAttribute(name, attribute) instanceof Number n ? n : 0;
        } catch (Exception gone) {
            return 0;
        }
    }

    private void remove(javax.management.ObjectName name) {
        List<MetricID> ids = registered.remove(name);
        if (ids != null) ids.forEach(registry::remove);
    }

    private static String unquote(String value) {
        return value.startsWith("\"") ? javax.management.ObjectName.unquote(value) : value;
    }
}
