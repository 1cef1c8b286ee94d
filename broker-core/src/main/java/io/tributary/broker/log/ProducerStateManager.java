package io.tributary.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.record.RecordBatch;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Idempotent-producer state of one partition: for each producer id, its epoch and the last five
 * batches it appended (first and last sequence, first and last offset). It lets the log reject a
 * batch whose sequence does not follow the last one and recognise a retried batch, so a retry is
 * acknowledged with the offsets of the original append and never written twice.
 *
 * <p>The state is rebuilt from the batch headers when the log is opened, so it survives restarts.
 * Producers idle longer than {@code producer.id.expiration.ms} are forgotten.
 *
 * <p>Not thread-safe: used only under the owning {@link PartitionLog}'s lock.
 */
public final class ProducerStateManager {
    static final int CACHED_BATCHES = 5;

    /** The offsets of an earlier append, returned for a duplicate batch. */
    public record BatchMetadata(int firstSeq, int lastSeq, long firstOffset, long lastOffset, long timestamp) {
    }

    private static final class ProducerEntry {
        short epoch;
        long lastTimestamp;
        final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>(CACHED_BATCHES);
    }

    private final TopicPartition tp;
    private final Map<Long, ProducerEntry> producers = new HashMap<>();

    public ProducerStateManager(TopicPartition tp) {
        this.tp = tp;
    }

    /**
     * Checks an incoming batch. Returns the metadata of the original append when the batch is a
     * retry of one of the producer's last five batches, null when it may be appended.
     *
     * @throws InvalidProducerEpochException when the batch's epoch is older than the producer's
     * @throws OutOfOrderSequenceException when the sequence does not follow the last appended one
     */
    public BatchMetadata check(RecordBatch batch) {
        if (!batch.hasProducerId()) return null;
        ProducerEntry entry = producers.get(batch.producerId());
        if (entry == null) return null;
        short epoch = batch.producerEpoch();
        if (epoch < entry.epoch) {
            throw new InvalidProducerEpochException("Producer " + batch.producerId() + " sent epoch " + epoch
                    + " to " + tp + " but the current epoch is " + entry.epoch);
        }
        if (epoch == entry.epoch) {
            for (BatchMetadata m : entry.batches) {
                if (m.firstSeq() == batch.baseSequence() && m.lastSeq() == batch.lastSequence()) return m;
            }
            if (!entry.batches.isEmpty()) {
                int lastSeq = entry.batches.peekLast().lastSeq();
                if (!inSequence(lastSeq, batch.baseSequence())) {
                    throw new OutOfOrderSequenceException("Out of order sequence number for producer "
                            + batch.producerId() + " at " + tp + ": expected " + nextSequence(lastSeq) + ", got "
                            + batch.baseSequence());
                }
            }
        } else if (batch.baseSequence() != 0) {
            throw new OutOfOrderSequenceException("Producer " + batch.producerId() + " started epoch " + epoch
                    + " at " + tp + " with sequence " + batch.baseSequence() + ", expected 0");
        }
        return null;
    }

    /** Records an appended batch (offsets assigned). */
    public void update(RecordBatch batch, long appendTimeMs) {
        if (!batch.hasProducerId()) return;
        ProducerEntry entry = producers.computeIfAbsent(batch.producerId(), id -> new ProducerEntry());
        if (batch.producerEpoch() != entry.epoch) {
            entry.batches.clear();
            entry.epoch = batch.producerEpoch();
        }
        if (entry.batches.size() == CACHED_BATCHES) entry.batches.removeFirst();
        entry.batches.addLast(new BatchMetadata(batch.baseSequence(), batch.lastSequence(), batch.baseOffset(),
                batch.lastOffset(), batch.maxTimestamp()));
        entry.lastTimestamp = Math.max(appendTimeMs, batch.maxTimestamp());
    }

    /** Forgets producers whose last append is older than {@code nowMs - expirationMs}. */
    public void expire(long nowMs, long expirationMs) {
        Iterator<ProducerEntry> it = producers.values().iterator();
        while (it.hasNext()) {
            if (nowMs - it.next().lastTimestamp > expirationMs) it.remove();
        }
    }

    /** Forgets everything, e.g. before rebuilding from a truncated log. */
    public void clear() {
        producers.clear();
    }

    public int producerCount() {
        return producers.size();
    }

    private static boolean inSequence(int lastSeq, int nextSeq) {
        return nextSeq == lastSeq + 1L || (nextSeq == 0 && lastSeq == Integer.MAX_VALUE);
    }

    private static int nextSequence(int lastSeq) {
        return lastSeq == Integer.MAX_VALUE ? 0 : lastSeq + 1;
    }
}
