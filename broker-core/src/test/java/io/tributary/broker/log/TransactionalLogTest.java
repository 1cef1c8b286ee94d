package io.tributary.broker.log;

import io.tributary.broker.testing.Batches;
import io.tributary.broker.testing.LogFixture;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transactions in one partition log: the last stable offset, the aborted-transaction index,
 * read_committed reads, the checks on markers and on writes inside a transaction, and what survives
 * a restart, a truncation and compaction.
 */
class TransactionalLogTest {
    private static final long A = 7_000L;
    private static final long B = 7_001L;
    private static final short E0 = 0;

    @RegisterExtension
    final LogFixture logs = new LogFixture("payments", 0);

    private static MemoryRecords txn(long pid, short epoch, int seq, int count) {
        return Batches.of(count).numberedFrom(seq).keys(n -> "p" + pid + "-" + n).transactional(pid, epoch, seq).build();
    }

    private static MemoryRecords plain(int count) {
        return Batches.of(count).build();
    }

    private static LogAppendInfo client(PartitionLog log, MemoryRecords records) {
        return log.append(records, 0, AppendOrigin.CLIENT);
    }

    private static LogAppendInfo marker(PartitionLog log, long pid, short epoch, boolean commit, int coordinatorEpoch) {
        return log.append(Batches.marker(pid, epoch, commit, coordinatorEpoch), 0, AppendOrigin.COORDINATOR);
    }

    /** The data records a read_committed consumer gets from {@code from}, with the aborted transactions applied as the client does. */
    private static List<String> readCommitted(PartitionLog log, long from) {
        LogReadResult r = log.read(from, Integer.MAX_VALUE, true, FetchIsolation.TXN_COMMITTED);
        List<AbortedTxn> aborted = new ArrayList<>(r.abortedTransactions());
        List<Long> abortedProducers = new ArrayList<>();
        List<String> out = new ArrayList<>();
        for (RecordBatch batch : r.records().batches()) {
            for (AbortedTxn t : List.copyOf(aborted)) {
                if (t.firstOffset() <= batch.lastOffset()) {
                    abortedProducers.add(t.producerId());
                    aborted.remove(t);
                }
            }
            if (batch.isControlBatch()) {
                abortedProducers.remove(batch.producerId());
                continue;
            }
            if (batch.isTransactional() && abortedProducers.contains(batch.producerId())) continue;
            for (Record record : batch) out.add(StandardCharsets.UTF_8.decode(record.key()).toString());
        }
        return out;
    }

    @Test
    void theLastStableOffsetStopsAtAnOpenTransaction() throws Exception {
        PartitionLog log = logs.open(Map.of());
        client(log, txn(A, E0, 0, 3));           // 0..2, open
        client(log, plain(2));                   // 3..4
        assertEquals(5, log.highWatermark());
        assertEquals(0, log.lastStableOffset());
        assertEquals(0, log.read(0, Integer.MAX_VALUE, true, FetchIsolation.TXN_COMMITTED).sizeInBytes(),
                "read_committed reads nothing past the open transaction");
        assertTrue(log.read(0, Integer.MAX_VALUE, true, FetchIsolation.HIGH_WATERMARK).sizeInBytes() > 0);
        marker(log, A, E0, true, 0);             // 5
        assertEquals(6, log.lastStableOffset());
        assertEquals(List.of("p7000-0", "p7000-1", "p7000-2", "key-0", "key-1"), readCommitted(log, 0));
    }

    @Test
    void anAbortedTransactionIsIndexedAndReported() throws Exception {
        PartitionLog log = logs.open(Map.of());
        client(log, txn(A, E0, 0, 2));           // 0..1
        client(log, txn(B, E0, 0, 2));           // 2..3
        marker(log, A, E0, false, 0);            // 4: A aborted
        assertEquals(2, log.lastStableOffset(), "B is still open");
        marker(log, B, E0, true, 0);             // 5: B committed
        assertEquals(6, log.lastStableOffset());
        List<AbortedTxn> aborted = log.abortedTransactions(0, 6);
        assertEquals(List.of(new AbortedTxn(A, 0, 4, 2)), aborted, "producer, first offset, marker offset, LSO then");
        assertEquals(List.of("p7001-0", "p7001-1"), readCommitted(log, 0));
        File index = new File(log.dir(), LogSegment.fileName(0, ".txnindex"));
        assertEquals(TransactionIndex.ENTRY_BYTES, index.length());
        assertEquals(List.of(), log.abortedTransactions(5, 6), "nothing aborted reaches offset 5");
    }

