package io.tributary.ra.management;

import java.util.Map;

/**
 * What JMX shows of one activated message-driven bean, registered as
 * {@code io.tributary:type=Activation,name=<activation name>} while the bean is activated. Every
 * attribute is read from a snapshot taken when asked; reading never touches a consumer, the broker
 * or the database. The counters count from the activation (they restart at zero when the bean is
 * activated again) and only grow.
 */
public interface ActivationMXBean {
    /** The container's activation name, or the group id when the container gives none. */
    String getName();

    String getGroupId();

    /** The topics (or the pattern) the bean consumes. */
    String getTopics();

    /**
     * The worst state among the consumers: {@code FAILED}, {@code RETRYING}, {@code STOPPED},
     * {@code PAUSED}, then {@code RUNNING}.
     */
    String getState();

    /** One line per consumer: {@code <client id> <state> since <instant>, <n> restart(s)[, paused <partitions>]}. */
    String[] getConsumerStates();

    /** False once a consumer is {@code FAILED}: it stays failed until the bean is activated again (a restart or redeployment). */
    boolean isLive();

    /** True while every consumer is {@code RUNNING} or {@code PAUSED} (polling, so a member of its group). */
    boolean isReady();

    /** The last failure any consumer reported ({@code class: message}), or null. */
    String getLastError();

    /** Restarts of the consumers after unexpected failures, summed. */
    int getRestarts();

    /** The partitions paused for a backoff (redelivery or outage), as {@code topic-partition}. */
    String[] getPausedPartitions();

    /** Records whose delivery committed (their offsets stored), including redelivered ones. */
    long getDelivered();

    /** Deliveries of records (counted per record) that the bean had been given before. */
    long getRedelivered();

    /** Records published to the dead-letter topic. */
    long getDeadLettered();

    /** Deliveries that failed for an outage and paused their partitions without spending a redelivery. */
    long getOutagePauses();

    /** Deliveries that reached the container (one per record, or per batch to a batch listener), whatever their outcome. */
    long getDeliveryCount();

    /** Mean duration of a delivery (the transaction with the bean's method), in milliseconds; 0 before the first. */
    double getDeliveryTimeMeanMs();

    /** Longest delivery so far, in milliseconds. */
    double getDeliveryTimeMaxMs();

    /**
     * Records behind the end of each assigned partition ({@code topic-partition} → lag), as the
     * consumers last saw it from their fetches (no request of its own); refreshed at most once a
     * second per consumer, and empty for a partition no fetch has answered yet.
     */
    Map<String, Long> getLagByPartition();

    /** The sum of {@link #getLagByPartition()}. */
    long getTotalLag();

    /**
     * Replays (or skips) a partition: the consumer holding {@code topic}-{@code partition} stores
     * {@code offset} as the partition's next offset in the offset table and seeks there, on its own
     * thread between two polls, dropping any delivery of that partition waiting for a backoff.
     * Waits up to 30 seconds for it.
     *
     * @return what was done
     * @throws IllegalStateException when no consumer of the bean holds the partition
     */
    String seek(String topic, int partition, long offset);
}
