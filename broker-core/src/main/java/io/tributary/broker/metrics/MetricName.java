package io.tributary.broker.metrics;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The name of one metric, in Kafka's JMX form: a domain ({@code kafka.server}), a {@code type}
 * ({@code BrokerTopicMetrics}), a {@code name} ({@code BytesInPerSec}) and further tags in the
 * order Kafka writes them ({@code topic=orders}). {@link #toString()} is the JMX object name,
 * e.g. {@code kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec,topic=orders}; a tag value
 * with a character JMX reserves ({@code , = : " * ?} or a newline) is quoted. Immutable.
 */
public record MetricName(String domain, String type, String name, Map<String, String> tags) {
    public MetricName {
        tags = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tags));
    }

    public static MetricName of(String domain, String type, String name) {
        return new MetricName(domain, type, name, Map.of());
    }

    /** This name with one more tag, after the ones it has. */
    public MetricName with(String tag, String value) {
        Map<String, String> t = new LinkedHashMap<>(tags);
        t.put(tag, value);
        return new MetricName(domain, type, name, t);
    }

    /** The tag's value, or null. */
    public String tag(String tag) {
        return tags.get(tag);
    }

    public ObjectName objectName() {
        return parse(toString());
    }

    /**
     * The JMX name without the {@code name} key ({@code kafka.server:type=Produce,user=u,client-id=c}):
     * the MBean of a Kafka Metrics group, whose metrics are its attributes.
     */
    public ObjectName groupObjectName() {
        StringBuilder b = new StringBuilder(domain).append(":type=").append(type);
        for (Map.Entry<String, String> e : tags.entrySet()) b.append(',').append(e.getKey()).append('=').append(value(e.getValue()));
        return parse(b.toString());
    }

    private static ObjectName parse(String name) {
        try {
            return new ObjectName(name);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("Not a JMX name: " + name, e);
        }
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(domain).append(":type=").append(type).append(",name=").append(name);
        for (Map.Entry<String, String> e : tags.entrySet()) b.append(',').append(e.getKey()).append('=').append(value(e.getValue()));
        return b.toString();
    }

    private static String value(String v) {
        for (int i = 0; i < v.length(); i++) {
            if (",=:\"*?\n".indexOf(v.charAt(i)) >= 0) return ObjectName.quote(v);
        }
        return v;
    }
}
