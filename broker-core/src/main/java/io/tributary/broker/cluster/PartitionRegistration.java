package io.tributary.broker.cluster;

import java.util.List;

/**
 * The replication state of one partition, as committed in the metadata quorum.
 *
 * <p>Invariants: {@code replicas} is the assignment, in preference order (the first is the
 * preferred leader); {@code isr} is a subset of {@code replicas}; {@code leader} is in the ISR,
 * or {@link #NO_LEADER} when no in-sync replica is alive. {@code leaderEpoch} grows with every
 * leader change; {@code partitionEpoch} grows with every change of any field, so a proposal made
 * against an older state can be recognised and refused.
 */
public record PartitionRegistration(List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch,
                                    int partitionEpoch) {
    public static final int NO_LEADER = -1;

    public PartitionRegistration {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }

    public boolean hasLeader() {
        return leader != NO_LEADER;
    }

    public boolean isReplica(int nodeId) {
        return replicas.contains(nodeId);
    }

    /** The state after a leader and/or ISR change; the leader epoch moves only when the leader does. */
    public PartitionRegistration change(int newLeader, List<Integer> newIsr) {
        int epoch = newLeader != leader ? leaderEpoch + 1 : leaderEpoch;
        return new PartitionRegistration(replicas, newIsr, newLeader, epoch, partitionEpoch + 1);
    }
}
