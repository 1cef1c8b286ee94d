package io.tributary.broker.delayed;

import org.apache.kafka.common.TopicPartition;

import java.util.concurrent.ScheduledExecutorService;

/**
 * The fetches parked on this node, in two registries woken by different events: consumer fetches
 * read below the high watermark and so wait for it to move; follower fetches read up to the log
 * end and so wait for appends. Whoever moves a partition's high watermark or log end calls the
 * matching method, and nothing else wakes parked fetches, so neither kind is woken by the other's
 * event.
 *
 * <p>Thread-safe (see {@link FetchWaiters}).
 */
public final class DelayedFetches {
    private final FetchWaiters consumers;
    private final FetchWaiters followers;

    public DelayedFetches(ScheduledExecutorService timer) {
        this.consumers = new FetchWaiters(timer);
        this.followers = new FetchWaiters(timer);
    }

    /** Where consumer fetches park. */
    public FetchWaiters consumers() {
        return consumers;
    }

    /** Where follower (replica) fetches park. */
    public FetchWaiters followers() {
        return followers;
    }

    public void onHighWatermark(TopicPartition tp) {
        consumers.wake(tp);
    }

    public void onLogEnd(TopicPartition tp) {
        followers.wake(tp);
    }

    /** Answers every parked fetch now (shutdown). */
    public void completeAll() {
        consumers.completeAll();
        followers.completeAll();
    }
}
