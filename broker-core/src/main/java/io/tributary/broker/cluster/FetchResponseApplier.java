package io.tributary.broker.cluster;

import io.tributary.broker.log.EpochEndOffset;
import io.tributary.broker.log.PartitionLog;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The follower's side of replication: applies a leader's answer for one partition to the local
 * log, as Kafka's replica fetcher does. Records are appended only when they continue the log from
 * where the fetch asked; where the leader reports divergence the log is truncated to the end of the
 * diverging epoch (the leader's, or this log's own when earlier); a log that ends below the
 * leader's log start is emptied and restarted there; the log start and the high watermark follow
 * the leader's.
 *
 * <p>Everything is written through {@link Partition#writeAsFollower}, so only while this node still
 * follows that leader in that epoch. Stateless; called on the fetcher threads.
 */
final class FetchResponseApplier {
    private static final System.Logger LOG = System.getLogger(FetchResponseApplier.class.getName());

    private final int nodeId;

    FetchResponseApplier(int nodeId) {
        this.nodeId = nodeId;
    }

    void apply(Partition partition, int leaderId, ReplicaFetch.PartitionRequest sent, ReplicaFetch.PartitionResponse resp) {
        partition.writeAsFollower(leaderId, sent.currentLeaderEpoch(), log -> {
            if (resp.error() == Errors.OFFSET_OUT_OF_RANGE) {
                restartBelowLeaderStart(log, leaderId, sent, resp);
            } else if (resp.error() != Errors.NONE) {
                return;
            } else if (resp.divergingEpoch() >= 0 || resp.divergingEndOffset() >= 0) {
                truncateDiverged(log, leaderId, resp);
            } else if (log.logEndOffset() == sent.fetchOffset()) {
                if (resp.records().length > 0) log.appendAsFollower(MemoryRecords.readableRecords(ByteBuffer.wrap(resp.records())));
                long hw = Math.min(resp.highWatermark(), log.logEndOffset());
                if (hw > log.highWatermark()) log.updateHighWatermark(hw);
                followLogStart(log, resp.logStartOffset());
            }
        });
    }

    /**
     * The leader no longer has the offset this follower asked for: when it is below the leader's log
     * start (retention or DeleteRecords on the leader), nothing the follower holds can be continued,
     * so the log is emptied and restarts at the leader's log start, as Kafka's follower does.
     */
    private void restartBelowLeaderStart(PartitionLog log, int leaderId, ReplicaFetch.PartitionRequest sent,
                                         ReplicaFetch.PartitionResponse resp) {
        long leaderStart = resp.logStartOffset();
        if (leaderStart < 0 || sent.fetchOffset() >= leaderStart || log.logEndOffset() != sent.fetchOffset()) return;
        LOG.log(System.Logger.Level.INFO, "Node " + nodeId + " empties " + log.topicPartition() + " (log end "
                + log.logEndOffset() + ") and restarts it at leader " + leaderId + "'s log start " + leaderStart);
        log.truncateFullyAndStartAt(leaderStart);
    }

    /** As Kafka's follower: truncate to the leader's end of the diverging epoch, or to our own end of it when that is earlier. */
    private void truncateDiverged(PartitionLog log, int leaderId, ReplicaFetch.PartitionResponse resp) {
        long target = resp.divergingEndOffset();
        Optional<EpochEndOffset> own = log.endOffsetForEpoch(resp.divergingEpoch());
        if (own.isPresent() && own.get().epoch() == resp.divergingEpoch()) target = Math.min(target, own.get().endOffset());
        if (target < log.logEndOffset()) {
            LOG.log(System.Logger.Level.INFO, "Node " + nodeId + " truncates " + log.topicPartition() + " from "
                    + log.logEndOffset() + " to " + target + " (diverged from leader " + leaderId + " after epoch "
                    + resp.divergingEpoch() + ")");
            log.truncateTo(target);
        } else {
            // Nothing to cut from the log, but epochs this replica started without writing in them
            // (it led briefly and appended nothing) must go, or the next fetch diverges again.
            log.leaderEpochCache().truncateFromEnd(target);
        }
    }

    /** Moves the log start up to the leader's (records the leader deleted are deleted here too). */
    private static void followLogStart(PartitionLog log, long leaderStart) {
        if (leaderStart > log.logStartOffset() && leaderStart <= log.highWatermark()) log.deleteRecordsBefore(leaderStart);
    }
}
