package io.tributary.broker.quota;

import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which partitions a replication throttle applies to on one broker: the topic config {@code
 * leader.replication.throttled.replicas} (for the leader side) or {@code
 * follower.replication.throttled.replicas} (for the follower side) of every topic, read as Kafka's
 * {@code TopicConfigHandler} reads it. {@code *} throttles every partition of the topic on every
 * broker; a list of {@code partition:broker} pairs throttles, on this broker, the partitions paired
 * with this broker's id (the pairs naming other brokers are for them); an empty or absent value
 * throttles none. The broker id names the broker that applies the throttle: in the leader list the
 * node that leads (serves) the partition, in the follower list the node that copies it.
 *
 * <p>Immutable; built again when a topic's config changes.
 */
public final class ThrottledReplicas {
    /** No partition of any topic is throttled. */
    public static final ThrottledReplicas NONE = new ThrottledReplicas(Map.of(), Set.of());

    /** Topics whose partitions are all throttled ({@code *}). */
    private final Set<String> everyPartition;
    /** Topic to the partitions throttled on this broker (never empty). */
    private final Map<String, Set<Integer>> partitions;

    private ThrottledReplicas(Map<String, Set<Integer>> partitions, Set<String> everyPartition) {
        this.partitions = partitions;
        this.everyPartition = everyPartition;
    }

    /**
     * The throttled partitions on broker {@code brokerId}.
     *
     * @param listsByTopic each topic's value of the throttled-replicas config (topics without it may be left out)
     * @throws IllegalArgumentException naming the topic when a value is neither {@code *} nor
     *                                  {@code partition:broker} pairs (stored values are validated
     *                                  before they are stored, so this means a corrupt value)
     */
    public static ThrottledReplicas of(Map<String, String> listsByTopic, int brokerId) {
        Map<String, Set<Integer>> partitions = new HashMap<>();
        Set<String> every = new HashSet<>();
        listsByTopic.forEach((topic, value) -> {
            String list = value == null ? "" : value.replace(" ", "");
            if (list.isEmpty()) return;
            if (list.equals("*")) {
                every.add(topic);
                return;
            }
            Set<Integer> mine = new HashSet<>();
            for (String entry : list.split(",")) {
                String[] pair = entry.split(":");
                try {
                    if (pair.length != 2) throw new NumberFormatException(entry);
                    int partition = Integer.parseInt(pair[0]);
                    if (Integer.parseInt(pair[1]) == brokerId) mine.add(partition);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("Throttled replicas of topic " + topic + " are not '*' nor "
                            + "[partitionId]:[brokerId] pairs: " + value);
                }
            }
            if (!mine.isEmpty()) partitions.put(topic, Set.copyOf(mine));
        });
        if (partitions.isEmpty() && every.isEmpty()) return NONE;
        return new ThrottledReplicas(Map.copyOf(partitions), Set.copyOf(every));
    }

    /** Whether replication of {@code tp} is throttled on this broker. */
    public boolean isThrottled(TopicPartition tp) {
        if (everyPartition.contains(tp.topic())) return true;
        Set<Integer> p = partitions.get(tp.topic());
        return p != null && p.contains(tp.partition());
    }

    public boolean isEmpty() {
        return this == NONE;
    }

    @Override
    public String toString() {
        return "ThrottledReplicas(every partition of " + everyPartition + ", partitions " + partitions + ")";
    }
}
