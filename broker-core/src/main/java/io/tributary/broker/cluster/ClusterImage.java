package io.tributary.broker.cluster;

import org.apache.kafka.common.TopicPartition;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The cluster metadata at one point of the quorum's log: registered brokers, the brokers in
 * controlled shutdown (handing their leaderships over before they stop; cleared when the broker
 * registers again), and topics with their partition states. Immutable; each applied command
 * produces a new image.
 */
public record ClusterImage(long version, Map<Integer, BrokerRegistration> brokers, Set<Integer> shuttingDown,
                           Map<String, TopicImage> topics) {
    public static final ClusterImage EMPTY = new ClusterImage(0, Map.of(), Set.of(), Map.of());

    public ClusterImage {
        brokers = Map.copyOf(brokers);
        shuttingDown = Set.copyOf(shuttingDown);
        topics = Map.copyOf(topics);
    }

    public Optional<PartitionRegistration> partition(TopicPartition tp) {
        TopicImage t = topics.get(tp.topic());
        if (t == null || tp.partition() < 0 || tp.partition() >= t.partitions().size()) return Optional.empty();
        return Optional.of(t.partitions().get(tp.partition()));
    }

    /** Registering (again) ends a controlled shutdown the broker may have begun before. */
    ClusterImage withBroker(BrokerRegistration broker) {
        Map<Integer, BrokerRegistration> b = new TreeMap<>(brokers);
        b.put(broker.nodeId(), broker);
        Set<Integer> s = new TreeSet<>(shuttingDown);
        s.remove(broker.nodeId());
        return new ClusterImage(version + 1, b, s, topics);
    }

    ClusterImage withShuttingDown(int nodeId) {
        Set<Integer> s = new TreeSet<>(shuttingDown);
        s.add(nodeId);
        return new ClusterImage(version + 1, brokers, s, topics);
    }

    ClusterImage withTopic(TopicImage topic) {
        Map<String, TopicImage> t = new TreeMap<>(topics);
        t.put(topic.name(), topic);
        return new ClusterImage(version + 1, brokers, shuttingDown, t);
    }

    ClusterImage withoutTopic(String name) {
        Map<String, TopicImage> t = new TreeMap<>(topics);
        t.remove(name);
        return new ClusterImage(version + 1, brokers, shuttingDown, t);
    }
}
