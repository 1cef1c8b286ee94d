package io.tributary.it.beans;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the test beans saw, outside any transaction: every invocation is recorded here even when
 * its transaction rolls back, so the tests can count redeliveries.
 */
public final class Deliveries {
    /** One invocation of a bean. */
    public record Seen(String topic, int partition, long offset, String thread, long startNanos, long endNanos) {
    }

    public static final Map<String, AtomicInteger> ATTEMPTS_BY_POSITION = new ConcurrentHashMap<>();
    public static final List<Seen> PARALLEL = new CopyOnWriteArrayList<>();

    private Deliveries() {
    }

    public static int attempts(String topic, int partition, long offset) {
        AtomicInteger a = ATTEMPTS_BY_POSITION.get(topic + "-" + partition + "@" + offset);
        return a == null ? 0 : a.get();
    }

    static void attempted(String topic, int partition, long offset) {
        ATTEMPTS_BY_POSITION.computeIfAbsent(topic + "-" + partition + "@" + offset, k -> new AtomicInteger()).incrementAndGet();
    }
}
