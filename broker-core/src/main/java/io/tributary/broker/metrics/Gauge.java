package io.tributary.broker.metrics;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * A value read when asked (JMX attribute {@code Value}), as Kafka's gauges. The supplier is called
 * on the reading thread and must be thread-safe and cheap; a supplier that fails reads as 0 (a
 * gauge of a log being closed, say), so that one gauge cannot break a scrape of all.
 */
public final class Gauge implements Metric {
    private static final List<String> ATTRIBUTES = List.of("Value");
    private final LongSupplier value;

    public Gauge(LongSupplier value) {
        this.value = value;
    }

    public long value() {
        try {
            return value.getAsLong();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    @Override
    public String kind() {
        return "gauge";
    }

    @Override
    public List<String> attributeNames() {
        return ATTRIBUTES;
    }

    @Override
    public Object attribute(String name) {
        if (!name.equals("Value")) throw new IllegalArgumentException("A gauge has no attribute " + name + " (it has Value)");
        return value();
    }
}
