package io.tributary.ra.inbound;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The deliveries a consumer has put off until a backoff ends, with their partitions paused
 * meanwhile, so that the consumer keeps polling (and stays in its group) and its other partitions
 * keep flowing. A deferred delivery keeps the records it still has to deliver, in order, the failed
 * one first; the consumer's position is already past them, so nothing is fetched twice, and once
 * they are delivered the partitions resume where the fetch left off.
 *
 * <p>Invariant: a partition is paused in the consumer exactly while a deferred delivery (taken or
 * not) holds records of it, so it is in at most one. Confined to the consumer's thread.
 */
final class DeferredDeliveries {
    /**
     * Records to deliver again once {@code dueNanos} ({@link System#nanoTime()}) has passed.
     *
     * @param asBatch whether to deliver them as one batch (to a batch listener) rather than one by one; records
     *                delivered one by one are all of one partition
     * @param retry   how their delivery went so far (for one-by-one records: the first record's)
     */
    record Deferred(List<ConsumerRecord<byte[], byte[]>> records, boolean asBatch, Retry retry, long dueNanos) {
        Deferred {
            records = List.copyOf(records);
        }

        Set<TopicPartition> partitions() {
            Set<TopicPartition> tps = new LinkedHashSet<>();
            for (ConsumerRecord<byte[], byte[]> r : records) tps.add(new TopicPartition(r.topic(), r.partition()));
            return tps;
        }
    }

    private final List<Deferred> waiting = new ArrayList<>();

    /** Pauses the records' partitions and remembers them until {@code delayMs} from now. */
    void defer(Consumer<?, ?> consumer, List<ConsumerRecord<byte[], byte[]>> records, boolean asBatch, Retry retry, long delayMs) {
        Deferred d = new Deferred(records, asBatch, retry, System.nanoTime() + delayMs * 1_000_000);
        consumer.pause(d.partitions());
        waiting.add(d);
    }

    /** Removes and returns the deferred deliveries whose time has come, earliest first; their partitions stay paused. */
    List<Deferred> takeDue() {
        long now = System.nanoTime();
        List<Deferred> due = new ArrayList<>();
        for (Deferred d : waiting) if (d.dueNanos() - now <= 0) due.add(d);
        waiting.removeAll(due);
        due.sort(Comparator.comparingLong(Deferred::dueNanos));
        return due;
    }

    /** Resumes those of {@code partitions} that no deferred delivery holds and that are still assigned. */
    void resumeUnlessDeferred(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        Set<TopicPartition> resume = new HashSet<>(partitions);
        resume.removeAll(paused());
        resume.retainAll(consumer.assignment());
        if (!resume.isEmpty()) consumer.resume(resume);
    }

    /** Forgets the records of partitions the consumer no longer owns; their new owner starts from the stored offset. */
    void forget(Collection<TopicPartition> revoked) {
        Set<TopicPartition> gone = new HashSet<>(revoked);
        List<Deferred> kept = new ArrayList<>();
        for (Deferred d : waiting) {
            List<ConsumerRecord<byte[], byte[]>> rest = d.records().stream()
                    .filter(r -> !gone.contains(new TopicPartition(r.topic(), r.partition()))).toList();
            if (rest.size() == d.records().size()) {
                kept.add(d);
            } else if (!rest.isEmpty()) {
                // A batch of several partitions, some kept: the rest of the batch waits as it did.
                kept.add(new Deferred(rest, d.asBatch(), d.retry(), d.dueNanos()));
            }
        }
        waiting.clear();
        waiting.addAll(kept);
    }

    /** Milliseconds until the next deferred delivery is due, at most {@code max}. */
    long millisUntilNextDue(long max) {
        long now = System.nanoTime();
        long next = max;
        for (Deferred d : waiting) next = Math.min(next, Math.max(0, (d.dueNanos() - now + 999_999) / 1_000_000));
        return next;
    }

    /** The partitions held by deferred deliveries. */
    Set<TopicPartition> paused() {
        Set<TopicPartition> tps = new LinkedHashSet<>();
        for (Deferred d : waiting) tps.addAll(d.partitions());
        return tps;
    }
}
