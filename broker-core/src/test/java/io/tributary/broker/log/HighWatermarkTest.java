package io.tributary.broker.log;

import io.tributary.broker.testing.Batches;
import io.tributary.broker.testing.LogFixture;
import io.tributary.broker.testing.ManualClock;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.tributary.broker.testing.Batches.record;
import static io.tributary.broker.testing.ManualClock.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The explicit high watermark of a replicated partition, its checkpoint, and what respects it. */
class HighWatermarkTest {
    @RegisterExtension
    final LogFixture logs = new LogFixture("ledger", 7);
    private final ManualClock clock = logs.clock();

    private static MemoryRecords single(long timestamp, String key, String value) {
        return Batches.of(record(timestamp, key, value)).build();
    }

    private static void appendSingles(PartitionLog log, int count) {
        for (int i = 0; i < count; i++) {
            long offset = log.logEndOffset();
            log.append(single(T0 + offset, "k" + offset, "v" + offset), 1, true);
        }
    }

    private static int singleSize() {
        return single(T0, "k00", "v00").sizeInBytes();
    }

    /** Offsets a consumer can read from the log start on. */
    private static List<Long> consumable(PartitionLog log) {
        List<Long> out = new ArrayList<>();
        long next = log.logStartOffset();
        while (true) {
            LogReadResult result = log.read(next, 1 << 20, true);
            if (result.sizeInBytes() == 0) return out;
            for (RecordBatch batch : result.records().batches()) {
                for (Record record : batch) if (record.offset() >= next) out.add(record.offset());
                next = batch.lastOffset() + 1;
            }
        }
    }

    private static List<Long> range(long from, long until) {
        List<Long> out = new ArrayList<>();
        for (long o = from; o < until; o++) out.add(o);
        return out;
    }

    @Test
    void byDefaultTheHighWatermarkIsTheLogEnd() throws IOException {
        PartitionLog log = logs.open(Map.of());
        assertTrue(log.highWatermarkFollowsLogEnd());
        appendSingles(log, 5);
        assertEquals(5, log.highWatermark());
        assertEquals(5, log.updateHighWatermark(2), "ignored while it follows the log end");
        assertEquals(range(0, 5), consumable(log));
    }

    @Test
    void explicitHighWatermarkStaysWhereTheOwnerPutsItAndBoundsReads() throws IOException {
        PartitionLog log = logs.open(Map.of());
        log.setHighWatermarkFollowsLogEnd(false);
        assertFalse(log.highWatermarkFollowsLogEnd());
        appendSingles(log, 10);
        assertEquals(0, log.highWatermark(), "appends leave it alone");
        assertEquals(List.of(), consumable(log));
        int replicated = 0;
        for (RecordBatch batch : log.read(0, 1 << 20, true, FetchIsolation.LOG_END).records().batches()) {
            replicated += batch.countOrNull();
        }
        assertEquals(10, replicated, "a follower's read goes to the log end");
        assertNull(log.offsetForTimestamp(T0), "nothing below the high watermark to find");

        assertEquals(4, log.updateHighWatermark(4));
        assertEquals(range(0, 4), consumable(log));
        assertEquals(4, log.read(4, 1000, true).highWatermark());
        assertEquals(0, log.read(7, 1000, true).sizeInBytes(), "above the high watermark a consumer reads nothing");
        assertEquals(2, log.offsetForTimestamp(T0 + 2).offset);
        assertNull(log.offsetForTimestamp(T0 + 5));

        assertEquals(4, log.updateHighWatermark(3), "it only moves forward");
        assertEquals(10, log.updateHighWatermark(99), "capped at the log end");
        assertEquals(range(0, 10), consumable(log));

        log.setHighWatermarkFollowsLogEnd(true);
        appendSingles(log, 1);
        assertEquals(11, log.highWatermark(), "back to the default mode");
    }

