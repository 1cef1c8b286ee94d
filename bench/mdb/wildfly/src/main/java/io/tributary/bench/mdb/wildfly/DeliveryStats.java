package io.tributary.bench.mdb.wildfly;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one bean received: messages, calls of its listener method, and the wall-clock time of the
 * first and the last delivery (as bench/mdb's {@code DeliveryStats}, with the Artemis beans added).
 * The counters count invocations, so a rolled-back and redelivered message counts twice; the run
 * checks the database's rows, not these counters, for exactly-once.
 *
 * <p>The start gate: each listener call first waits until {@code POST /bench/api/start} (or
 * {@value #GATE_TIMEOUT_S} s after the first call), so that the measured deliveries begin once the
 * server has finished booting. The first delivery time is taken after the gate. Thread-safe.
 */
public final class DeliveryStats {
    public static final DeliveryStats SINGLE_C1 = new DeliveryStats("single-c1", 1, false);
    public static final DeliveryStats SINGLE_C4 = new DeliveryStats("single-c4", 4, false);
    public static final DeliveryStats BATCH_C1 = new DeliveryStats("batch-c1", 1, true);
    public static final DeliveryStats BATCH_C4 = new DeliveryStats("batch-c4", 4, true);
    public static final DeliveryStats ARTEMIS_C1 = new DeliveryStats("artemis-c1", 1, false);
    public static final DeliveryStats ARTEMIS_C4 = new DeliveryStats("artemis-c4", 4, false);
    static final List<DeliveryStats> ALL = List.of(SINGLE_C1, SINGLE_C4, BATCH_C1, BATCH_C4, ARTEMIS_C1, ARTEMIS_C4);
    static final long GATE_TIMEOUT_S = 300;
    private static final CountDownLatch GATE = new CountDownLatch(1);
    private static volatile long gateOpenedMs;

    private final String name;
    private final int concurrency;
    private final boolean batch;
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong firstMs = new AtomicLong();
    private volatile long lastMs;

    private DeliveryStats(String name, int concurrency, boolean batch) {
        this.name = name;
        this.concurrency = concurrency;
        this.batch = batch;
    }

    /** The phase name, also the {@code PHASE} column of the rows the bean stores. */
    public String name() {
        return name;
    }

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

    /** Called at the end of a listener call that stored {@code n} rows. */
    void delivered(int n) {
        records.addAndGet(n);
        calls.incrementAndGet();
        lastMs = System.currentTimeMillis();
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("concurrency", concurrency);
        m.put("batch", batch);
        m.put("records", records.get());
        m.put("calls", calls.get());
        m.put("firstMs", firstMs.get());
        m.put("lastMs", lastMs);
        return m;
    }
}
