package io.tributary.broker.delayed;

import org.apache.kafka.common.TopicPartition;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Fetches waiting for data (long polling): a fetch that found fewer than {@code min.bytes} waits
 * here until {@link #wake} for one of its partitions lets it complete, or until its maximum wait.
 * Which event wakes a registry is {@link DelayedFetches}' business.
 *
 * <p>Each waiter completes exactly once (an atomic flag), whichever of wake-up or timeout comes
 * first. Thread-safe: wake-ups from any thread, timeouts on the scheduler; a waiter's
 * {@code tryComplete} runs under that waiter's own monitor, never under another lock of this class.
 */
public final class FetchWaiters {
    /** A parked fetch. {@code tryComplete(force)} re-reads and answers if it has enough data or if forced. */
    public interface Waiter {
        boolean tryComplete(boolean force);
    }

    private final ScheduledExecutorService timer;
    private final Map<TopicPartition, Set<Entry>> byPartition = new ConcurrentHashMap<>();

    public FetchWaiters(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    private final class Entry {
        final Set<TopicPartition> partitions;
        final Waiter waiter;
        final AtomicBoolean done = new AtomicBoolean();
        volatile ScheduledFuture<?> timeout;

        Entry(Set<TopicPartition> partitions, Waiter waiter) {
            this.partitions = partitions;
            this.waiter = waiter;
        }

        void attempt(boolean force) {
            if (done.get()) return;
            synchronized (this) {
                if (done.get()) return;
                if (waiter.tryComplete(force)) {
                    done.set(true);
                    for (TopicPartition tp : partitions) {
                        Set<Entry> set = byPartition.get(tp);
                        if (set != null) set.remove(this);
                    }
                    ScheduledFuture<?> t = timeout;
                    if (t != null) t.cancel(false);
                }
            }
        }
    }

    /** Parks {@code waiter} on {@code partitions} for at most {@code maxWaitMs}. */
    public void park(Set<TopicPartition> partitions, Waiter waiter, long maxWaitMs) {
        Entry entry = new Entry(partitions, waiter);
        for (TopicPartition tp : partitions) byPartition.computeIfAbsent(tp, k -> ConcurrentHashMap.newKeySet()).add(entry);
        entry.timeout = timer.schedule(() -> entry.attempt(true), maxWaitMs, TimeUnit.MILLISECONDS);
        // Data may have arrived between the first read and parking.
        entry.attempt(false);
    }

    /** Lets fetches waiting on {@code tp} re-check what they can read now. */
    public void wake(TopicPartition tp) {
        Set<Entry> set = byPartition.get(tp);
        if (set == null || set.isEmpty()) return;
        for (Entry e : set.toArray(new Entry[0])) e.attempt(false);
    }

    /** Answers every parked fetch now (shutdown). */
    public void completeAll() {
        for (Set<Entry> set : byPartition.values()) for (Entry e : set.toArray(new Entry[0])) e.attempt(true);
    }
}
