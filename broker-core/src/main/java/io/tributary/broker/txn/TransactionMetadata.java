package io.tributary.broker.txn;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.RecordBatch;

import java.util.Set;
import java.util.TreeSet;

/**
 * What {@code __transaction_state} stores for one transactional id: its producer id and epoch,
 * the previous producer id (when the epoch ran out and a new id was given), the transaction
 * timeout, the state, the partitions of the ongoing transaction and its timestamps. Immutable;
 * every transition builds a new value.
 *
 * @param lastProducerEpoch the epoch before the last bump ({@link RecordBatch#NO_PRODUCER_EPOCH}
 *                          if none), so a retried InitProducerId or EndTxn is recognised
 */
public record TransactionMetadata(String transactionalId, long producerId, long previousProducerId,
                                  short producerEpoch, short lastProducerEpoch, int timeoutMs,
                                  TransactionState state, Set<TopicPartition> partitions,
                                  long startTimestampMs, long lastUpdateTimestampMs) {
    public TransactionMetadata {
        partitions = Set.copyOf(partitions);
    }

    /** A transactional id seen for the first time: its new producer id, no epoch yet. */
    static TransactionMetadata fresh(String transactionalId, long producerId, int timeoutMs, long now) {
        return new TransactionMetadata(transactionalId, producerId, RecordBatch.NO_PRODUCER_ID,
                RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_PRODUCER_EPOCH, timeoutMs, TransactionState.EMPTY,
                Set.of(), -1, now);
    }

    TransactionMetadata withState(TransactionState next, long now) {
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, producerEpoch,
                lastProducerEpoch, timeoutMs, next, partitions, startTimestampMs, now);
    }

    /** Ongoing with {@code added} partitions more; the start time is set when the transaction begins. */
    TransactionMetadata withPartitions(Set<TopicPartition> added, long now) {
        Set<TopicPartition> all = new TreeSet<>(TransactionMetadata::compare);
        all.addAll(partitions);
        all.addAll(added);
        long start = state == TransactionState.ONGOING ? startTimestampMs : now;
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, producerEpoch,
                lastProducerEpoch, timeoutMs, TransactionState.ONGOING, all, start, now);
    }

    /** Completed: no partitions, same producer. */
    TransactionMetadata completed(TransactionState done, long now) {
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, producerEpoch,
                lastProducerEpoch, timeoutMs, done, Set.of(), startTimestampMs, now);
    }

    TransactionMetadata withEpoch(long newProducerId, long previousId, short epoch, short lastEpoch, int timeout,
                                  TransactionState next, long now) {
        return new TransactionMetadata(transactionalId, newProducerId, previousId, epoch, lastEpoch, timeout, next,
                next == TransactionState.EMPTY ? Set.of() : partitions, next == TransactionState.EMPTY ? -1 : startTimestampMs,
                now);
    }

    public boolean hasPartition(TopicPartition tp) {
        return partitions.contains(tp);
    }

    /** Whether the epoch has run out, so the next bump needs a new producer id (Kafka: epoch >= Short.MAX_VALUE - 1). */
    boolean epochExhausted() {
        return producerEpoch >= Short.MAX_VALUE - 1;
    }

    static int compare(TopicPartition a, TopicPartition b) {
        int c = a.topic().compareTo(b.topic());
        return c != 0 ? c : Integer.compare(a.partition(), b.partition());
    }
}
