package io.tributary.broker.log;

import io.tributary.broker.testing.Batches;
import io.tributary.broker.testing.LogFixture;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static io.tributary.broker.testing.ManualClock.T0;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link PartitionLog#truncateTo} and {@link PartitionLog#truncateFullyAndStartAt} on real files. */
class LogTruncationTest {
    private static final Map<String, String> SMALL_SEGMENTS = Map.of("segment.bytes", "2048", "index.interval.bytes", "150");
    private static final Map<String, String> ONE_SEGMENT = Map.of("index.interval.bytes", "150");

    @RegisterExtension
    final LogFixture logs = new LogFixture("ledger", 4).withSystemClock();

    /** Records numbered by their offset: key-n, {@code tag}-n- and 0 to 29 z, timestamp T0 + n. */
    private static Batches records(int count, long firstOffset, String tag) {
        return Batches.of(count).numberedFrom(firstOffset).timestamps(n -> T0 + n).paddedValues(tag, 'z', 30);
    }

    /** Appends {@code batches} batches of 1 to 3 records; returns the base offset of each. */
    private static List<Long> fill(PartitionLog log, int epoch, int batches, String tag) {
        List<Long> bases = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            long next = log.logEndOffset();
            bases.add(log.append(records(1 + b % 3, next, tag).build(), epoch, true)
                    .firstOffset());
        }
        return bases;
    }

    /** Asserts that a read at every offset from the log start to the end finds that record, with its tag. */
    private static void assertReadable(PartitionLog log, long from, long until, String tag) {
        for (long offset = from; offset < until; offset++) {
            LogReadResult result = log.read(offset, 1, true);
            Record found = null;
            for (RecordBatch batch : result.records().batches()) {
                for (Record record : batch) {
                    if (record.offset() >= offset && found == null) found = record;
                }
            }
            assertNotNull(found, "a record at offset " + offset);
            assertEquals(offset, found.offset());
            assertTrue(Utils.utf8(found.value()).startsWith(tag + "-" + offset + "-"),
                    "offset " + offset + " holds " + Utils.utf8(found.value()) + ", expected tag " + tag);
        }
    }

    private static void assertEndsAt(PartitionLog log, long end) {
        assertEquals(end, log.logEndOffset());
        assertEquals(0, log.read(end, 1000, true).sizeInBytes());
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(end + 1, 1000, true));
    }

    @Test
    void truncateInTheMiddleOfTheActiveSegmentThenAppendContinuesContiguously() throws Exception {
        PartitionLog log = logs.open(ONE_SEGMENT);
        List<Long> bases = fill(log, 1, 20, "old");
        assertEquals(1, log.segmentCount());
        long cut = bases.get(12);

        assertEquals(cut, log.truncateTo(cut));
        assertEndsAt(log, cut);
        assertEquals(cut, log.highWatermark());
        assertTrue(log.recoveryPoint() <= cut);
        assertReadable(log, 0, cut, "old");
        assertEquals(1, log.segmentCount());
        assertEquals(cut, log.activeSegment().nextOffset());
        assertTrue(log.activeSegment().offsetIndex().lastOffset() < cut, "no index entry at or beyond the cut");
        assertTrue(log.activeSegment().offsetIndex().sanityCheck(cut - 1, log.activeSegment().sizeInBytes()));

        List<Long> newBases = fill(log, 2, 10, "new");
        assertEquals(cut, newBases.get(0), "the next append takes the first truncated offset");
        long end = log.logEndOffset();
        assertReadable(log, 0, cut, "old");
        assertReadable(log, cut, end, "new");
        assertEquals(List.of(new EpochEntry(1, 0), new EpochEntry(2, cut)), log.leaderEpochCache().entries());

        File crashed = logs.crashCopy(log);
        PartitionLog clean = logs.reopen(log, ONE_SEGMENT);
        assertEndsAt(clean, end);
        assertReadable(clean, 0, cut, "old");
        assertReadable(clean, cut, end, "new");
        PartitionLog unclean = logs.open(crashed, ONE_SEGMENT, false);
        assertEndsAt(unclean, end);
        assertReadable(unclean, cut, end, "new");
        assertEquals(clean.leaderEpochCache().entries(), unclean.leaderEpochCache().entries());
    }

    @ParameterizedTest(name = "cleanShutdown={0}")
    @ValueSource(booleans = {true, false})
    void truncateAcrossSegmentsDeletesLaterSegmentsAndSurvivesReopen(boolean cleanShutdown) throws Exception {
        PartitionLog log = logs.open(SMALL_SEGMENTS);
        List<Long> bases = fill(log, 3, 120, "old");
        List<LogSegment> before = log.segments();
        assertTrue(before.size() >= 5, "several segments: " + before.size());
        LogSegment target = before.get(2);
        // A batch boundary inside the third segment, not its first batch.
        long cut = bases.stream().filter(b -> b > target.baseOffset() + 2 && b < target.nextOffset()).findFirst().orElseThrow();

        assertEquals(cut, log.truncateTo(cut));
        assertEndsAt(log, cut);
        assertEquals(3, log.segmentCount());
        for (int i = 3; i < before.size(); i++) {
            assertFalse(LogSegment.logFile(log.dir(), before.get(i).baseOffset()).exists(), "segment " + i + " is deleted");
        }
        assertEquals(target.baseOffset(), log.activeSegment().baseOffset());
        assertReadable(log, 0, cut, "old");

        fill(log, 4, 60, "new");
        long end = log.logEndOffset();
        assertReadable(log, 0, cut, "old");
        assertReadable(log, cut, end, "new");
        FileRecords.TimestampAndOffset byTime = log.offsetForTimestamp(T0 + cut);
        assertEquals(cut, byTime.offset, "the time index finds the first new record");

        PartitionLog reopened;
        if (cleanShutdown) {
            reopened = logs.reopen(log, SMALL_SEGMENTS);
        } else {
            reopened = logs.open(logs.crashCopy(log), SMALL_SEGMENTS, false);
        }
        assertEndsAt(reopened, end);
        assertReadable(reopened, 0, cut, "old");
        assertReadable(reopened, cut, end, "new");
        assertEquals(List.of(new EpochEntry(3, 0), new EpochEntry(4, cut)), reopened.leaderEpochCache().entries());
    }

    @Test
    void truncateAtASegmentBaseRemovesThatWholeSegment() throws Exception {
        PartitionLog log = logs.open(SMALL_SEGMENTS);
        fill(log, 0, 80, "old");
        LogSegment third = log.segments().get(2);
        long cut = third.baseOffset();

        log.truncateTo(cut);
        assertEndsAt(log, cut);
        assertEquals(2, log.segmentCount(), "the segment ending at the cut takes appends again");
        assertFalse(LogSegment.logFile(log.dir(), cut).exists());
        assertEquals(cut, log.activeSegment().nextOffset());
        fill(log, 0, 5, "new");
        assertReadable(log, cut, log.logEndOffset(), "new");

        long end = log.logEndOffset();
        PartitionLog reopened = logs.open(logs.crashCopy(log), SMALL_SEGMENTS, false);
        assertEndsAt(reopened, end);
    }

    @Test
    void truncateInsideABatchCutsAtTheStartOfThatBatch() throws Exception {
        PartitionLog log = logs.open(ONE_SEGMENT);
        log.append(records(4, 0, "old").build(), 0, true);
        log.append(records(5, 4, "old").build(), 0, true);
        log.append(records(2, 9, "old").build(), 0, true);

        assertEquals(4, log.truncateTo(6), "offset 6 lies in batch 4..8");
        assertEndsAt(log, 4);
        assertReadable(log, 0, 4, "old");
    }

    @Test
    void truncateIntoAGapLeftByCompactionEndsTheLogThereAcrossReopens() throws Exception {
        PartitionLog log = logs.open(ONE_SEGMENT);
        log.appendAsFollower(records(5, 0, "old").asLeaderWrote(0, 1).build());
        log.appendAsFollower(records(2, 9, "old").asLeaderWrote(9, 1).build());

        assertEquals(7, log.truncateTo(7));
        assertEndsAt(log, 7);
        assertReadable(log, 0, 5, "old");
        PartitionLog reopened = logs.open(logs.crashCopy(log), ONE_SEGMENT, false);
        assertEndsAt(reopened, 7);
        log.appendAsFollower(records(3, 7, "new").asLeaderWrote(7, 2).build());
        assertReadable(log, 7, 10, "new");
    }

    @Test
    void truncateAtOrBeyondTheLogEndChangesNothing() throws Exception {
        PartitionLog log = logs.open(ONE_SEGMENT);
        fill(log, 0, 5, "old");
        long end = log.logEndOffset();
        byte[] before = Files.readAllBytes(log.activeSegment().records().file().toPath());
        assertEquals(end, log.truncateTo(end));
        assertEquals(end, log.truncateTo(end + 100));
        assertEndsAt(log, end);
        assertArrayEquals(before, Files.readAllBytes(log.activeSegment().records().file().toPath()));
        assertThrows(IllegalArgumentException.class, () -> log.truncateTo(-1));
    }

    @Test
    void truncateLowersTheExplicitHighWatermarkAndForgetsLaterEpochs() throws Exception {
        PartitionLog log = logs.open(SMALL_SEGMENTS);
        log.setHighWatermarkFollowsLogEnd(false);
        fill(log, 1, 20, "old");
        long epoch2 = log.logEndOffset();
        fill(log, 2, 20, "old");
        long epoch5 = log.logEndOffset();
        fill(log, 5, 20, "old");
        log.updateHighWatermark(epoch5 + 3);

        log.truncateTo(epoch5);
        assertEquals(epoch5, log.highWatermark(), "the high watermark never exceeds the log end");
        assertEquals(OptionalInt.of(2), log.latestEpoch());
        log.truncateTo(epoch2);
        assertEquals(List.of(new EpochEntry(1, 0)), log.leaderEpochCache().entries());
        assertEquals(epoch2, log.highWatermark());
        assertEquals(epoch2, PartitionState.read(log.dir()).highWatermark(), "the truncation is checkpointed");
        assertTrue(PartitionState.read(log.dir()).recoveryPoint() <= epoch2);
    }

    @Test
    void truncateRebuildsProducerStateFromTheRemainingLog() throws Exception {
        PartitionLog log = logs.open(ONE_SEGMENT);
        long pid = 42;
        for (int seq = 0; seq < 6; seq += 2) {
            log.append(records(2, log.logEndOffset(), "old").idempotent(pid, (short) 0, seq).build(), 0, true);
        }
        log.truncateTo(4);
        // Sequence 4 was truncated away: the producer's retry of it is a new append at offset 4.
        LogAppendInfo retried = log.append(records(2, 4, "new").idempotent(pid, (short) 0, 4).build(), 1, true);
        assertFalse(retried.duplicate());
        assertEquals(4, retried.firstOffset());
        LogAppendInfo duplicate = log.append(records(2, 2, "old").idempotent(pid, (short) 0, 2).build(), 1, true);
        assertTrue(duplicate.duplicate(), "batches below the cut are still known");
    }

    @Test
    void aReadFromBeforeATruncationKeepsSeeingTheBytesItFound() throws Exception {
        PartitionLog log = logs.open(ONE_SEGMENT);
        fill(log, 0, 30, "old");
        LogReadResult early = log.read(10, 64 * 1024, true);
        FileRecords slice = (FileRecords) early.records();
        ByteBuffer expected = ByteBuffer.allocate(slice.sizeInBytes());
        slice.readInto(expected, 0);

        log.truncateTo(12);
        fill(log, 7, 40, "new");

        ByteBuffer after = ByteBuffer.allocate(slice.sizeInBytes());
        slice.readInto(after, 0);
        assertArrayEquals(expected.array(), after.array(), "the truncated segment's bytes are never rewritten in place");
        for (RecordBatch batch : MemoryRecords.readableRecords(after).batches()) batch.ensureValid();
        assertReadable(log, 12, log.logEndOffset(), "new");
    }

    @Test
    void truncateBelowTheLogStartLeavesAnEmptyLogAtTheNewEnd() throws Exception {
        PartitionLog log = logs.open(SMALL_SEGMENTS);
        List<Long> bases = fill(log, 0, 60, "old");
        long start = log.deleteRecordsBefore(bases.get(40));
        assertEquals(bases.get(40), start);

        log.truncateTo(bases.get(20));
        assertEquals(bases.get(20), log.logStartOffset());
        assertEndsAt(log, bases.get(20));
        fill(log, 0, 3, "new");
        assertReadable(log, bases.get(20), log.logEndOffset(), "new");
    }

    @Test
    void truncateFullyAndStartAtRestartsTheLogElsewhere() throws Exception {
        PartitionLog log = logs.open(SMALL_SEGMENTS);
        fill(log, 3, 60, "old");
        List<LogSegment> before = log.segments();

        log.truncateFullyAndStartAt(500);
        assertEquals(500, log.logStartOffset());
        assertEndsAt(log, 500);
        assertEquals(500, log.highWatermark());
        assertEquals(1, log.segmentCount());
        for (LogSegment s : before) assertFalse(LogSegment.logFile(log.dir(), s.baseOffset()).exists());
        assertEquals(List.of(), log.leaderEpochCache().entries());
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(0, 1000, true));

        MemoryRecords replicated = records(3, 500, "new").asLeaderWrote(500, 6).build();
        log.appendAsFollower(replicated);
        assertReadable(log, 500, 503, "new");

        PartitionLog reopened = logs.open(logs.crashCopy(log), SMALL_SEGMENTS, false);
        assertEquals(500, reopened.logStartOffset());
        assertEndsAt(reopened, 503);
        assertEquals(List.of(new EpochEntry(6, 500)), reopened.leaderEpochCache().entries());
    }
}
