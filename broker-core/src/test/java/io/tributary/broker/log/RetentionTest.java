package io.tributary.broker.log;

import io.tributary.broker.testing.Batches;
import io.tributary.broker.testing.LogFixture;
import io.tributary.broker.testing.ManualClock;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.tributary.broker.testing.ManualClock.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Retention by time and size, and DeleteRecords, on a real partition log on disk. */
class RetentionTest {
    @RegisterExtension
    final LogFixture logs = new LogFixture("events", 0);
    private final ManualClock clock = logs.clock();

    /** One batch of the records {@code key-<value>: <value>} at {@code timestamp}. */
    private static MemoryRecords batch(long timestamp, String... values) {
        return Batches.of(values.length).timestamp(timestamp)
                .keys(i -> "key-" + values[(int) i]).values(i -> values[(int) i]).build();
    }

    /** Appends {@code count} single-record batches of identical size, values v0, v1, ... from {@code first}. */
    private static void appendSingles(PartitionLog log, int first, int count) {
        for (int i = first; i < first + count; i++) {
            log.append(batch(T0, String.format("v%03d", i)), 0, true);
        }
    }

    private static int singleBatchSize() {
        return batch(T0, "v000").sizeInBytes();
    }

    /** Every record from the log start offset to the log end offset, as offset=value. */
    private static List<String> readAll(PartitionLog log) {
        List<String> out = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            LogReadResult result = log.read(offset, 1024 * 1024, true);
            if (result.sizeInBytes() == 0) break;
            for (RecordBatch batch : result.records().batches()) {
                for (Record record : batch) {
                    if (record.offset() >= offset) {
                        out.add(record.offset() + "=" + StandardCharsets.UTF_8.decode(record.value()));
                    }
                }
                offset = batch.lastOffset() + 1;
            }
        }
        return out;
    }

    private static long firstOffsetRead(PartitionLog log, long offset) {
        LogReadResult result = log.read(offset, 1024 * 1024, true);
        for (Record record : result.records().records()) {
            if (record.offset() >= offset) return record.offset();
        }
        return -1;
    }

    @Test
    void segmentsOlderThanRetentionMsAreDeletedOldestFirst() throws IOException {
        PartitionLog log = logs.open(Map.of("retention.ms", Long.toString(Duration.ofHours(1).toMillis())));
        log.append(batch(T0, "a0", "a1", "a2", "a3", "a4"), 0, true);
        log.roll();
        clock.advance(Duration.ofMinutes(30));
        log.append(batch(clock.millis(), "b5", "b6", "b7", "b8", "b9"), 0, true);
        log.roll();
        clock.advance(Duration.ofMinutes(30));
        log.append(batch(clock.millis(), "c10", "c11", "c12", "c13", "c14"), 0, true);
        assertEquals(3, log.segmentCount());

        assertEquals(0, log.applyRetention(), "a segment exactly retention.ms old is kept");
        assertEquals(0, log.logStartOffset());

        clock.advanceMillis(1);
        assertEquals(1, log.applyRetention());
        assertEquals(5, log.logStartOffset());
        assertEquals(15, log.logEndOffset());
        assertEquals(2, log.segmentCount());
        assertFalse(LogSegment.logFile(logs.dir(), 0).exists(), "the expired segment's file is unlinked");
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(4, 1024, true));
        assertEquals(5, firstOffsetRead(log, 5));
        assertEquals(List.of("5=b5", "6=b6", "7=b7", "8=b8", "9=b9", "10=c10", "11=c11", "12=c12", "13=c13", "14=c14"),
                readAll(log));

        clock.advance(Duration.ofMinutes(30));
        assertEquals(1, log.applyRetention());
        assertEquals(10, log.logStartOffset());
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(9, 1024, true));
        assertEquals(10, firstOffsetRead(log, 10));
    }

    @Test
    void expiredActiveSegmentIsRolledAndDeletedLeavingAnEmptyLogThatKeepsItsOffsets() throws IOException {
        PartitionLog log = logs.open(Map.of("retention.ms", "60000"));
        log.append(batch(T0, "a0", "a1", "a2"), 0, true);
        clock.advance(Duration.ofMinutes(2));

        assertEquals(1, log.applyRetention());
        assertEquals(3, log.logStartOffset());
        assertEquals(3, log.logEndOffset());
        assertEquals(0, log.read(3, 1024, true).sizeInBytes());
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(2, 1024, true));

        LogAppendInfo next = log.append(batch(clock.millis(), "b3"), 0, true);
        assertEquals(3, next.firstOffset(), "offsets are never reused after retention");
        assertEquals(List.of("3=b3"), readAll(log));
    }

    @Test
    void retentionBytesDeletesWholeSegmentsUntilTheLogFitsButNeverTheActiveOne() throws IOException {
        int batchSize = singleBatchSize();
        PartitionLog log = logs.open(Map.of("segment.bytes", Integer.toString(3 * batchSize),
                "retention.bytes", Integer.toString(5 * batchSize)));
        appendSingles(log, 0, 10);
        // Three single-record batches per segment: 0-2, 3-5, 6-8, and 9 in the active segment.
        assertEquals(4, log.segmentCount());
        assertEquals(10L * batchSize, log.size());

        assertEquals(1, log.applyRetention(), "deleting 0-2 brings the log to 7 batches; deleting 3-5 too would go below 5");
        assertEquals(3, log.logStartOffset());
        assertEquals(10, log.logEndOffset());
        assertEquals(7L * batchSize, log.size());
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(2, 1024, true));
        assertEquals(3, firstOffsetRead(log, 3));
        assertEquals(0, log.applyRetention(), "retention is idempotent");

        log.updateConfig(log.config().withOverrides(Map.of("retention.bytes", "0")));
        assertEquals(2, log.applyRetention());
        assertEquals(1, log.segmentCount(), "the active segment is never deleted for size");
        assertEquals(9, log.logStartOffset());
        assertEquals(List.of("9=v009"), readAll(log));
    }

    @Test
    void compactOnlyTopicIgnoresRetention() throws IOException {
        PartitionLog log = logs.open(Map.of("cleanup.policy", "compact", "retention.ms", "1000", "retention.bytes", "0"));
        log.append(batch(T0, "a0"), 0, true);
        log.roll();
        log.append(batch(T0, "a1"), 0, true);
        clock.advance(Duration.ofDays(30));

        assertEquals(0, log.applyRetention());
        assertEquals(0, log.logStartOffset());
        assertEquals(List.of("0=a0", "1=a1"), readAll(log));
    }

    @Test
    void deleteRecordsMovesTheLogStartAndDeletesWholeSegmentsBelowIt() throws IOException {
        int batchSize = singleBatchSize();
        Map<String, String> config = Map.of("segment.bytes", Integer.toString(3 * batchSize));
        PartitionLog log = logs.open(config);
        appendSingles(log, 0, 10);
        assertEquals(4, log.segmentCount());

        assertEquals(4, log.deleteRecordsBefore(4));
        assertEquals(4, log.logStartOffset());
        assertEquals(3, log.segmentCount(), "segment 0-2 lies wholly below offset 4");
        assertFalse(LogSegment.logFile(logs.dir(), 0).exists());
        assertTrue(LogSegment.logFile(logs.dir(), 3).exists(), "segment 3-5 still holds offsets 4 and 5");
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(3, 1024, true));
        assertEquals(4, firstOffsetRead(log, 4));
        assertEquals(4, log.deleteRecordsBefore(2), "the log start offset never moves back");
        assertThrows(OffsetOutOfRangeException.class, () -> log.deleteRecordsBefore(11),
                "DeleteRecords above the high watermark is refused");

        PartitionLog reopened = logs.reopen(log, config);
        assertEquals(4, reopened.logStartOffset(), "the log start offset is checkpointed");
        assertEquals(10, reopened.logEndOffset());
        assertThrows(OffsetOutOfRangeException.class, () -> reopened.read(3, 1024, true));
        assertEquals(List.of("4=v004", "5=v005", "6=v006", "7=v007", "8=v008", "9=v009"), readAll(reopened));
    }

    @Test
    void deleteRecordsToTheHighWatermarkEmptiesTheLogAndSurvivesAnUncleanReopen() throws IOException {
        int batchSize = singleBatchSize();
        Map<String, String> config = Map.of("segment.bytes", Integer.toString(3 * batchSize));
        PartitionLog log = logs.open(config);
        appendSingles(log, 0, 10);

        assertEquals(10, log.deleteRecordsBefore(-1));
        assertEquals(1, log.segmentCount(), "only the active segment remains");
        assertEquals(List.of(), readAll(log));
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(9, 1024, true));

        logs.close(log);
        PartitionLog reopened = logs.open(config, false);
        assertEquals(10, reopened.logStartOffset());
        assertEquals(10, reopened.logEndOffset());
        assertThrows(OffsetOutOfRangeException.class, () -> reopened.read(9, 1024, true));
        assertEquals(10, reopened.append(batch(T0, "v010"), 0, true).firstOffset());
        assertEquals(List.of("10=v010"), readAll(reopened));
    }
}