    @Test
    void leaderReadsBeyondTheHighWatermarkForFollowers() throws IOException {
        PartitionLog log = logs.open(Map.of());
        log.setHighWatermarkFollowsLogEnd(false);
        appendSingles(log, 6);
        log.updateHighWatermark(2);
        List<Long> seen = new ArrayList<>();
        for (RecordBatch batch : log.read(2, 1 << 20, true, FetchIsolation.LOG_END).records().batches()) {
            for (Record record : batch) seen.add(record.offset());
        }
        assertEquals(range(2, 6), seen);
        assertEquals(0, log.read(6, 1 << 20, true, FetchIsolation.LOG_END).sizeInBytes());
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(7, 1 << 20, true, FetchIsolation.LOG_END));
    }

    @Test
    void theHighWatermarkIsCheckpointedAndRestoredWhenTheOwnerTakesItBack() throws IOException {
        PartitionLog log = logs.open(Map.of());
        log.setHighWatermarkFollowsLogEnd(false);
        appendSingles(log, 10);
        log.updateHighWatermark(6);
        logs.close(log);
        assertEquals(6, PartitionState.read(logs.dir()).highWatermark());

        PartitionLog reopened = logs.open(Map.of(), true);
        assertEquals(10, reopened.highWatermark(), "until the owner says otherwise it follows the log end");
        assertEquals(6, PartitionState.read(logs.dir()).highWatermark(), "opening does not overwrite the checkpointed value");
        reopened.setHighWatermarkFollowsLogEnd(false);
        assertEquals(6, reopened.highWatermark());
        assertEquals(range(0, 6), consumable(reopened));
        reopened.updateHighWatermark(8);
        reopened.flush();
        assertEquals(8, PartitionState.read(logs.dir()).highWatermark(), "a flush writes the new value");
    }

    @Test
    void aCheckpointedHighWatermarkAboveTheRecoveredLogEndIsCapped() throws IOException {
        PartitionLog log = logs.open(Map.of());
        appendSingles(log, 5);
        logs.close(log);
        PartitionState state = PartitionState.read(logs.dir());
        new PartitionState(state.logStartOffset(), state.recoveryPoint(), 50).write(logs.dir());

        PartitionLog reopened = logs.open(Map.of(), false);
        reopened.setHighWatermarkFollowsLogEnd(false);
        assertEquals(5, reopened.highWatermark());
    }

    @Test
    void oldPartitionStateFilesWithoutAHighWatermarkStillOpen() throws IOException {
        PartitionLog log = logs.open(Map.of("segment.bytes", Integer.toString(3 * singleSize())));
        appendSingles(log, 10);
        log.deleteRecordsBefore(4);
        logs.close(log);
        // The checkpoint as written before it recorded the high watermark.
        Files.writeString(new File(logs.dir(), PartitionState.FILE_NAME).toPath(),
                "#Sat Nov 15 10:00:00 UTC 2025\nlog.start.offset=4\nrecovery.point=10\n", StandardCharsets.ISO_8859_1);
        assertEquals(new PartitionState(4, 10, PartitionState.UNKNOWN_HIGH_WATERMARK), PartitionState.read(logs.dir()));

        PartitionLog reopened = logs.open(Map.of("segment.bytes", Integer.toString(3 * singleSize())), true);
        assertEquals(4, reopened.logStartOffset());
        assertEquals(10, reopened.logEndOffset());
        assertEquals(10, reopened.highWatermark());
        reopened.setHighWatermarkFollowsLogEnd(false);
        assertEquals(10, reopened.highWatermark(), "a partition that was never replicated had everything committed");
        assertEquals(range(4, 10), consumable(reopened));
        reopened.flush();
        assertEquals(10, PartitionState.read(logs.dir()).highWatermark());
    }

    @Test
    void retentionDeletesOnlySegmentsWhollyBelowTheHighWatermark() throws IOException {
        PartitionLog log = logs.open(Map.of("segment.bytes", Integer.toString(3 * singleSize()), "retention.ms", "60000"));
        log.setHighWatermarkFollowsLogEnd(false);
        appendSingles(log, 10);
        // Segments 0-2, 3-5, 6-8 and the active 9.
        assertEquals(4, log.segmentCount());
        log.updateHighWatermark(5);
        clock.advance(Duration.ofHours(1));

        assertEquals(1, log.applyRetention(), "3-5 reaches the high watermark and stays");
        assertEquals(3, log.logStartOffset());
        log.updateHighWatermark(9);
        assertEquals(2, log.applyRetention(), "the active segment holds offset 9, at the high watermark");
        assertEquals(9, log.logStartOffset());
        log.updateHighWatermark(10);
        assertEquals(1, log.applyRetention());
        assertEquals(10, log.logStartOffset());
        assertEquals(10, log.logEndOffset());
    }

    @Test
    void retentionBytesAndDeleteRecordsStopAtTheHighWatermark() throws IOException {
        PartitionLog log = logs.open(Map.of("segment.bytes", Integer.toString(3 * singleSize()), "retention.bytes", "0"));
        log.setHighWatermarkFollowsLogEnd(false);
        appendSingles(log, 10);
        log.updateHighWatermark(4);
        assertEquals(1, log.applyRetention());
        assertEquals(3, log.logStartOffset());

        assertThrows(OffsetOutOfRangeException.class, () -> log.deleteRecordsBefore(5));
        assertEquals(4, log.deleteRecordsBefore(-1), "-1 means the high watermark");
        assertEquals(4, log.logStartOffset());
        assertEquals(List.of(new EpochEntry(1, 4)), log.leaderEpochCache().entries());
    }

    @Test
    void compactionLeavesEverythingAtOrAboveTheHighWatermark() throws IOException {
        PartitionLog log = logs.open(Map.of("cleanup.policy", "compact", "segment.bytes", Integer.toString(3 * singleSize()),
                "min.cleanable.dirty.ratio", "0.01"));
        log.setHighWatermarkFollowsLogEnd(false);
        for (int i = 0; i < 12; i++) log.append(single(T0, "k00", "v" + (10 + i)), 1, true);
        log.updateHighWatermark(6);

        LogCleaner cleaner = new LogCleaner();
        assertTrue(cleaner.needsCleaning(log));
        LogCleaner.CleanResult result = cleaner.clean(log);
        assertEquals(6, result.cleanedUpTo(), "0-2 and 3-5 lie wholly below the high watermark, 6-8 does not");

        log.updateHighWatermark(12);
        List<String> values = new ArrayList<>();
        long next = 0;
        while (next < log.highWatermark()) {
            LogReadResult read = log.read(next, 1 << 20, true);
            if (read.sizeInBytes() == 0) break;
            for (RecordBatch batch : read.records().batches()) {
                for (Record record : batch) values.add(record.offset() + "=" + Utils.utf8(record.value()));
                next = batch.lastOffset() + 1;
            }
        }
        assertEquals(List.of("5=v15", "6=v16", "7=v17", "8=v18", "9=v19", "10=v20", "11=v21"), values,
                "duplicates at and above the high watermark are left for a later pass");
    }
}