    @Test
    void aCompletedTransactionIsSettledOnlyOnceTheHighWatermarkPassesItsMarker() throws Exception {
        PartitionLog log = logs.open(Map.of());
        log.setHighWatermarkFollowsLogEnd(false);
        client(log, txn(A, E0, 0, 2));           // 0..1
        marker(log, A, E0, false, 0);            // 2
        log.updateHighWatermark(2);
        assertEquals(0, log.lastStableOffset(), "a new leader may not have the marker yet");
        log.updateHighWatermark(3);
        assertEquals(3, log.lastStableOffset());
    }

    @Test
    void writesInsideATransactionAreChecked() throws Exception {
        PartitionLog log = logs.open(Map.of());
        client(log, txn(A, E0, 0, 2));
        MemoryRecords nonTransactional = Batches.of(1).numberedFrom(2).idempotent(A, E0, 2).build();
        assertThrows(InvalidTxnStateException.class, () -> client(log, nonTransactional));
        marker(log, A, (short) 1, false, 3);     // the coordinator fenced epoch 0 and aborted
        assertThrows(InvalidProducerEpochException.class, () -> client(log, txn(A, E0, 2, 1)), "a zombie's late write");
        assertThrows(InvalidProducerEpochException.class, () -> marker(log, A, E0, true, 3));
        assertThrows(TransactionCoordinatorFencedException.class, () -> marker(log, A, (short) 1, true, 2),
                "a marker from an older coordinator");
        client(log, txn(A, (short) 2, 0, 1));   // the new instance, after InitProducerId
        assertEquals(3, log.lastStableOffset());
    }

    @Test
    void transactionsSurviveARestartCleanOrNot() throws Exception {
        PartitionLog log = logs.open(Map.of());
        client(log, txn(A, E0, 0, 2));           // 0..1
        marker(log, A, E0, false, 0);            // 2
        client(log, txn(B, E0, 0, 2));           // 3..4, open
        File crashed = logs.crashCopy(log);
        PartitionLog reopened = logs.reopen(log, Map.of());
        assertEquals(3, reopened.lastStableOffset());
        assertEquals(List.of(new AbortedTxn(A, 0, 2, 3)), reopened.abortedTransactions(0, 5));
        PartitionLog recovered = logs.open(crashed, Map.of(), false);
        assertEquals(3, recovered.lastStableOffset());
        assertEquals(List.of(new AbortedTxn(A, 0, 2, 3)), recovered.abortedTransactions(0, 5));
        marker(recovered, B, E0, true, 0);
        assertEquals(List.of("p7001-0", "p7001-1"), readCommitted(recovered, 0));
        logs.close(recovered);
    }

    @Test
    void aSnapshotAtEachRollSparesTheReplayOfOlderSegments() throws Exception {
        PartitionLog log = logs.open(Map.of("segment.bytes", "300"));
        client(log, txn(A, E0, 0, 2));
        for (int i = 0; i < 6; i++) client(log, plain(2));
        assertTrue(log.segmentCount() > 2, "rolled: " + log.segmentCount());
        long snapshots = new File(log.dir(), "").listFiles((d, n) -> n.endsWith(ProducerStateSnapshot.SUFFIX)).length;
        assertEquals(2, snapshots, "the two latest snapshots are kept");
        PartitionLog reopened = logs.reopen(log, Map.of("segment.bytes", "300"));
        assertEquals(0, reopened.lastStableOffset(), "the open transaction came back from the snapshot");
        assertThrows(InvalidTxnStateException.class,
                () -> client(reopened, Batches.of(1).idempotent(A, E0, 2).build()));
        marker(reopened, A, E0, true, 0);
        assertEquals(reopened.logEndOffset(), reopened.lastStableOffset());
    }

