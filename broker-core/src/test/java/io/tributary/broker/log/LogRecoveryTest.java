package io.tributary.broker.log;

import io.tributary.broker.testing.Batches;
import io.tributary.broker.testing.LogFixture;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
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
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.tributary.broker.testing.ManualClock.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crash recovery. A crash is simulated by copying a partition directory while its log is still
 * open (after a flush, so every acknowledged batch is on disk), damaging the copy the way a torn
 * write or bad sector would, and opening the copy with {@code cleanShutdown=false}.
 */
class LogRecoveryTest {
    private static final Map<String, String> SMALL_SEGMENTS = Map.of("segment.bytes", "4096", "index.interval.bytes", "256");

    @RegisterExtension
    final LogFixture logs = new LogFixture("payments", 0).withSystemClock();

    /** Records numbered by their offset: key-n, value-n- and 0 to 49 x, timestamp T0 + n. */
    private static MemoryRecords records(int count, long firstOffset) {
        return Batches.of(count).numberedFrom(firstOffset).timestamps(n -> T0 + n).paddedValues("value", 'x', 50).build();
    }

    /** Appends {@code batches} batches of 1 to 4 records; returns the offsets of each batch. */
    private static List<long[]> fill(PartitionLog log, int batches) {
        List<long[]> appended = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            long next = log.logEndOffset();
            LogAppendInfo info = log.append(records(1 + b % 4, next), 0, true);
            appended.add(new long[] {info.firstOffset(), info.lastOffset()});
        }
        return appended;
    }

    /** Asserts that offsets {@code from} until the log end are all present, once, in order, with their data. */
    private static void assertIntact(PartitionLog log, long from) {
        long next = from;
        while (next < log.logEndOffset()) {
            LogReadResult result = log.read(next, 32 * 1024, true);
            assertTrue(result.sizeInBytes() > 0, "no data at offset " + next);
            for (RecordBatch batch : result.records().batches()) {
                batch.ensureValid();
                for (Record record : batch) {
                    if (record.offset() < next) continue;
                    assertEquals(next, record.offset(), "offsets are contiguous");
                    assertEquals("key-" + next, Utils.utf8(record.key()));
                    assertTrue(Utils.utf8(record.value()).startsWith("value-" + next + "-"), "value of offset " + next);
                    assertEquals(T0 + next, record.timestamp());
                    next++;
                }
            }
        }
        assertEquals(log.logEndOffset(), next);
    }

    /** The position and size of each batch in a segment file, read without the log. */
    private static List<int[]> batchPositions(File segmentFile) throws IOException {
        List<int[]> out = new ArrayList<>();
        try (FileRecords records = FileRecords.open(segmentFile)) {
            for (FileChannelRecordBatch batch : records.batches()) out.add(new int[] {batch.position(), batch.sizeInBytes()});
        }
        return out;
    }

    private static void flipByte(File file, long position) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file, "rw")) {
            raf.seek(position);
            int b = raf.read();
            raf.seek(position);
            raf.write(b ^ 0xFF);
        }
    }

    private static void truncate(File file, long size) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file, "rw")) {
            raf.setLength(size);
        }
    }

    @Test
    void cleanlyClosedLogReopensWithEveryRecordAndContinuesItsOffsets() throws IOException {
        PartitionLog log = logs.open(SMALL_SEGMENTS);
        fill(log, 80);
        long end = log.logEndOffset();
        int segmentCount = log.segmentCount();

        PartitionLog reopened = logs.reopen(log, SMALL_SEGMENTS);
        assertEquals(end, reopened.logEndOffset());
        assertEquals(end, reopened.highWatermark());
        assertEquals(0, reopened.logStartOffset());
        assertEquals(segmentCount, reopened.segmentCount());
        assertIntact(reopened, 0);
        assertEquals(end, reopened.append(records(2, end), 0, true).firstOffset());
        assertIntact(reopened, 0);
    }

    @Test
    void uncleanShutdownWithoutDamageLosesNoFlushedRecord() throws Exception {
        PartitionLog log = logs.open(SMALL_SEGMENTS);
        fill(log, 100);
        long end = log.logEndOffset();
        File crashed = logs.crashCopy(log);

        PartitionLog recovered = logs.open(crashed, SMALL_SEGMENTS, false);
        assertEquals(end, recovered.logEndOffset());
        assertEquals(end, recovered.recoveryPoint());
        assertEquals(log.segmentCount(), recovered.segmentCount());
        assertIntact(recovered, 0);
    }

    /** Bytes of the last batch that reached the disk before the crash: inside its header, its records, all but one. */
    @ParameterizedTest(name = "{0} bytes of the last batch written")
    @ValueSource(ints = {1, 11, 16, 40, 61, 100, -1})
    void tornLastBatchIsTruncatedAndAppendsContinueAtItsOffset(int bytesKept) throws Exception {
        PartitionLog log = logs.open(SMALL_SEGMENTS);
        List<long[]> batches = fill(log, 60);
        long[] lastBatch = batches.get(batches.size() - 1);
        long activeBase = log.segments().get(log.segmentCount() - 1).baseOffset();
        File crashed = logs.crashCopy(log);

        File active = LogSegment.logFile(crashed, activeBase);
        List<int[]> positions = batchPositions(active);
        int[] last = positions.get(positions.size() - 1);
        int kept = bytesKept < 0 ? last[1] - 1 : bytesKept;
        assertTrue(kept < last[1]);
        truncate(active, last[0] + kept);

        PartitionLog recovered = logs.open(crashed, SMALL_SEGMENTS, false);
        assertEquals(lastBatch[0], recovered.logEndOffset(), "the log ends after the last whole batch");
        assertEquals(last[0], active.length(), "the torn bytes are cut from the file");
        assertEquals(log.segmentCount(), recovered.segmentCount());
        assertIntact(recovered, 0);

        LogAppendInfo info = recovered.append(records(3, lastBatch[0]), 0, true);
        assertEquals(lastBatch[0], info.firstOffset());
        assertEquals(lastBatch[0] + 3, recovered.logEndOffset());
        assertIntact(recovered, 0);
    }

    @Test
    void segmentWhoseOnlyBatchIsTornRecoversToItsBaseOffset() throws Exception {
        PartitionLog log = logs.open(Map.of());
        fill(log, 10);
        log.roll();
        long base = log.logEndOffset();
        fill(log, 1);
        File crashed = logs.crashCopy(log);
        File active = LogSegment.logFile(crashed, base);
        truncate(active, active.length() / 2);

        PartitionLog recovered = logs.open(crashed, Map.of(), false);
        assertEquals(base, recovered.logEndOffset());
        assertEquals(0, active.length());
        assertIntact(recovered, 0);
        assertEquals(base, recovered.append(records(1, base), 0, true).firstOffset());
    }

    /** Byte positions inside the last batch: length, magic, attributes, producer id, first record, last byte. */
    @ParameterizedTest(name = "byte {0} of the last batch flipped")
    @ValueSource(ints = {10, 16, 21, 45, 61, 70, -1})
    void flippedByteInTheLastBatchIsDetectedAndTheBatchDropped(int offsetInBatch) throws Exception {
        PartitionLog log = logs.open(SMALL_SEGMENTS);
        List<long[]> batches = fill(log, 60);
        long[] lastBatch = batches.get(batches.size() - 1);
        long activeBase = log.segments().get(log.segmentCount() - 1).baseOffset();
        File crashed = logs.crashCopy(log);

        File active = LogSegment.logFile(crashed, activeBase);
        List<int[]> positions = batchPositions(active);
        int[] last = positions.get(positions.size() - 1);
        flipByte(active, last[0] + (offsetInBatch < 0 ? last[1] - 1 : offsetInBatch));

        PartitionLog recovered = logs.open(crashed, SMALL_SEGMENTS, false);
        assertEquals(lastBatch[0], recovered.logEndOffset());
        assertEquals(last[0], active.length());
        assertIntact(recovered, 0);
        assertEquals(lastBatch[0],
                recovered.append(records(2, lastBatch[0]), 0, true).firstOffset());
        assertIntact(recovered, 0);
    }

    @Test
    void corruptBatchInTheMiddleOfTheActiveSegmentDropsItAndEverythingAfterIt() throws Exception {
        PartitionLog log = logs.open(Map.of());
        List<long[]> batches = fill(log, 20);
        File crashed = logs.crashCopy(log);
        File active = LogSegment.logFile(crashed, 0);
        List<int[]> positions = batchPositions(active);
        flipByte(active, positions.get(12)[0] + positions.get(12)[1] - 5);

        PartitionLog recovered = logs.open(crashed, Map.of(), false);
        assertEquals(batches.get(12)[0], recovered.logEndOffset());
        assertEquals(positions.get(12)[0], active.length());
        assertIntact(recovered, 0);
    }

    @ParameterizedTest(name = "cleanShutdown={0}")
    @ValueSource(booleans = {true, false})
    void missingIndexFilesAreRebuiltOnOpenAndLookupsStayCorrect(boolean cleanShutdown) throws Exception {
        PartitionLog log = logs.open(SMALL_SEGMENTS);
        fill(log, 120);
        long end = log.logEndOffset();
        List<LogSegment> before = log.segments();
        assertTrue(before.size() >= 3);
        List<Integer> offsetEntries = before.stream().map(s -> s.offsetIndex().entries()).toList();
        List<Integer> timeEntries = before.stream().map(s -> s.timeIndex().entries()).toList();
        assertTrue(offsetEntries.get(0) > 0 && timeEntries.get(0) > 0, "the test needs indexes with entries");

        File dir;
        if (cleanShutdown) {
            logs.close(log);
            dir = log.dir();
        } else {
            dir = logs.crashCopy(log);
        }
        // Segment 1 loses only its offset index, segment 2 only its time index, the others both.
        for (int i = 0; i < before.size(); i++) {
            long base = before.get(i).baseOffset();
            if (i != 2) Files.delete(LogSegment.offsetIndexFile(dir, base).toPath());
            if (i != 1) Files.delete(LogSegment.timeIndexFile(dir, base).toPath());
        }

        PartitionLog reopened = logs.open(dir, SMALL_SEGMENTS, cleanShutdown);
        assertEquals(end, reopened.logEndOffset());
        List<LogSegment> after = reopened.segments();
        assertEquals(before.size(), after.size());
        for (int i = 0; i < after.size(); i++) {
            LogSegment segment = after.get(i);
            assertTrue(LogSegment.offsetIndexFile(dir, segment.baseOffset()).exists());
            assertTrue(LogSegment.timeIndexFile(dir, segment.baseOffset()).exists());
            assertEquals(offsetEntries.get(i), segment.offsetIndex().entries(), "offset index of " + segment);
            assertEquals(timeEntries.get(i), segment.timeIndex().entries(), "time index of " + segment);
            assertEquals((long) offsetEntries.get(i) * OffsetIndex.ENTRY_SIZE,
                    LogSegment.offsetIndexFile(dir, segment.baseOffset()).length());
        }
        for (long offset = 0; offset < end; offset++) {
            RecordBatch batch = reopened.read(offset, 1, true).records().batches().iterator().next();
            assertTrue(batch.baseOffset() <= offset && offset <= batch.lastOffset(), "read of offset " + offset);
            // Record timestamps are T0 + offset, so a time lookup must land exactly on the offset.
            assertEquals(offset, reopened.offsetForTimestamp(T0 + offset).offset);
        }
        assertIntact(reopened, 0);
    }

    @Test
    void indexThatFailsItsSanityCheckIsRebuiltOnCleanOpen() throws IOException {
        File dir = logs.dir();
        PartitionLog log = logs.open(dir, SMALL_SEGMENTS, false);
        fill(log, 60);
        long end = log.logEndOffset();
        int entries = log.segments().get(0).offsetIndex().entries();
        logs.close(log);

        // Entries claiming offsets and positions far beyond the segment.
        byte[] garbage = new byte[8 * OffsetIndex.ENTRY_SIZE];
        java.util.Arrays.fill(garbage, (byte) 0x7F);
        Files.write(LogSegment.offsetIndexFile(dir, 0).toPath(), garbage);

        PartitionLog reopened = logs.open(dir, SMALL_SEGMENTS, true);
        LogSegment first = reopened.segments().get(0);
        assertEquals(entries, first.offsetIndex().entries());
        assertTrue(first.offsetIndex().sanityCheck(first.lastOffset(), first.sizeInBytes()));
        assertEquals(end, reopened.logEndOffset());
        assertIntact(reopened, 0);
    }

    @Test
    void corruptSegmentInTheMiddleTruncatesItAndDropsEveryLaterSegment() throws Exception {
        PartitionLog log = logs.open(SMALL_SEGMENTS);
        fill(log, 150);
        List<LogSegment> segments = log.segments();
        assertTrue(segments.size() >= 4, "the test needs at least four segments");
        LogSegment middle = segments.get(1);
        File crashed = logs.crashCopy(log);
        // The crash came before the middle segment was known to be on disk.
        new PartitionState(0, middle.baseOffset()).write(crashed);

        File middleFile = LogSegment.logFile(crashed, middle.baseOffset());
        List<int[]> positions = batchPositions(middleFile);
        int damaged = positions.size() / 2;
        flipByte(middleFile, positions.get(damaged)[0] + positions.get(damaged)[1] - 2);
        long firstLostOffset;
        try (FileRecords records = FileRecords.open(middleFile)) {
            firstLostOffset = records.batchesFrom(positions.get(damaged)[0]).iterator().next().baseOffset();
        }

        PartitionLog recovered = logs.open(crashed, SMALL_SEGMENTS, false);
        assertEquals(firstLostOffset, recovered.logEndOffset());
        assertEquals(2, recovered.segmentCount(), "segments after the corrupt one are dropped");
        assertEquals(positions.get(damaged)[0], middleFile.length());
        for (LogSegment later : segments.subList(2, segments.size())) {
            assertFalse(LogSegment.logFile(crashed, later.baseOffset()).exists(), later + " must be deleted");
            assertFalse(LogSegment.offsetIndexFile(crashed, later.baseOffset()).exists());
            assertFalse(LogSegment.timeIndexFile(crashed, later.baseOffset()).exists());
        }
        assertIntact(recovered, 0);
        assertEquals(firstLostOffset,
                recovered.append(records(2, firstLostOffset), 0, true).firstOffset());
        assertEquals(middle.baseOffset(), recovered.segments().get(1).baseOffset(), "the truncated segment is active again");
        assertIntact(recovered, 0);
    }

    @Test
    void missingPartitionStateMeansEverySegmentIsValidated() throws Exception {
        PartitionLog log = logs.open(SMALL_SEGMENTS);
        fill(log, 100);
        File crashed = logs.crashCopy(log);
        Files.delete(crashed.toPath().resolve(PartitionState.FILE_NAME));
        File first = LogSegment.logFile(crashed, 0);
        List<int[]> positions = batchPositions(first);
        flipByte(first, positions.get(2)[0] + 70);

        PartitionLog recovered = logs.open(crashed, SMALL_SEGMENTS, false);
        assertEquals(1, recovered.segmentCount());
        assertEquals(positions.get(2)[0], first.length());
        assertIntact(recovered, 0);
        assertTrue(new File(crashed, PartitionState.FILE_NAME).exists(), "the checkpoint is written again");
    }

    @ParameterizedTest(name = "cleanShutdown={0}")
    @ValueSource(booleans = {true, false})
    void logStartOffsetSurvivesReopen(boolean cleanShutdown) throws Exception {
        PartitionLog log = logs.open(SMALL_SEGMENTS);
        fill(log, 100);
        long end = log.logEndOffset();
        LogSegment second = log.segments().get(1);
        long start = second.baseOffset() + 3;
        assertEquals(start, log.deleteRecordsBefore(start));

        File dir;
        if (cleanShutdown) {
            logs.close(log);
            dir = log.dir();
        } else {
            dir = logs.crashCopy(log);
        }
        assertEquals(start, PartitionState.read(dir).logStartOffset());

        PartitionLog reopened = logs.open(dir, SMALL_SEGMENTS, cleanShutdown);
        assertEquals(start, reopened.logStartOffset());
        assertEquals(end, reopened.logEndOffset());
        assertEquals(second.baseOffset(), reopened.segments().get(0).baseOffset(), "segments wholly below the start are gone");
        assertThrows(OffsetOutOfRangeException.class, () -> reopened.read(start - 1, 1000, true));
        assertIntact(reopened, start);
    }

    @Test
    void leftoverTemporaryFilesAreRemovedOnOpen() throws IOException {
        File dir = logs.dir();
        PartitionLog log = logs.open(dir, Map.of(), false);
        fill(log, 5);
        logs.close(log);
        Files.write(dir.toPath().resolve(PartitionState.FILE_NAME + ".tmp"), new byte[] {1, 2, 3});
        Files.write(dir.toPath().resolve(LogSegment.fileName(0, ".log.cleaned")), new byte[] {4, 5, 6});

        PartitionLog reopened = logs.open(dir, Map.of(), true);
        assertFalse(new File(dir, PartitionState.FILE_NAME + ".tmp").exists());
        assertFalse(new File(dir, LogSegment.fileName(0, ".log.cleaned")).exists());
        assertIntact(reopened, 0);
    }
}
