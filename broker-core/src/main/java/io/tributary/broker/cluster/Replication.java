package io.tributary.broker.cluster;

import io.tributary.broker.log.AppendOrigin;
import io.tributary.broker.log.LogAppendInfo;
import io.tributary.broker.log.PartitionLog;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.TopicPartition;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What the request handlers ask of the cluster: who the brokers are, who leads a partition, and
 * when an append is safe to acknowledge. {@link StandaloneReplication} answers for a node on its
 * own (leader of everything, nothing to wait for); {@link ReplicaManager} for a cluster member.
 *
 * <p>Every leader-side write, a producer's batch or records the broker writes itself, goes through
 * {@link #appendAsLeader}.
 *
 * <p>Implementations are thread-safe.
 */
public interface Replication {
    /** Leader epochs a client may send when it has none to check against. */
    int NO_EPOCH = -1;

    /** The brokers clients may connect to (the registered brokers this node can see). */
    List<BrokerRegistration> liveBrokers();

    /**
     * True while this node is a cluster member cut off from the metadata quorum: what it knows of
     * leaders may be stale, so clients are better served by another node.
     */
    boolean cutOff();

    /** The node clients are told is the controller. */
    int controllerId();

    /** The replication state of {@code tp}, empty when the topic or partition does not exist. */
    Optional<PartitionRegistration> partitionState(TopicPartition tp);

    /**
     * Returns once this node's metadata has {@code tp} (and, in a cluster, whatever leadership of it
     * was committed before the call), or after a short bound. A client may learn of a new partition,
     * or of a new leader, from a node that applied the change before this one did; answering it
     * "unknown" or "not the leader" would fail its first batch while the next ones, sent behind it,
     * succeed, and an idempotent producer cannot recover from that order.
     */
    void awaitPartition(TopicPartition tp);

    /**
     * The log of {@code tp} when this node leads it.
     *
     * @param currentLeaderEpoch the epoch the client believes current, or {@link #NO_EPOCH}
     * @throws org.apache.kafka.common.errors.NotLeaderOrFollowerException when another node leads it
     * @throws org.apache.kafka.common.errors.FencedLeaderEpochException when the client's epoch is older
     * @throws org.apache.kafka.common.errors.UnknownLeaderEpochException when the client's epoch is newer
     * @throws org.apache.kafka.common.errors.UnknownTopicOrPartitionException when there is no such partition
     */
    PartitionLog leaderLog(TopicPartition tp, int currentLeaderEpoch);

    /** The leader epoch to stamp on batches this node appends to {@code tp} as leader. */
    int leaderEpoch(TopicPartition tp);

    /**
     * Appends {@code records} to this node's leader log of {@code tp} and completes with where they
     * went once they are acknowledged as {@code acks} asks: at once for 0 and 1, once committed (below
     * the high watermark) for -1. Completes exceptionally, with a Kafka {@link ApiException} for what
     * a client can be told (this node does not lead {@code tp}, too few in-sync replicas, invalid
     * records, a timeout after {@code timeoutMs}); nothing is written when the append itself is
     * refused. The append happens
     * before this method returns, so appends made one after another from one thread are in that order
     * in the log.
     */
    CompletableFuture<LogAppendInfo> appendAsLeader(TopicPartition tp, MemoryRecords records, short acks,
                                                    AppendOrigin origin, long timeoutMs);
}
