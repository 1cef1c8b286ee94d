package io.tributary.broker.group;

import io.tributary.broker.cluster.BrokerRegistration;
import io.tributary.broker.cluster.PartitionRegistration;
import io.tributary.broker.cluster.Replication;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.CoordinatorLoadInProgressException;
import org.apache.kafka.common.errors.NotCoordinatorException;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which node coordinates a group: in a cluster, the leader of the group's partition of
 * {@code __consumer_offsets}, as in Kafka. A node coordinates the groups of the offsets partitions it
 * leads once it has loaded them; when it stops leading one, it forgets those groups' membership
 * (members rejoin at the new coordinator) and the new leader replays the partition's log into
 * memory. A node on its own coordinates every group.
 *
 * <p>Thread safety: leadership changes arrive on the metadata thread; the loaded set is concurrent.
 */
public final class CoordinatorLocator {
    private final OffsetStore offsets;
    private final GroupCoordinator groups;
    private final Replication replication;
    private final boolean clustered;
    private final Set<Integer> loaded = ConcurrentHashMap.newKeySet();

    public CoordinatorLocator(OffsetStore offsets, GroupCoordinator groups, Replication replication, boolean clustered) {
        this.offsets = offsets;
        this.groups = groups;
        this.replication = replication;
        this.clustered = clustered;
    }

    /** Called when this node starts ({@code leader}) or stops leading {@code tp}. */
    public void onLeadership(TopicPartition tp, boolean leader) {
        if (!clustered || !tp.topic().equals(OffsetStore.TOPIC)) return;
        int p = tp.partition();
        loaded.remove(p);
        groups.unloadGroupsOf(p);
        if (leader) {
            offsets.reload(p);
            loaded.add(p);
        }
    }

    /** Throws {@link NotCoordinatorException} unless this node coordinates {@code group}. */
    public void check(String group) {
        if (!clustered || group == null || group.isEmpty()) return;
        int p = offsets.partitionFor(group);
        if (loaded.contains(p)) return;
        Optional<PartitionRegistration> state = replication.partitionState(new TopicPartition(OffsetStore.TOPIC, p));
        if (state.isPresent() && state.get().hasLeader() && replicaIsLeaderHere(p)) {
            throw new CoordinatorLoadInProgressException("Group " + group + " is being loaded on this node");
        }
        throw new NotCoordinatorException("This node does not coordinate group " + group);
    }

    private boolean replicaIsLeaderHere(int p) {
        try {
            replication.leaderLog(new TopicPartition(OffsetStore.TOPIC, p), Replication.NO_EPOCH);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * The node coordinating {@code group}, creating the offsets topic on first use; empty while the
     * group's offsets partition has no leader.
     */
    public Optional<BrokerRegistration> find(String group, BrokerRegistration self) {
        if (!clustered) return Optional.of(self);
        offsets.ensureExists();
        Optional<PartitionRegistration> state = replication.partitionState(
                new TopicPartition(OffsetStore.TOPIC, offsets.partitionFor(group)));
        if (state.isEmpty() || !state.get().hasLeader()) return Optional.empty();
        int leader = state.get().leader();
        for (BrokerRegistration b : replication.liveBrokers()) if (b.nodeId() == leader) return Optional.of(b);
        return Optional.empty();
    }
}
