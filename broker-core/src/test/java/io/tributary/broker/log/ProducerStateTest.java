package io.tributary.broker.log;

import io.tributary.broker.testing.Batches;
import io.tributary.broker.testing.LogFixture;
import io.tributary.broker.testing.ManualClock;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.tributary.broker.testing.ManualClock.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Idempotent producers: retries are acknowledged once, out-of-order and fenced batches are refused. */
class ProducerStateTest {
    private static final long PID = 4_000L;
    private static final long OTHER_PID = 4_001L;

    @RegisterExtension
    final LogFixture logs = new LogFixture("invoices", 1);
    private final ManualClock clock = logs.clock();

    /** A producer's batch of {@code count} records, each keyed by producer, epoch and sequence, at the clock's time. */
    private MemoryRecords batch(long producerId, short epoch, int baseSequence, int count) {
        return Batches.of(count).numberedFrom(baseSequence).timestamp(clock.millis())
                .keys(seq -> "p" + producerId + "-e" + epoch + "-s" + seq).values(seq -> "payload")
                .idempotent(producerId, epoch, baseSequence).build();
    }

    private static LogAppendInfo append(PartitionLog log, MemoryRecords records) {
        return log.append(records, 0, true);
    }

    /** Asserts that {@code append} throws {@code type} and leaves the log as it was. */
    private static <T extends Throwable> T assertRefused(PartitionLog log, Class<T> type, Executable append) {
        long end = log.logEndOffset();
        long size = log.size();
        T thrown = assertThrows(type, append);
        assertEquals(end, log.logEndOffset(), "a refused batch must not move the log end offset");
        assertEquals(size, log.size(), "a refused batch must not be written");
        return thrown;
    }

    private static void assertDuplicateOf(LogAppendInfo original, LogAppendInfo retry) {
        assertTrue(retry.duplicate(), "the retry is recognised as a duplicate");
        assertEquals(original.firstOffset(), retry.firstOffset());
        assertEquals(original.lastOffset(), retry.lastOffset());
        assertEquals(0, retry.recordCount(), "nothing was appended for the retry");
    }

    @Test
    void retriedBatchIsAcknowledgedWithTheOriginalOffsetsAndNotWrittenAgain() throws IOException {
        PartitionLog log = logs.open(Map.of());
        LogAppendInfo original = append(log, batch(PID, (short) 0, 0, 3));
        append(log, batch(OTHER_PID, (short) 0, 0, 2));
        assertEquals(List.of(0L, 2L), List.of(original.firstOffset(), original.lastOffset()));
        long end = log.logEndOffset();
        long size = log.size();

        LogAppendInfo retry = append(log, batch(PID, (short) 0, 0, 3));
        assertDuplicateOf(original, retry);
        assertEquals(end, log.logEndOffset());
        assertEquals(size, log.size());

        LogAppendInfo next = append(log, batch(PID, (short) 0, 3, 1));
        assertFalse(next.duplicate());
        assertEquals(end, next.firstOffset());
    }

    @Test
    void retryOfAnyOfTheLastFiveBatchesIsADuplicateButAnOlderOneIsOutOfOrder() throws IOException {
        PartitionLog log = logs.open(Map.of());
        List<LogAppendInfo> originals = new ArrayList<>();
        for (int b = 0; b < 8; b++) originals.add(append(log, batch(PID, (short) 0, 2 * b, 2)));

        for (int b = 3; b < 8; b++) {
            assertDuplicateOf(originals.get(b), append(log, batch(PID, (short) 0, 2 * b, 2)));
        }
        for (int b = 0; b < 3; b++) {
            int seq = 2 * b;
            assertRefused(log, OutOfOrderSequenceException.class, () -> append(log, batch(PID, (short) 0, seq, 2)));
        }
        assertEquals(16, log.logEndOffset());
    }

    @Test
    void sequenceGapIsRefusedWithOutOfOrderSequence() throws IOException {
        PartitionLog log = logs.open(Map.of());
        append(log, batch(PID, (short) 0, 0, 2)); // sequences 0..1

        OutOfOrderSequenceException gap = assertRefused(log, OutOfOrderSequenceException.class,
                () -> append(log, batch(PID, (short) 0, 3, 1)));
        assertTrue(gap.getMessage().contains("expected 2"), gap.getMessage());
        assertRefused(log, OutOfOrderSequenceException.class, () -> append(log, batch(PID, (short) 0, 1, 2)));
        assertRefused(log, OutOfOrderSequenceException.class, () -> append(log, batch(PID, (short) 0, 0, 1)));

        assertEquals(2, append(log, batch(PID, (short) 0, 2, 1)).firstOffset(), "the expected sequence is still accepted");
    }

