package io.tributary.broker.metrics;

import java.util.Map;

/**
 * One metric as read at one moment: its name, its kind ({@code meter}, {@code gauge},
 * {@code histogram}) and its attributes by their JMX names ({@code Count}, {@code OneMinuteRate},
 * {@code Value}, {@code 99thPercentile}, ...). Immutable.
 */
public record MetricValue(MetricName name, String kind, Map<String, Object> attributes) {
    public MetricValue {
        attributes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(attributes));
    }
}
