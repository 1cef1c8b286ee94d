package io.tributary.broker.txn;

import io.tributary.broker.cluster.Replication;
import io.tributary.broker.group.OffsetStore;
import io.tributary.broker.log.AppendOrigin;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;

import java.util.concurrent.CompletableFuture;

/**
 * Writes a transaction marker to a partition this node leads, through the one leader append path
 * ({@code acks=all}): a control batch with the producer's id and epoch and the coordinator's
 * epoch. A marker for a {@code __consumer_offsets} partition goes through the {@link OffsetStore},
 * which then makes the transaction's offset commits visible or drops them. What WriteTxnMarkers
 * does on each partition, and what the coordinator does for partitions of its own node.
 *
 * <p>Thread-safe.
 */
public final class LocalMarkerAppender {
    private final Replication replication;
    private final OffsetStore offsets;
    private final long timeoutMs;

    public LocalMarkerAppender(Replication replication, OffsetStore offsets, long timeoutMs) {
        this.replication = replication;
        this.offsets = offsets;
        this.timeoutMs = timeoutMs;
    }

    /**
     * Completes once the marker is replicated, or exceptionally with the Kafka error for the
     * partition (not the leader, unknown partition, fenced producer or coordinator epoch, ...).
     */
    public CompletableFuture<Void> append(TopicPartition tp, long producerId, short producerEpoch, int coordinatorEpoch,
                                          boolean commit) {
        if (tp.topic().equals(OffsetStore.TOPIC)) {
            return offsets.writeTxnMarker(tp.partition(), producerId, producerEpoch, coordinatorEpoch, commit);
        }
        MemoryRecords marker = MemoryRecords.withEndTransactionMarker(System.currentTimeMillis(), producerId,
                producerEpoch, new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT,
                        coordinatorEpoch));
        try {
            replication.awaitPartition(tp);
            return replication.appendAsLeader(tp, marker, (short) -1, AppendOrigin.COORDINATOR, timeoutMs)
                    .thenApply(info -> null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