    @Test
    void olderProducerEpochIsRefused() throws IOException {
        PartitionLog log = logs.open(Map.of());
        append(log, batch(PID, (short) 3, 0, 1));
        assertRefused(log, InvalidProducerEpochException.class, () -> append(log, batch(PID, (short) 2, 1, 1)));
        assertRefused(log, InvalidProducerEpochException.class, () -> append(log, batch(PID, (short) 2, 0, 1)));
        assertEquals(1, append(log, batch(PID, (short) 3, 1, 1)).firstOffset());
    }

    @Test
    void newProducerEpochMustStartAtSequenceZeroAndFencesTheOldOne() throws IOException {
        PartitionLog log = logs.open(Map.of());
        append(log, batch(PID, (short) 0, 0, 5));
        assertRefused(log, OutOfOrderSequenceException.class, () -> append(log, batch(PID, (short) 1, 5, 1)));
        LogAppendInfo bumped = append(log, batch(PID, (short) 1, 0, 1));
        assertFalse(bumped.duplicate());
        assertEquals(5, bumped.firstOffset());
        assertRefused(log, InvalidProducerEpochException.class, () -> append(log, batch(PID, (short) 0, 5, 1)));
    }

    @Test
    void producersAreTrackedIndependently() throws IOException {
        PartitionLog log = logs.open(Map.of());
        LogAppendInfo a = append(log, batch(PID, (short) 0, 0, 2));
        LogAppendInfo b = append(log, batch(OTHER_PID, (short) 0, 0, 2));
        assertFalse(b.duplicate(), "the same sequence from another producer is not a retry");
        assertEquals(2, b.firstOffset());
        assertDuplicateOf(a, append(log, batch(PID, (short) 0, 0, 2)));
        assertDuplicateOf(b, append(log, batch(OTHER_PID, (short) 0, 0, 2)));
    }

    @Test
    void batchesWithoutAProducerIdAreNeverDuplicates() throws IOException {
        PartitionLog log = logs.open(Map.of());
        SimpleRecord record = Batches.record(T0, "k", "v");
        LogAppendInfo first = append(log, Batches.of(record).build());
        LogAppendInfo second = append(log, Batches.of(record).build());
        assertFalse(second.duplicate());
        assertEquals(first.lastOffset() + 1, second.firstOffset());
    }

    @Test
    void sequenceWrapsFromIntMaxToZero() throws IOException {
        PartitionLog log = logs.open(Map.of());
        LogAppendInfo atMax = append(log, batch(PID, (short) 0, Integer.MAX_VALUE, 1));
        LogAppendInfo wrapped = append(log, batch(PID, (short) 0, 0, 2));
        assertFalse(wrapped.duplicate());
        assertEquals(1, wrapped.firstOffset());
        assertDuplicateOf(atMax, append(log, batch(PID, (short) 0, Integer.MAX_VALUE, 1)));
    }

    @Test
    void retryOnALogAppendTimeTopicReportsTheOriginalAppendTime() throws IOException {
        PartitionLog log = logs.open(Map.of("message.timestamp.type", "LogAppendTime"));
        LogAppendInfo original = append(log, batch(PID, (short) 0, 0, 2));
        assertEquals(T0, original.logAppendTime());
        clock.advanceMillis(10_000);
        LogAppendInfo retry = append(log, batch(PID, (short) 0, 0, 2));
        assertDuplicateOf(original, retry);
        assertEquals(T0, retry.logAppendTime());
    }

    @Test
    void expiredProducerIsForgottenAndAcceptedAtAnySequence() throws IOException {
        PartitionLog log = logs.open(Map.of());
        append(log, batch(PID, (short) 0, 0, 2));
        clock.advanceMillis(1_000);
        log.expireProducers(1_000);
        assertRefused(log, OutOfOrderSequenceException.class, () -> append(log, batch(PID, (short) 0, 7, 1)));

        clock.advanceMillis(1);
        log.expireProducers(1_000);
        LogAppendInfo accepted = append(log, batch(PID, (short) 0, 7, 1));
        assertFalse(accepted.duplicate());
        assertEquals(2, accepted.firstOffset());
    }

