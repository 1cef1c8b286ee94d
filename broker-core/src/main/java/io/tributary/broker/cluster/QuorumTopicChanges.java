package io.tributary.broker.cluster;

import io.tributary.broker.topic.PartitionLimits;
import io.tributary.broker.topic.TopicChanges;
import io.tributary.broker.topic.TopicMetadata;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Topic changes of a cluster member: each becomes a {@link MetadataCommand} committed by the
 * quorum. New partitions get their replicas here, spread round-robin over the live brokers from a
 * start that depends on the topic name, so leaders (the first replica) spread across nodes. A
 * placement that would give any broker more replicas than {@code max.broker.partitions} is
 * refused with {@code POLICY_VIOLATION} before it is proposed.
 * Stateless apart from its collaborators; thread-safe.
 */
public final class QuorumTopicChanges implements TopicChanges {
    private final MetadataQuorum quorum;
    private final short defaultReplicationFactor;
    private final PartitionLimits limits;

    public QuorumTopicChanges(MetadataQuorum quorum, short defaultReplicationFactor, PartitionLimits limits) {
        this.quorum = quorum;
        this.defaultReplicationFactor = defaultReplicationFactor;
        this.limits = limits;
    }

    @Override
    public void create(TopicMetadata topic, short replicationFactor) {
        short rf = replicationFactor == -1 ? defaultReplicationFactor : replicationFactor;
        List<PartitionRegistration> partitions = assign(topic.name(), 0, topic.partitions(), rf);
        Errors error = quorum.proposeAndWait(new MetadataCommand.CreateTopic(
                new TopicImage(topic.name(), topic.topicId(), topic.configs(), partitions)));
        if (error == Errors.TOPIC_ALREADY_EXISTS) {
            throw new TopicExistsException("Topic '" + topic.name() + "' already exists.");
        }
        check(error, topic.name());
    }

    @Override
    public void delete(String name) {
        check(quorum.proposeAndWait(new MetadataCommand.DeleteTopic(name)), name);
    }

    @Override
    public void createPartitions(String name, int newCount) {
        TopicImage t = quorum.image().topics().get(name);
        if (t == null) throw new UnknownTopicOrPartitionException("Topic " + name + " does not exist");
        int rf = t.partitions().isEmpty() ? defaultReplicationFactor : t.partitions().get(0).replicas().size();
        List<PartitionRegistration> added = assign(name, t.partitions().size(), newCount - t.partitions().size(), rf);
        check(quorum.proposeAndWait(new MetadataCommand.AddPartitions(name, added)), name);
    }

    @Override
    public void setConfigs(String name, Map<String, String> configs) {
        check(quorum.proposeAndWait(new MetadataCommand.SetTopicConfigs(name, configs)), name);
    }

    /**
     * Replica assignments for {@code count} partitions starting at index {@code first}, refused when
     * a broker would pass {@code max.broker.partitions}.
     */
    List<PartitionRegistration> assign(String topic, int first, int count, int replicationFactor) {
        ClusterImage image = quorum.image();
        Set<Integer> live = quorum.channel().liveNodes();
        List<Integer> brokers = new ArrayList<>();
        for (int id : image.brokers().keySet()) if (live.contains(id)) brokers.add(id);
        brokers.sort(Integer::compare);
        if (replicationFactor > brokers.size()) {
            throw new InvalidReplicationFactorException("Replication factor: " + replicationFactor
                    + " larger than available brokers: " + brokers.size() + ".");
        }
        int start = Math.floorMod(topic.hashCode(), brokers.size());
        List<PartitionRegistration> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int p = first + i;
            List<Integer> replicas = new ArrayList<>(replicationFactor);
            for (int r = 0; r < replicationFactor; r++) replicas.add(brokers.get((start + p + r) % brokers.size()));
            out.add(new PartitionRegistration(replicas, replicas, replicas.get(0), 0, 0));
        }
        checkBrokerCapacity(image, out);
        return out;
    }

    private void checkBrokerCapacity(ClusterImage image, List<PartitionRegistration> added) {
        Map<Integer, Long> held = new TreeMap<>();
        for (TopicImage t : image.topics().values()) {
            for (PartitionRegistration p : t.partitions()) for (int r : p.replicas()) held.merge(r, 1L, Long::sum);
        }
        Map<Integer, Long> adding = new TreeMap<>();
        for (PartitionRegistration p : added) for (int r : p.replicas()) adding.merge(r, 1L, Long::sum);
        for (Map.Entry<Integer, Long> e : adding.entrySet()) {
            limits.checkBroker("broker " + e.getKey(), held.getOrDefault(e.getKey(), 0L), e.getValue());
        }
    }

    private static void check(Errors error, String topic) {
        if (error == Errors.NONE) return;
        throw error.exception("Topic " + topic + ": " + error.message());
    }
}
