package io.tributary.broker.metrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One metric: a {@link Meter}, a {@link Gauge} or a {@link Histogram}. Its attributes are the ones
 * Yammer's {@code JmxReporter} gives the same kind of metric in Kafka, with the same names, so
 * what reads Kafka's MBeans reads these. Implementations are thread-safe.
 */
public sealed interface Metric permits Meter, Gauge, Histogram {
    /** {@code meter}, {@code gauge} or {@code histogram}. */
    String kind();

    /** The attribute names, in the order Kafka's MBeans list them. */
    List<String> attributeNames();

    /**
     * The current value of one attribute (a {@code Long}, a {@code Double}, a {@code String} or a
     * {@link java.util.concurrent.TimeUnit}).
     *
     * @throws IllegalArgumentException for a name not among {@link #attributeNames()}
     */
    Object attribute(String name);

    /** Every attribute and its current value, in {@link #attributeNames()} order. */
    default Map<String, Object> attributes() {
        Map<String, Object> values = new LinkedHashMap<>();
        for (String n : attributeNames()) values.put(n, attribute(n));
        return values;
    }
}
