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
 * leads once it has loaded them; when it stops leading one, it forgets those groups, and the new
 * leader replays the partition's log into memory: the committed offsets and the groups' membership
 * (generation, members, assignment), so the members carry on at the new coordinator without
 * rejoining. A node on its own coordinates every group.
 *
 * <p>Thread safety: leadership changes arrive on the metadata thread; the loaded set is concurrent.
 */
public final class CoordinatorLocator {
    private final OffsetStore offsets;
    private final GroupCoordinator groups;
    private final Replication replication;
    private final boolean clustered;
    private final Set<Integer> loaded = ConcurrentHashMap.newKeySet();

    /**
     * In a cluster ({@code clustered}), this node starts out coordinating no group: what
     * {@link GroupCoordinator#start} loaded is forgotten, and each offsets partition's groups are
     * loaded when the node becomes that partition's leader.
     */
    public CoordinatorLocator(OffsetStore offsets, GroupCoordinator groups, Replication replication, boolean clustered) {
        this.offsets = offsets;
        this.groups = groups;
        this.replication = replication;
        this.clustered = clustered;
        if (clustered) groups.unloadAll();
    }

    /** Called when this node starts ({@code leader}) or stops leading {@code tp}. */
    public void onLeadership(TopicPartition tp, boolean leader) {
        if (!clustered || !tp.topic().equals(OffsetStore.TOPIC)) return;
        int p = tp.partition();
        loaded.remove(p);
        if (leader) {
            groups.loadGroupsOf(p);
            loaded.add(p);
        } else {
            groups.unloadGroupsOf(p);
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
