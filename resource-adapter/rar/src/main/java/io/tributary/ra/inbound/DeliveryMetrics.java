package io.tributary.ra.inbound;

import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * The delivery counters of one activation, shared by its consumers. Thread-safe and cheap on the
 * delivery path: every update is a {@link LongAdder} or {@link LongAccumulator} cell update (no
 * lock, no contention between consumers); reads sum the cells, so a read taken while deliveries go
 * on may see one counter updated and another not yet. Counters only grow.
 */
final class DeliveryMetrics {
    private final LongAdder delivered = new LongAdder();
    private final LongAdder redelivered = new LongAdder();
    private final LongAdder deadLettered = new LongAdder();
    private final LongAdder outagePauses = new LongAdder();
    private final LongAdder deliveries = new LongAdder();
    private final LongAdder deliveryNanos = new LongAdder();
    private final LongAccumulator maxDeliveryNanos = new LongAccumulator(Math::max, 0);

    /** A delivery of {@code records} records that took {@code nanos}; {@code attempt} is its number (1 for the first). */
    void delivery(int records, int attempt, long nanos) {
        deliveries.increment();
        deliveryNanos.add(nanos);
        maxDeliveryNanos.accumulate(nanos);
        if (attempt > 1) redelivered.add(records);
    }

    void committed(int records) {
        delivered.add(records);
    }

    void deadLettered() {
        deadLettered.increment();
    }

    void outagePause() {
        outagePauses.increment();
    }

    long delivered() {
        return delivered.sum();
    }

    long redelivered() {
        return redelivered.sum();
    }

    long deadLetteredCount() {
        return deadLettered.sum();
    }

    long outagePauses() {
        return outagePauses.sum();
    }

    long deliveries() {
        return deliveries.sum();
    }

    double meanDeliveryMs() {
        long n = deliveries.sum();
        return n == 0 ? 0 : deliveryNanos.sum() / 1e6 / n;
    }

    double maxDeliveryMs() {
        return maxDeliveryNanos.get() / 1e6;
    }
}
