package io.tributary.ra.inbound;

import org.apache.kafka.common.TopicPartition;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * What one consumer (one group member) of an activation is doing, as health checks and metrics read
 * it from {@link ActivationRegistry#statuses()}. A snapshot: immutable, taken when asked.
 *
 * @param clientId          the member's Kafka {@code client.id} ({@code tributary-<groupId>-<n>})
 * @param state             see {@link State}
 * @param lastError         the last failure seen — of the consumer (what made it restart) or of a delivery
 *                          (what paused a partition) — as {@code class: message}; null while nothing failed
 * @param since             when the consumer entered {@code state}
 * @param restarts          how many times the consumer has been started again after a failure
 * @param pausedPartitions  the partitions paused for a backoff (redelivery or outage), sorted; empty unless
 *                          {@code state} is {@link State#PAUSED}
 */
public record ConsumerStatus(String clientId, State state, String lastError, Instant since, int restarts,
                             List<TopicPartition> pausedPartitions) {

    /** The life of a consumer. */
    public enum State {
        /** Starting, or polling and delivering with no partition paused. */
        RUNNING,
        /** Its loop failed; it is closed and waits (outage backoff) before it starts a new consumer. */
        RETRYING,
        /** Polling (so still a member of its group), with some partitions paused until their backoff ends. */
        PAUSED,
        /**
         * Gave up: the loop failed with a {@link LinkageError} (a class of the application or of the adapter
         * can no longer be loaded, as after an application was undeployed under a live activation), which
         * a new consumer would meet again. The only state a consumer never leaves while activated.
         */
        FAILED,
        /** Not started yet, or stopped by deactivation. */
        STOPPED
    }

    public ConsumerStatus {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(since, "since");
        pausedPartitions = pausedPartitions.stream()
                .sorted(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition)).toList();
    }

    /** {@code class: message} of a failure, as {@link #lastError} holds it. */
    static String describe(Throwable t) {
        if (t == null) return null;
        return t.getMessage() == null ? t.getClass().getName() : t.getClass().getName() + ": " + t.getMessage();
    }
}
