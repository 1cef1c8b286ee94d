package io.tributary.bench.mdb;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one bean received: records, calls of its listener method, and the wall-clock time of the
 * first and the last delivery. The beans of one war share the JVM-wide instances below. The
 * counters count invocations, so a rolled-back and redelivered record counts twice (the benchmark
 * compares the count with what it produced).
 *
 * <p>The start gate: each listener call first waits until {@code POST /bench/api/start} (or
 * {@value #GATE_TIMEOUT_S} s after the first call), so that the measured deliveries begin once the
 * server has finished booting rather than while it still deploys. The calls held at the gate (one
 * per group member) then proceed; the first delivery time is taken after the gate. Thread-safe.
 */
public final class DeliveryStats {
    public static final DeliveryStats SINGLE_C4 = new DeliveryStats("single-c4", "bench-single", "bench-single", 4, false);
    public static final DeliveryStats SINGLE_C1 = new DeliveryStats("single-c1", "bench-single", "bench-single-c1", 1, false);
    public static final DeliveryStats BATCH_C4 = new DeliveryStats("batch-c4", "bench-batch", "bench-batch", 4, true);
    public static final DeliveryStats BATCH_C1 = new DeliveryStats("batch-c1", "bench-batch", "bench-batch-c1", 1, true);
    static final List<DeliveryStats> ALL = List.of(SINGLE_C4, SINGLE_C1, BATCH_C4, BATCH_C1);
    static final long GATE_TIMEOUT_S = 300;
    private static final CountDownLatch GATE = new CountDownLatch(1);
    private static volatile long gateOpenedMs;

    private final String name;
    private final String topic;
    private final String group;
    private final int concurrency;
    private final boolean batch;
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong firstMs = new AtomicLong();
    private volatile long lastMs;

    private DeliveryStats(String name, String topic, String group, int concurrency, boolean batch) {
        this.name = name;
        this.topic = topic;
        this.group = group;
        this.concurrency = concurrency;
        this.batch = batch;
    }

    /** Opens the start gate; returns when it was opened (ms since the epoch). */
    static synchronized long openGate() {
        if (GATE.getCount() > 0) {
            gateOpenedMs = System.currentTimeMillis();
            GATE.countDown();
        }
        return gateOpenedMs;
    }

    static long gateOpenedMs() {
        return gateOpenedMs;
    }

    /** Called at the start of a listener call: waits at the start gate, then notes the first delivery. */
    void started() {
        if (GATE.getCount() > 0) {
            try {
                if (!GATE.await(GATE_TIMEOUT_S, TimeUnit.SECONDS)) openGate();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (firstMs.get() == 0) firstMs.compareAndSet(0, System.currentTimeMillis());
    }

    /** Called at the end of a listener call that received {@code n} records. */
    void delivered(int n) {
        records.addAndGet(n);
        calls.incrementAndGet();
        lastMs = System.currentTimeMillis();
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("topic", topic);
        m.put("group", group);
        m.put("concurrency", concurrency);
        m.put("batch", batch);
        m.put("records", records.get());
        m.put("calls", calls.get());
        m.put("firstMs", firstMs.get());
        m.put("lastMs", lastMs);
        return m;
    }
}
