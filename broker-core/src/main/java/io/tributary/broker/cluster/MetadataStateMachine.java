package io.tributary.broker.cluster;

import org.apache.kafka.common.protocol.Errors;
import org.jgroups.raft.StateMachine;

import java.io.DataInput;
import java.io.DataOutput;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The replicated state machine of the metadata quorum: applies {@link MetadataCommand}s in log
 * order to the current {@link ClusterImage} and publishes each new image to a listener.
 *
 * <p>Every node applies the same commands in the same order, so every node reaches the same
 * images with the same {@link ClusterImage#version() versions}. A command that does not fit the
 * state it meets (unknown topic, stale partition epoch) changes nothing and answers an error.
 *
 * <p>Thread safety: jgroups-raft calls {@link #apply} and the snapshot methods from one thread;
 * {@link #image()} may be read from any thread (a volatile reference to an immutable image).
 */
public final class MetadataStateMachine implements StateMachine {
    private static final System.Logger LOG = System.getLogger(MetadataStateMachine.class.getName());

    private volatile ClusterImage image = ClusterImage.EMPTY;
    private final Consumer<ClusterImage> listener;

    public MetadataStateMachine(Consumer<ClusterImage> listener) {
        this.listener = listener;
    }

    public ClusterImage image() {
        return image;
    }

    /** The answer to a proposal: an error code and the image version once it was applied. */
    public record Result(Errors error, long version) {
        static Result decode(byte[] bytes) {
            if (bytes == null || bytes.length < 10) return new Result(Errors.UNKNOWN_SERVER_ERROR, -1);
            ByteBuffer b = ByteBuffer.wrap(bytes);
            return new Result(Errors.forCode(b.getShort()), b.getLong());
        }

        byte[] encode() {
            return ByteBuffer.allocate(10).putShort(error.code()).putLong(version).array();
        }
    }

    @Override
    public byte[] apply(byte[] data, int offset, int length, boolean serializeResponse) throws Exception {
        MetadataCommand command;
        try {
            command = MetadataCodec.decode(data, offset, length);
        } catch (java.io.IOException e) {
            LOG.log(System.Logger.Level.ERROR, "Skipping an unreadable metadata command", e);
            return serializeResponse ? new Result(Errors.CORRUPT_MESSAGE, image.version()).encode() : null;
        }
        Errors error = applyCommand(command);
        return serializeResponse ? new Result(error, image.version()).encode() : null;
    }

    private Errors applyCommand(MetadataCommand command) {
        ClusterImage current = image;
        ClusterImage next;
        if (command instanceof MetadataCommand.Noop) {
            return Errors.NONE;
        } else if (command instanceof MetadataCommand.RegisterBroker c) {
            if (c.broker().equals(current.brokers().get(c.broker().nodeId()))
                    && !current.shuttingDown().contains(c.broker().nodeId())) return Errors.NONE;
            next = current.withBroker(c.broker());
        } else if (command instanceof MetadataCommand.BeginShutdown c) {
            if (current.shuttingDown().contains(c.nodeId())) return Errors.NONE;
            next = current.withShuttingDown(c.nodeId());
        } else if (command instanceof MetadataCommand.CreateTopic c) {
            TopicImage existing = current.topics().get(c.topic().name());
            if (existing != null) {
                return existing.topicId().equals(c.topic().topicId()) ? Errors.NONE : Errors.TOPIC_ALREADY_EXISTS;
            }
            next = current.withTopic(c.topic());
        } else if (command instanceof MetadataCommand.DeleteTopic c) {
            if (!current.topics().containsKey(c.name())) return Errors.UNKNOWN_TOPIC_OR_PARTITION;
            next = current.withoutTopic(c.name());
        } else if (command instanceof MetadataCommand.AddPartitions c) {
            TopicImage t = current.topics().get(c.name());
            if (t == null) return Errors.UNKNOWN_TOPIC_OR_PARTITION;
            next = current.withTopic(t.withAddedPartitions(c.added()));
        } else if (command instanceof MetadataCommand.SetTopicConfigs c) {
            TopicImage t = current.topics().get(c.name());
            if (t == null) return Errors.UNKNOWN_TOPIC_OR_PARTITION;
            next = current.withTopic(t.withConfigs(c.configs()));
        } else if (command instanceof MetadataCommand.ChangePartition c) {
            TopicImage t = current.topics().get(c.topic());
            if (t == null || c.partition() >= t.partitions().size()) return Errors.UNKNOWN_TOPIC_OR_PARTITION;
            PartitionRegistration p = t.partitions().get(c.partition());
            if (p.partitionEpoch() != c.expectedPartitionEpoch()) return Errors.FENCED_LEADER_EPOCH;
            if (!validChange(p, c.leader(), c.isr())) return Errors.INVALID_REQUEST;
            next = current.withTopic(t.withPartition(c.partition(), p.change(c.leader(), c.isr())));
        } else if (command instanceof MetadataCommand.ChangeScramCredentials c) {
            next = current.withScramCredentials(
                    io.tributary.broker.security.ScramCredentialStore.applied(current.scramCredentials(), c.changes()));
        } else if (command instanceof MetadataCommand.CreateAcls c) {
            java.util.Set<org.apache.kafka.common.acl.AclBinding> acls = new java.util.LinkedHashSet<>(current.acls());
            if (!acls.addAll(c.acls())) return Errors.NONE;
            next = current.withAcls(acls);
        } else if (command instanceof MetadataCommand.AlterBrokerConfigs c) {
            Map<String, Map<String, String>> configs = io.tributary.broker.config.DynamicBrokerConfigStore.applied(
                    current.brokerConfigs(), c.resource(), c.set(), new HashSet<>(c.removed()));
            if (configs.equals(current.brokerConfigs())) return Errors.NONE;
            next = current.withBrokerConfigs(configs);
        } else if (command instanceof MetadataCommand.DeleteAcls c) {
            java.util.Set<org.apache.kafka.common.acl.AclBinding> acls = new java.util.LinkedHashSet<>(current.acls());
            if (!acls.removeAll(c.acls())) return Errors.NONE;
            next = current.withAcls(acls);
        } else if (command instanceof MetadataCommand.ChangeClientQuotas c) {
            io.tributary.broker.quota.ClientQuotaConfigs quotas = current.clientQuotas().applied(c.changes());
            if (quotas.equals(current.clientQuotas())) return Errors.NONE;
            next = current.withClientQuotas(quotas);
        } else {
            throw new IllegalStateException("Unhandled metadata command " + command);
        }
        image = next;
        publish(next);
        return Errors.NONE;
    }

    private static boolean validChange(PartitionRegistration p, int leader, List<Integer> isr) {
        Set<Integer> seen = new HashSet<>();
        for (int r : isr) if (!p.isReplica(r) || !seen.add(r)) return false;
        if (leader == PartitionRegistration.NO_LEADER) return true;
        return isr.contains(leader);
    }

    private void publish(ClusterImage next) {
        try {
            listener.accept(next);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "Metadata listener failed on image " + next.version(), e);
        }
    }

    @Override
    public void readContentFrom(DataInput in) throws Exception {
        ClusterImage restored = MetadataCodec.readImage(in);
        image = restored;
        publish(restored);
    }

    @Override
    public void writeContentTo(DataOutput out) throws Exception {
        MetadataCodec.writeImage(out, image);
    }
}