    /**
     * The rolling-restart race: a client's first batch (sequence 0) is refused by a node that has not
     * applied its leadership yet, and the batch the client pipelined behind it arrives a moment later,
     * when the node leads. Appending that later batch would leave the retried first one out of order
     * for good; a new leader takes an unknown producer only from sequence 0, and after the window any
     * sequence again, as Kafka does (state expired).
     */
    @Test
    void newLeaderTakesAnUnknownProducerOnlyFromSequenceZeroForAWhile() throws IOException {
        PartitionLog log = logs.open(Map.of());
        log.leadershipStarted(30_000);
        OutOfOrderSequenceException early = assertRefused(log, OutOfOrderSequenceException.class,
                () -> append(log, batch(PID, (short) 0, 2, 1)));
        assertTrue(early.getMessage().contains("expected sequence 0, got 2"), early.getMessage());

        LogAppendInfo first = append(log, batch(PID, (short) 0, 0, 2));
        assertEquals(0, first.firstOffset());
        assertEquals(2, append(log, batch(PID, (short) 0, 2, 1)).firstOffset(), "the pipelined batch after its predecessor");

        clock.advanceMillis(30_000);
        assertEquals(3, append(log, batch(OTHER_PID, (short) 0, 9, 1)).firstOffset(),
                "after the window an unknown producer may start anywhere (its state may have expired)");
    }

    @ParameterizedTest(name = "cleanShutdown={0}")
    @ValueSource(booleans = {true, false})
    void producerStateSurvivesReopen(boolean cleanShutdown) throws Exception {
        File dir = logs.dir();
        PartitionLog log = logs.open(Map.of("segment.bytes", "1024"));
        List<LogAppendInfo> originals = new ArrayList<>();
        int k = 20;
        for (int seq = 0; seq <= k; seq++) {
            originals.add(append(log, batch(PID, (short) 2, seq, 1)));
            append(log, batch(OTHER_PID, (short) 0, seq, 1));
        }
        assertTrue(log.segmentCount() > 1, "producer state is rebuilt across segments");
        long end = log.logEndOffset();

        File reopenDir = dir;
        if (cleanShutdown) {
            logs.close(log);
        } else {
            reopenDir = logs.crashCopy(log);
        }
        PartitionLog reopened = logs.open(reopenDir, Map.of("segment.bytes", "1024"), cleanShutdown);
        assertEquals(end, reopened.logEndOffset());

        assertDuplicateOf(originals.get(k), append(reopened, batch(PID, (short) 2, k, 1)));
        assertDuplicateOf(originals.get(k - 2), append(reopened, batch(PID, (short) 2, k - 2, 1)));
        assertRefused(reopened, OutOfOrderSequenceException.class, () -> append(reopened, batch(PID, (short) 2, k + 2, 1)));
        assertRefused(reopened, InvalidProducerEpochException.class, () -> append(reopened, batch(PID, (short) 1, k + 1, 1)));
        LogAppendInfo next = append(reopened, batch(PID, (short) 2, k + 1, 1));
        assertFalse(next.duplicate());
        assertEquals(end, next.firstOffset());
        assertEquals(end + 1, append(reopened, batch(OTHER_PID, (short) 0, k + 1, 1)).firstOffset());
    }

    @Test
    void batchLostInATornWriteIsAcceptedAgainAfterRecovery() throws Exception {
        PartitionLog log = logs.open(Map.of());
        List<LogAppendInfo> originals = new ArrayList<>();
        for (int b = 0; b < 5; b++) originals.add(append(log, batch(PID, (short) 0, 2 * b, 2)));
        File crashed = logs.crashCopy(log);
        File active = LogSegment.logFile(crashed, 0);
        int lastPosition = -1;
        try (FileRecords records = FileRecords.open(active)) {
            for (FileChannelRecordBatch b : records.batches()) lastPosition = b.position();
        }
        try (RandomAccessFile raf = new RandomAccessFile(active, "rw")) {
            raf.setLength(lastPosition + 20);
        }

        PartitionLog recovered = logs.open(crashed, Map.of(), false);
        LogAppendInfo lost = originals.get(4);
        assertEquals(lost.firstOffset(), recovered.logEndOffset());

        LogAppendInfo again = append(recovered, batch(PID, (short) 0, 8, 2));
        assertFalse(again.duplicate(), "the torn batch is not in the log, so its retry is written");
        assertEquals(lost.firstOffset(), again.firstOffset());
        assertDuplicateOf(originals.get(3), append(recovered, batch(PID, (short) 0, 6, 2)));
        assertDuplicateOf(again, append(recovered, batch(PID, (short) 0, 8, 2)));
    }

}
