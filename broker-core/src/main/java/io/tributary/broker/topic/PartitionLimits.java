package io.tributary.broker.topic;

import org.apache.kafka.common.errors.PolicyViolationException;

/**
 * How many partitions one request may add ({@code max.partitions.per.request}, Kafka's controller
 * limit of 10,000) and how many partitions one broker may hold ({@code max.broker.partitions}).
 * Every partition keeps at least three files open (log, offset index, time index), so these bound
 * the file descriptors an admin request can make a node open; a request past either limit is
 * refused with {@code POLICY_VIOLATION} before anything is created or stored. Immutable.
 */
public record PartitionLimits(int maxPerRequest, int maxPerBroker) {
    /** Kafka's limit on the partitions one CreateTopics or CreatePartitions request may create. */
    public static final int KAFKA_MAX_PER_REQUEST = 10_000;
    public static final int DEFAULT_MAX_PER_BROKER = 4_000;
    public static final PartitionLimits DEFAULTS = new PartitionLimits(KAFKA_MAX_PER_REQUEST, DEFAULT_MAX_PER_BROKER);

    public PartitionLimits {
        if (maxPerRequest < 1) throw new IllegalArgumentException("max.partitions.per.request must be at least 1");
        if (maxPerBroker < 1) throw new IllegalArgumentException("max.broker.partitions must be at least 1");
    }

    /** Refuses a CreateTopics request that would create {@code requested} partitions in all. */
    public void checkCreateTopics(long requested) {
        if (requested > maxPerRequest) {
            throw new PolicyViolationException("Excessively large number of partitions per request: " + requested
                    + " partitions requested, at most " + maxPerRequest + " (max.partitions.per.request)");
        }
    }

    /** Refuses a CreatePartitions request that would add {@code added} partitions in all. */
    public void checkCreatePartitions(long added) {
        if (added > maxPerRequest) {
            throw new PolicyViolationException("Excessively large number of additional partitions per request: " + added
                    + " partitions requested, at most " + maxPerRequest + " (max.partitions.per.request)");
        }
    }

    /**
     * Refuses giving a broker ({@code who}: "this broker", "broker 2"), which holds {@code held}
     * partitions, {@code added} more.
     */
    public void checkBroker(String who, long held, long added) {
        if (added > 0 && held + added > maxPerBroker) {
            throw new PolicyViolationException(Character.toUpperCase(who.charAt(0)) + who.substring(1) + " holds " + held
                    + " partitions; " + added
                    + " more would pass max.broker.partitions (" + maxPerBroker + ")");
        }
    }
}
