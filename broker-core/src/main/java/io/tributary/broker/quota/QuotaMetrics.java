package io.tributary.broker.quota;

import io.tributary.broker.metrics.MetricName;
import io.tributary.broker.metrics.MetricRegistry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Kafka's per-client quota metrics, registered for a client group the first time a quota is
 * measured for it: {@code kafka.server:type=Produce|Fetch|Request,name=byte-rate|request-time,
 * user=…,client-id=…} (the measured rate, bytes per second or percent of a thread) and {@code
 * name=throttle-time} (the last throttle time given to the group, ms). In JMX these appear as Kafka
 * shows them, as attributes of one MBean per group ({@code type=Produce,user=…,client-id=…}, attribute
 * {@code byte-rate}; see {@code metrics/JmxReporter}). The replication quotas have one gauge each, registered at start:
 * {@code kafka.server:type=LeaderReplication|FollowerReplication,name=byte-rate} (Kafka's MBean of the
 * same type, attribute {@code byte-rate}), the bytes per second replicated for throttled partitions.
 * Thread-safe.
 */
public final class QuotaMetrics {
    private final MetricRegistry registry;
    private final Map<MetricName, AtomicLong> lastThrottle = new ConcurrentHashMap<>();
    private final Map<MetricName, Boolean> rates = new ConcurrentHashMap<>();

    public QuotaMetrics(MetricRegistry registry) {
        this.registry = registry;
    }

    private static MetricName name(QuotaType type, String attribute, ClientQuotaConfigs.Resolved q) {
        return MetricName.of("kafka.server", type.metricType(), attribute).with("user", q.userTag())
                .with("client-id", q.clientIdTag());
    }

    void recorded(QuotaType type, ClientQuotaConfigs.Resolved q, SampledRate rate, LongSupplier clockMs) {
        MetricName n = name(type, type == QuotaType.REQUEST ? "request-time" : "byte-rate", q);
        if (rates.putIfAbsent(n, Boolean.TRUE) == null) registry.gauge(n, () -> Math.round(rate.rate(clockMs.getAsLong())));
    }

    /** Registers the byte-rate gauge of {@code quota}. */
    public void replication(ReplicationQuota quota) {
        registry.gauge(MetricName.of("kafka.server", quota.metricType(), "byte-rate"), () -> Math.round(quota.rate()));
    }

    void throttled(QuotaType type, ClientQuotaConfigs.Resolved q, int ms) {
        MetricName n = name(type, "throttle-time", q);
        lastThrottle.computeIfAbsent(n, k -> {
            AtomicLong last = new AtomicLong();
            registry.gauge(k, last::get);
            return last;
        }).set(ms);
    }
}
