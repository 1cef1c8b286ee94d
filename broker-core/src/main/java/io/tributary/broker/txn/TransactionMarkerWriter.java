package io.tributary.broker.txn;

import org.apache.kafka.common.TopicPartition;

import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Writes the commit or abort markers of one transaction to its partitions, wherever their leaders
 * are. Implementations are thread-safe.
 */
public interface TransactionMarkerWriter {
    /**
     * Writes a marker for {@code producerId} in {@code producerEpoch} to every partition of
     * {@code partitions}; retries where the leader is moving or not known yet, skips partitions
     * whose topic no longer exists. Completes once every marker is written and replicated, or
     * exceptionally when the coordinator was fenced (a newer coordinator epoch or producer epoch
     * wrote to one of the partitions) or is closing.
     */
    CompletableFuture<Void> write(long producerId, short producerEpoch, int coordinatorEpoch, boolean commit,
                                  Set<TopicPartition> partitions);
}
