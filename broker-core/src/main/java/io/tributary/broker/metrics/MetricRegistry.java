package io.tributary.broker.metrics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The metrics of one broker by name, and the read API over them.
 *
 * <p>Reading: {@link #snapshot()} returns every metric with its name and current attribute values
 * (a {@link MetricValue} each, sorted by name); {@link #get} one metric. This is what exporters
 * other than JMX use (an OpenMetrics endpoint, the resource adapter's health and metrics): they
 * need neither JMX nor this broker's internals. The values are read when asked (gauges call their
 * supplier, rates are brought up to date), so a snapshot costs a little per metric and nothing
 * between snapshots.
 *
 * <p>Writing: the broker registers metrics ({@link #meter}, {@link #histogram}, {@link #gauge}: a
 * name registered twice is the same metric) and removes them when what they measure goes away
 * (a topic, a partition) or the broker closes ({@link #removeAll}). A {@link Listener} (the
 * {@link JmxReporter}) hears of every addition and removal, and of every metric present when it
 * is added.
 *
 * <p>Thread safety: lookups are lock-free; additions, removals and their notifications are
 * serialized by one lock, so a listener sees them in the order they happened. Callers on a hot
 * path keep the metric objects they use rather than looking them up per event.
 */
public final class MetricRegistry {
    /** Hears of metrics added to and removed from a registry; called with the registry's lock held. */
    public interface Listener {
        void added(MetricName name, Metric metric);

        void removed(MetricName name, Metric metric);
    }

    private final Map<MetricName, Metric> metrics = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Object registration = new Object();

    /** The meter named {@code name}, created (counting {@code eventType}) if there is none. */
    public Meter meter(MetricName name, String eventType) {
        return register(name, Meter.class, () -> new Meter(eventType));
    }

    /** The histogram named {@code name}, created if there is none. */
    public Histogram histogram(MetricName name) {
        return register(name, Histogram.class, Histogram::new);
    }

    /** Registers a gauge reading {@code value}; a gauge already registered under {@code name} is kept. */
    public Gauge gauge(MetricName name, LongSupplier value) {
        return register(name, Gauge.class, () -> new Gauge(value));
    }

    /** Registers {@code metric} (one the caller owns, e.g. a meter of the replica manager) unless the name is taken. */
    public <M extends Metric> M register(MetricName name, M metric) {
        @SuppressWarnings("unchecked")
        Class<M> kind = (Class<M>) metric.getClass();
        return register(name, kind, () -> metric);
    }

    private <M extends Metric> M register(MetricName name, Class<M> kind, Supplier<M> create) {
        Metric existing = metrics.get(name);
        if (existing == null) {
            synchronized (registration) {
                existing = metrics.get(name);
                if (existing == null) {
                    M created = create.get();
                    metrics.put(name, created);
                    for (Listener l : listeners) l.added(name, created);
                    return created;
                }
            }
        }
        if (!kind.isInstance(existing)) {
            throw new IllegalStateException(name + " is already registered as a " + existing.kind());
        }
        return kind.cast(existing);
    }

    public Optional<Metric> get(MetricName name) {
        return Optional.ofNullable(metrics.get(name));
    }

    /** Removes the metric named {@code name}; false if there was none. */
    public boolean remove(MetricName name) {
        synchronized (registration) {
            Metric removed = metrics.remove(name);
            if (removed == null) return false;
            for (Listener l : listeners) l.removed(name, removed);
            return true;
        }
    }

    /** Removes every metric whose name matches. */
    public void removeIf(Predicate<MetricName> matches) {
        synchronized (registration) {
            for (MetricName name : new ArrayList<>(metrics.keySet())) {
                if (matches.test(name)) remove(name);
            }
        }
    }

    public void removeAll() {
        removeIf(name -> true);
    }

    /** Every metric with its current values, sorted by name. */
    public List<MetricValue> snapshot() {
        List<MetricValue> values = new ArrayList<>(metrics.size());
        for (Map.Entry<MetricName, Metric> e : metrics.entrySet()) {
            values.add(new MetricValue(e.getKey(), e.getValue().kind(), e.getValue().attributes()));
        }
        values.sort(Comparator.comparing(v -> v.name().toString()));
        return values;
    }

    /** The names registered now. */
    public List<MetricName> names() {
        return List.copyOf(metrics.keySet());
    }

    /** Adds {@code listener} and tells it of every metric registered so far. */
    public void addListener(Listener listener) {
        synchronized (registration) {
            listeners.add(listener);
            for (Map.Entry<MetricName, Metric> e : metrics.entrySet()) listener.added(e.getKey(), e.getValue());
        }
    }

    public void removeListener(Listener listener) {
        synchronized (registration) {
            listeners.remove(listener);
        }
    }
}
