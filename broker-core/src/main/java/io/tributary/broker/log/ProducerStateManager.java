package io.tributary.broker.log;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Producer state of one partition: for each producer id, its epoch, the last five batches it
 * appended (first and last sequence, first and last offset), the epoch of the transaction
 * coordinator that last wrote a marker for it, and the first offset of its ongoing transaction.
 *
 * <p>It lets the log reject a batch whose sequence does not follow the last one or whose epoch is
 * older than the producer's, recognise a retried batch (acknowledged with the offsets of the
 * original append, never written twice), refuse a non-transactional batch from a producer with an
 * open transaction, and refuse a marker from a coordinator older than the last one. It knows the
 * ongoing transactions, so the log can tell its first unstable offset: the first offset of the
 * earliest transaction that is still open, or completed by a marker the high watermark has not
 * passed yet (a new leader may not have that marker, so the transaction is not settled). A marker
 * that completes a transaction is returned as a {@link CompletedTxn}; the log records aborted ones
 * in its {@link TransactionIndex}.
 *
 * <p>The state is rebuilt from the batches when the log is opened (from a
 * {@link ProducerStateSnapshot} on, when there is one), so it survives restarts. Producers idle
 * longer than {@code producer.id.expiration.ms} are forgotten, unless a transaction of theirs is
 * open.
 *
 * <p>A producer this log does not know may start at any sequence, as in Kafka (its state may have
 * expired), except on a new leader for a while ({@link #expectFirstSequenceZeroUntil}): there an
 * unknown producer's batch must start at sequence 0, so a pipelined later batch cannot be appended
 * before the client's retry of an earlier one that the same node refused a moment before it learned
 * it leads (the producer would otherwise see its earlier batch answered out-of-order until its
 * delivery timeout). A producer whose state was really lost then restarts its sequences with an
 * epoch bump, which Kafka's clients do on that error.
 *
 * <p>Not thread-safe: used only under the owning {@link PartitionLog}'s lock.
 */
public final class ProducerStateManager {
    static final int CACHED_BATCHES = 5;

    /** The offsets of an earlier append, returned for a duplicate batch. */
    public record BatchMetadata(int firstSeq, int lastSeq, long firstOffset, long lastOffset, long timestamp) {
    }

    /** A transaction a marker just completed: its producer, first offset, marker offset, and whether it aborted. */
    public record CompletedTxn(long producerId, long firstOffset, long lastOffset, boolean aborted) {
    }

    /** The state of one producer, as a snapshot holds it. */
    public record ProducerSnapshotEntry(long producerId, short epoch, int coordinatorEpoch, long lastTimestamp,
                                        long currentTxnFirstOffset, List<BatchMetadata> batches) {
    }

    /** What {@link #describe} reports of one producer (DescribeProducers). */
    public record ActiveProducer(long producerId, short epoch, int lastSequence, long lastTimestamp,
                                 int coordinatorEpoch, long currentTxnStartOffset) {
    }

    private static final class ProducerEntry {
        short epoch = RecordBatch.NO_PRODUCER_EPOCH;
        int coordinatorEpoch = -1;
        long lastTimestamp;
        long currentTxnFirstOffset = -1;
        final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>(CACHED_BATCHES);

        void updateEpoch(short newEpoch) {
            if (newEpoch != epoch) {
                batches.clear();
                epoch = newEpoch;
            }
        }
    }

    private final TopicPartition tp;
    private final Map<Long, ProducerEntry> producers = new HashMap<>();
    /** Open transactions by first offset. */
    private final TreeMap<Long, Long> ongoing = new TreeMap<>();
    /** Completed transactions whose marker is not below the high watermark yet, in marker order. */
    private final ArrayDeque<CompletedTxn> unreplicated = new ArrayDeque<>();

    /** Until this time (ms) a producer unknown here must start at sequence 0; see the class comment. */
    private long firstSequenceZeroUntilMs = Long.MIN_VALUE;

    public ProducerStateManager(TopicPartition tp) {
        this.tp = tp;
    }

    /** Makes unknown producers start at sequence 0 until {@code untilMs} (set when this node becomes the leader). */
    public void expectFirstSequenceZeroUntil(long untilMs) {
        firstSequenceZeroUntilMs = untilMs;
    }

    /**
     * Checks an incoming producer batch. Returns the metadata of the original append when the batch
     * is a retry of one of the producer's last five batches, null when it may be appended.
     *
     * @param origin sequence numbers and duplicates are checked only for {@link AppendOrigin#CLIENT}
     * @param nowMs the time of the append, for the new leader's rule on unknown producers
     * @throws InvalidProducerEpochException when the batch's epoch is older than the producer's
     * @throws OutOfOrderSequenceException when the sequence does not follow the last appended one
     * @throws InvalidTxnStateException when a non-transactional batch comes while a transaction is open
     */
    public BatchMetadata check(RecordBatch batch, AppendOrigin origin, long nowMs) {
        if (!batch.hasProducerId()) return null;
        ProducerEntry entry = producers.get(batch.producerId());
        if (entry == null) {
            if (origin == AppendOrigin.CLIENT && !batch.isControlBatch() && batch.baseSequence() != 0
                    && nowMs < firstSequenceZeroUntilMs) {
                throw new OutOfOrderSequenceException("Out of order sequence number for producer "
                        + batch.producerId() + " at " + tp + ": this new leader does not know the producer yet, "
                        + "expected sequence 0, got " + batch.baseSequence());
            }
            return null;
        }
        short epoch = batch.producerEpoch();
        checkEpoch(entry, batch.producerId(), epoch);
        if (batch.isControlBatch()) return null;
        if (entry.currentTxnFirstOffset >= 0 && !batch.isTransactional() && epoch == entry.epoch) {
            throw new InvalidTxnStateException("Expected a transactional write from producer " + batch.producerId()
                    + " at " + tp + ": its transaction started at offset " + entry.currentTxnFirstOffset + " is open");
        }
        if (origin != AppendOrigin.CLIENT) return null;
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
        } else if (batch.baseSequence() != 0 && entry.epoch != RecordBatch.NO_PRODUCER_EPOCH) {
            throw new OutOfOrderSequenceException("Producer " + batch.producerId() + " started epoch " + epoch
                    + " at " + tp + " with sequence " + batch.baseSequence() + ", expected 0");
        }
        return null;
    }

    /**
     * Checks a transaction marker (a control batch holding an {@link EndTransactionMarker}) before it
     * is appended.
     *
     * @throws InvalidProducerEpochException when the marker's producer epoch is older than the producer's
     * @throws TransactionCoordinatorFencedException when its coordinator epoch is older than the last marker's
     */
    public void checkMarker(RecordBatch batch) {
        EndTransactionMarker marker = markerOf(batch);
        ProducerEntry entry = producers.get(batch.producerId());
        if (entry == null) return;
        checkEpoch(entry, batch.producerId(), batch.producerEpoch());
        if (marker.coordinatorEpoch() < entry.coordinatorEpoch) {
            throw new TransactionCoordinatorFencedException("Marker for producer " + batch.producerId() + " at " + tp
                    + " comes from coordinator epoch " + marker.coordinatorEpoch() + " but epoch "
                    + entry.coordinatorEpoch + " wrote the last one");
        }
    }

    private void checkEpoch(ProducerEntry entry, long producerId, short epoch) {
        if (epoch < entry.epoch) {
            throw new InvalidProducerEpochException("Producer " + producerId + " sent epoch " + epoch
                    + " to " + tp + " but the current epoch is " + entry.epoch);
        }
    }

    /**
     * Records an appended batch (offsets assigned), data or marker. Returns the transaction a
     * marker completed, if it completed one that had data in this partition.
     */
    public Optional<CompletedTxn> update(RecordBatch batch, long appendTimeMs) {
        if (!batch.hasProducerId()) return Optional.empty();
        ProducerEntry entry = producers.computeIfAbsent(batch.producerId(), id -> new ProducerEntry());
        entry.lastTimestamp = Math.max(appendTimeMs, batch.maxTimestamp());
        if (batch.isControlBatch()) return completeTxn(batch, entry);
        entry.updateEpoch(batch.producerEpoch());
        if (entry.batches.size() == CACHED_BATCHES) entry.batches.removeFirst();
        entry.batches.addLast(new BatchMetadata(batch.baseSequence(), batch.lastSequence(), batch.baseOffset(),
                batch.lastOffset(), batch.maxTimestamp()));
        if (batch.isTransactional() && entry.currentTxnFirstOffset < 0) {
            entry.currentTxnFirstOffset = batch.baseOffset();
            ongoing.put(batch.baseOffset(), batch.producerId());
        }
        return Optional.empty();
    }

    private Optional<CompletedTxn> completeTxn(RecordBatch batch, ProducerEntry entry) {
        EndTransactionMarker marker;
        try {
            marker = markerOf(batch);
        } catch (InvalidRecordException e) {
            return Optional.empty(); // another kind of control record: no transaction to end
        }
        entry.updateEpoch(batch.producerEpoch());
        entry.coordinatorEpoch = marker.coordinatorEpoch();
        if (entry.currentTxnFirstOffset < 0) return Optional.empty();
        CompletedTxn done = new CompletedTxn(batch.producerId(), entry.currentTxnFirstOffset, batch.lastOffset(),
                marker.controlType() == ControlRecordType.ABORT);
        ongoing.remove(entry.currentTxnFirstOffset);
        entry.currentTxnFirstOffset = -1;
        unreplicated.addLast(done);
        return Optional.of(done);
    }

    /** The marker a control batch holds. */
    static EndTransactionMarker markerOf(RecordBatch batch) {
        Iterator<Record> records = batch.iterator();
        if (!records.hasNext()) throw new InvalidRecordException("Control batch at offset " + batch.baseOffset() + " is empty");
        Record record = records.next();
        try {
            ControlRecordType type = ControlRecordType.parse(record.key());
            if (type != ControlRecordType.COMMIT && type != ControlRecordType.ABORT) {
                throw new InvalidRecordException("Control record of type " + type + " is not a transaction marker");
            }
            return EndTransactionMarker.deserialize(record);
        } catch (RuntimeException e) {
            if (e instanceof InvalidRecordException ire) throw ire;
            throw new InvalidRecordException("Unreadable transaction marker at offset " + record.offset() + ": " + e.getMessage());
        }
    }

    /**
     * The first offset no read_committed consumer may read yet: the first offset of the earliest
     * open transaction, or of a completed one whose marker the high watermark has not passed; -1
     * when there is none.
     */
    public long firstUnstableOffset() {
        long first = ongoing.isEmpty() ? Long.MAX_VALUE : ongoing.firstKey();
        for (CompletedTxn txn : unreplicated) first = Math.min(first, txn.firstOffset());
        return first == Long.MAX_VALUE ? -1 : first;
    }

    /**
     * The last stable offset to record with an aborted transaction that just completed: the first
     * offset of the earliest transaction still open, or the offset after the marker (Kafka's rule).
     */
    public long lastStableOffsetAfter(CompletedTxn completed) {
        return ongoing.isEmpty() ? completed.lastOffset() + 1 : Math.min(ongoing.firstKey(), completed.lastOffset() + 1);
    }

    /** Forgets completed transactions whose marker is now below the high watermark. */
    public void onHighWatermark(long highWatermark) {
        while (!unreplicated.isEmpty() && unreplicated.peekFirst().lastOffset() < highWatermark) unreplicated.removeFirst();
    }

    /** Forgets producers whose last append is older than {@code nowMs - expirationMs} and that have no open transaction. */
    public void expire(long nowMs, long expirationMs) {
        Iterator<ProducerEntry> it = producers.values().iterator();
        while (it.hasNext()) {
            ProducerEntry e = it.next();
            if (e.currentTxnFirstOffset < 0 && nowMs - e.lastTimestamp > expirationMs) it.remove();
        }
    }

    /** Forgets everything, e.g. before rebuilding from a truncated log. */
    public void clear() {
        producers.clear();
        ongoing.clear();
        unreplicated.clear();
    }

    public boolean hasOpenTransaction(long producerId) {
        ProducerEntry e = producers.get(producerId);
        return e != null && e.currentTxnFirstOffset >= 0;
    }

    public int producerCount() {
        return producers.size();
    }

    /** The producers known to this partition (DescribeProducers). */
    public List<ActiveProducer> describe() {
        List<ActiveProducer> out = new ArrayList<>(producers.size());
        producers.forEach((id, e) -> out.add(new ActiveProducer(id, e.epoch,
                e.batches.isEmpty() ? -1 : e.batches.peekLast().lastSeq(), e.lastTimestamp, e.coordinatorEpoch,
                e.currentTxnFirstOffset)));
        return out;
    }

    /** Every producer's state and the completed transactions not yet settled, for a snapshot. */
    ProducerStateSnapshot.Contents snapshot() {
        List<ProducerSnapshotEntry> out = new ArrayList<>(producers.size());
        producers.forEach((id, e) -> out.add(new ProducerSnapshotEntry(id, e.epoch, e.coordinatorEpoch, e.lastTimestamp,
                e.currentTxnFirstOffset, List.copyOf(e.batches))));
        return new ProducerStateSnapshot.Contents(out, List.copyOf(unreplicated));
    }

    /** Replaces the state with a snapshot's: its producers, open transactions and unsettled completed ones. */
    void restore(ProducerStateSnapshot.Contents contents) {
        clear();
        unreplicated.addAll(contents.unreplicated());
        for (ProducerSnapshotEntry s : contents.producers()) {
            ProducerEntry e = new ProducerEntry();
            e.epoch = s.epoch();
            e.coordinatorEpoch = s.coordinatorEpoch();
            e.lastTimestamp = s.lastTimestamp();
            e.currentTxnFirstOffset = s.currentTxnFirstOffset();
            e.batches.addAll(s.batches());
            producers.put(s.producerId(), e);
            if (e.currentTxnFirstOffset >= 0) ongoing.put(e.currentTxnFirstOffset, s.producerId());
        }
    }

    private static boolean inSequence(int lastSeq, int nextSeq) {
        return nextSeq == lastSeq + 1L || (nextSeq == 0 && lastSeq == Integer.MAX_VALUE);
    }

    private static int nextSequence(int lastSeq) {
        return lastSeq == Integer.MAX_VALUE ? 0 : lastSeq + 1;
    }
}