    @Test
    void truncationForgetsTheTransactionsItCut() throws Exception {
        PartitionLog log = logs.open(Map.of());
        client(log, txn(A, E0, 0, 2));           // 0..1
        marker(log, A, E0, false, 0);            // 2
        assertEquals(1, log.abortedTransactions(0, 3).size());
        log.truncateTo(2);
        assertEquals(List.of(), log.abortedTransactions(0, 3));
        assertEquals(0, log.lastStableOffset(), "the transaction is open again");
    }

    @Test
    void compactionRemovesAMarkerOnlyOnceItsTransactionHasNoDataLeftAndItsHorizonPassed() throws Exception {
        Map<String, String> compacted = Map.of("cleanup.policy", "compact", "segment.bytes", "300",
                "min.cleanable.dirty.ratio", "0.01", "delete.retention.ms", "0");
        PartitionLog log = logs.open(compacted);
        client(log, Batches.of(1).keys(n -> "k").values(n -> "v1").transactional(A, E0, 0).build()); // 0
        marker(log, A, E0, true, 0);                                                              // 1
        client(log, Batches.of(1).keys(n -> "k").values(n -> "v2").build());                      // 2
        client(log, Batches.of(1).keys(n -> "j").values(n -> "w").transactional(A, E0, 1).build()); // 3
        marker(log, A, E0, true, 0);                                                              // 4
        for (int i = 0; i < 8; i++) client(log, Batches.of(1).keys(n -> "other-" + n).numberedFrom(i).build());
        LogCleaner cleaner = new LogCleaner();
        cleaner.clean(log);  // removes the overwritten record (and its batch): the marker still saw it
        cleaner.clean(log);  // the marker's transaction has no data left: it gets its delete horizon
        assertEquals(List.of(1L, 4L), markerOffsets(log), "a marker stays until a pass after its horizon");
        cleaner.clean(log);
        assertEquals(List.of(4L), markerOffsets(log),
                "the marker of the transaction whose only record was overwritten is gone; the other one stays");
    }

    private static List<Long> markerOffsets(PartitionLog log) {
        List<Long> out = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < log.highWatermark()) {
            LogReadResult r = log.read(offset, Integer.MAX_VALUE, true, FetchIsolation.HIGH_WATERMARK);
            long next = offset;
            for (RecordBatch batch : r.records().batches()) {
                if (batch.isControlBatch()) out.add(batch.baseOffset());
                next = batch.lastOffset() + 1;
            }
            if (next == offset) break;
            offset = next;
        }
        return out;
    }

    @Test
    void compactionDropsAbortedRecordsAndKeepsTheCommittedValue() throws Exception {
        Map<String, String> compacted = Map.of("cleanup.policy", "compact", "segment.bytes", "400",
                "min.cleanable.dirty.ratio", "0.01");
        PartitionLog log = logs.open(compacted);
        client(log, Batches.of(1).keys(n -> "k").values(n -> "committed").build());          // 0
        client(log, Batches.of(1).keys(n -> "k").values(n -> "aborted").transactional(A, E0, 0).build()); // 1
        marker(log, A, E0, false, 0);                                                         // 2
        for (int i = 0; i < 8; i++) client(log, Batches.of(1).keys(n -> "other-" + n).numberedFrom(i).build());
        LogCleaner cleaner = new LogCleaner();
        cleaner.clean(log);
        List<String> values = new ArrayList<>();
        LogReadResult r = log.read(log.logStartOffset(), Integer.MAX_VALUE, true, FetchIsolation.HIGH_WATERMARK);
        for (RecordBatch batch : r.records().batches()) {
            if (batch.isControlBatch()) continue;
            for (Record record : batch) {
                if (StandardCharsets.UTF_8.decode(record.key()).toString().equals("k")) {
                    values.add(StandardCharsets.UTF_8.decode(record.value()).toString());
                }
            }
        }
        assertEquals(List.of("committed"), values, "the aborted value neither survives nor shadows the committed one");
        assertNotNull(log);
    }
}
