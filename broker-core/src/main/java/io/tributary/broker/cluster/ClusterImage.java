package io.tributary.broker.cluster;

import org.apache.kafka.common.TopicPartition;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The cluster metadata at one point of the quorum's log: registered brokers and topics with their
 * partition states. Immutable; each applied command produces a new image.
 */
public record ClusterImage(long version, Map<Integer, BrokerRegistration> brokers, Map<String, TopicImage> topics) {
    public static final ClusterImage EMPTY = new ClusterImage(0, Map.of(), Map.of());

    public ClusterImage {
        brokers = Map.copyOf(brokers);
        topics = Map.copyOf(topics);
    }

    public Optional<PartitionRegistration> partition(TopicPartition tp) {
        TopicImage t = topics.get(tp.topic());
        if (t == null || tp.partition() < 0 || tp.partition() >= t.partitions().size()) return Optional.empty();
        return Optional.of(t.partitions().get(tp.partition()));
    }

    ClusterImage withBroker(BrokerRegistration broker) {
        Map<Integer, BrokerRegistration> b = new TreeMap<>(brokers);
        b.put(broker.nodeId(), broker);
        return new ClusterImage(version + 1, b, topics);
    }

    ClusterImage withTopic(TopicImage topic) {
        Map<String, TopicImage> t = new TreeMap<>(topics);
        t.put(topic.name(), topic);
        return new ClusterImage(version + 1, brokers, t);
    }

    ClusterImage withoutTopic(String name) {
        Map<String, TopicImage> t = new TreeMap<>(topics);
        t.remove(name);
        return new ClusterImage(version + 1, brokers, t);
    }
}
