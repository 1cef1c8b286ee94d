package io.tributary.broker.log;

import io.tributary.broker.testing.Batches;
import io.tributary.broker.testing.LogFixture;
import io.tributary.broker.testing.ManualClock;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static io.tributary.broker.testing.Batches.record;
import static io.tributary.broker.testing.Batches.utf8;
import static io.tributary.broker.testing.ManualClock.T0;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Log compaction by {@link LogCleaner} on a real partition log on disk. */
class LogCompactionTest {
    private static final long DELETE_RETENTION_MS = Duration.ofHours(1).toMillis();

    @RegisterExtension
    final LogFixture logs = new LogFixture("accounts", 0);
    private final ManualClock clock = logs.clock();

    /** The log of accounts-0, compacted with a delete retention of an hour unless {@code overrides} say otherwise. */
    private PartitionLog open(Map<String, String> overrides, boolean cleanShutdown) throws IOException {
        Map<String, String> all = new HashMap<>(Map.of("cleanup.policy", "compact",
                "delete.retention.ms", Long.toString(DELETE_RETENTION_MS)));
        all.putAll(overrides);
        return logs.open(all, cleanShutdown);
    }

    /** A record {@code key=value} ({@code value} null for a tombstone), at the clock's time. */
    private SimpleRecord rec(String key, String value) {
        return record(clock.millis(), key, value);
    }

    private static void append(PartitionLog log, SimpleRecord... records) {
        log.append(Batches.of(records).build(), 0, true);
    }

    /** What a consumer sees of one record. */
    private record Seen(long offset, String key, String value, long timestamp, List<Header> headers) {
        @Override
        public String toString() {
            return offset + ":" + key + "=" + value;
        }
    }

    private static String string(ByteBuffer buffer) {
        return buffer == null ? null : StandardCharsets.UTF_8.decode(buffer).toString();
    }

    /** Every record from the log start offset to the log end offset, as a consumer would fetch them. */
    private static List<Seen> readAll(PartitionLog log) {
        List<Seen> out = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            LogReadResult result = log.read(offset, 1024 * 1024, true);
            if (result.sizeInBytes() == 0) break;
            for (RecordBatch batch : result.records().batches()) {
                for (Record record : batch) {
                    if (record.offset() < offset) continue;
                    out.add(new Seen(record.offset(), string(record.key()), string(record.value()), record.timestamp(),
                            Arrays.asList(record.headers())));
                }
                offset = batch.lastOffset() + 1;
            }
        }
        return out;
    }

    private static List<String> summary(PartitionLog log) {
        return readAll(log).stream().map(Seen::toString).toList();
    }

    @Test
    void cleanKeepsExactlyTheLastRecordOfEachKeyAtItsOriginalOffset() throws IOException {
        PartitionLog log = open(Map.of(), false);
        LogCleaner cleaner = new LogCleaner();
        append(log, rec("k1", "a"), rec("k2", "a"), rec("k3", "a"));               // 0-2
        append(log, rec("k1", "b"));                                                // 3
        log.roll();
        clock.advanceMillis(10);
        log.append(Batches.of(rec("k2", "b"), rec("k1", "c")).compressed(Compression.gzip().build()).build(), 0, true); // 4-5
        Header[] headers = {new RecordHeader("trace", utf8("t-6")), new RecordHeader("origin", utf8("eu"))};
        long timestamp6 = clock.millis() - 5;
        append(log, new SimpleRecord(timestamp6, utf8("k4"), utf8("a"), headers));    // 6
        log.roll();
        append(log, rec("k3", "b"));                                                // 7
        log.roll();
        append(log, rec("k1", "d"), rec("k5", "a"));                                // 8-9, active segment
        long sizeBefore = log.size();
        Map<Long, Seen> before = new LinkedHashMap<>();
        for (Seen s : readAll(log)) before.put(s.offset(), s);

        assertTrue(cleaner.needsCleaning(log), "a log that was never cleaned is all dirty");
        LogCleaner.CleanResult result = cleaner.clean(log);

        assertEquals(List.of("4:k2=b", "5:k1=c", "6:k4=a", "7:k3=b", "8:k1=d", "9:k5=a"), summary(log),
                "the active segment is neither cleaned nor used to supersede older records");
        for (Seen s : readAll(log)) {
            assertEquals(before.get(s.offset()), s, "a surviving record is unchanged, offset, timestamp and headers included");
        }
        Seen withHeaders = readAll(log).stream().filter(s -> s.offset() == 6).findFirst().orElseThrow();
        assertEquals(timestamp6, withHeaders.timestamp());
        assertArrayEquals(headers, withHeaders.headers().toArray(new Header[0]));
        assertEquals(10, log.logEndOffset());
        assertEquals(0, log.logStartOffset());
        assertEquals(4, log.segmentCount(), "a segment emptied by compaction stays as an empty file");
        assertEquals(8, result.recordsRead());
        assertEquals(4, result.recordsRetained());
        assertEquals(1, result.segmentsCleaned(), "only the first segment changed; the others are left as they are");
        assertEquals(8, result.cleanedUpTo(), "everything below the active segment is now clean");
        assertTrue(result.bytesAfter() < result.bytesBefore());
        assertTrue(log.size() < sizeBefore);
        assertEquals(4, log.read(0, 1024, true).records().batches().iterator().next().baseOffset(),
                "a fetch from a compacted-away offset returns the next surviving batch");
        assertFalse(new File(logs.dir(), LogSegment.fileName(0, ".log.cleaned")).exists());
        assertFalse(cleaner.needsCleaning(log), "nothing is dirty right after a clean");

        // Appending more makes the log dirty again; the next clean supersedes k1@5 and k5@9.
        append(log, rec("k5", "b"));                                                // 10
        log.roll();
        append(log, rec("k6", "a"));                                                // 11
        assertTrue(cleaner.dirtyRatio(log) > 0);
        cleaner.clean(log);
        assertEquals(List.of("4:k2=b", "6:k4=a", "7:k3=b", "8:k1=d", "10:k5=b", "11:k6=a"), summary(log));
        assertEquals(12, log.logEndOffset());
    }

    @Test
    void cleanIsSkippedUntilTheDirtyRatioReachesMinCleanableDirtyRatio() throws IOException {
        PartitionLog log = open(Map.of("min.cleanable.dirty.ratio", "0.5"), false);
        LogCleaner cleaner = new LogCleaner();
        for (int i = 0; i < 8; i++) append(log, rec("key-" + i, "value-" + i));
        assertFalse(cleaner.needsCleaning(log), "the active segment is not cleanable");
        log.roll();
        assertTrue(cleaner.needsCleaning(log));
        cleaner.clean(log);
        assertEquals(0, cleaner.dirtyRatio(log));
        assertFalse(cleaner.needsCleaning(log));

        // One small dirty segment against a large clean part stays below the ratio.
        append(log, rec("key-1", "value-y"));
        log.roll();
        double ratio = cleaner.dirtyRatio(log);
        assertTrue(ratio > 0 && ratio < 0.5, "ratio " + ratio);
        assertFalse(cleaner.needsCleaning(log));
        log.updateConfig(log.config().withOverrides(Map.of("min.cleanable.dirty.ratio", "0.1")));
        assertTrue(cleaner.needsCleaning(log));
    }

    @Test
    void tombstoneSurvivesTheFirstCleanAndIsRemovedOnceDeleteRetentionHasPassed() throws IOException {
        PartitionLog log = open(Map.of(), false);
        LogCleaner cleaner = new LogCleaner();
        append(log, rec("k1", "a"), rec("k2", "a"));                                // 0-1
        log.roll();
        append(log, rec("k1", null));                                               // 2, tombstone
        log.roll();
        append(log, rec("k3", "a"));                                                // 3, active

        long firstClean = clock.millis();
        cleaner.clean(log);
        assertEquals(List.of("1:k2=a", "2:k1=null", "3:k3=a"), summary(log),
                "the value is gone but the tombstone stays for consumers to see");
        RecordBatch tombstoneBatch = log.read(2, 1024, true).records().batches().iterator().next();
        assertEquals(firstClean + DELETE_RETENTION_MS, tombstoneBatch.deleteHorizonMs().orElseThrow(),
                "the first clean stamps the batch with its delete horizon");
        assertFalse(cleaner.needsCleaning(log));

        clock.advanceMillis(DELETE_RETENTION_MS - 1);
        assertFalse(cleaner.needsCleaning(log));
        cleaner.clean(log);
        assertEquals(List.of("1:k2=a", "2:k1=null", "3:k3=a"), summary(log), "not yet past the horizon");
        assertEquals(firstClean + DELETE_RETENTION_MS,
                log.read(2, 1024, true).records().batches().iterator().next().deleteHorizonMs().orElseThrow(),
                "a later clean does not move the horizon");

        clock.advanceMillis(1);
        assertTrue(cleaner.needsCleaning(log), "a tombstone past its horizon makes the log need cleaning");
        cleaner.clean(log);
        assertEquals(List.of("1:k2=a", "3:k3=a"), summary(log));
        assertEquals(4, log.logEndOffset());
        assertFalse(cleaner.needsCleaning(log));
    }

    @Test
    void tombstoneInTheActiveSegmentIsNotTouched() throws IOException {
        PartitionLog log = open(Map.of(), false);
        LogCleaner cleaner = new LogCleaner();
        append(log, rec("k1", "a"));
        log.roll();
        append(log, rec("k1", null));
        clock.advance(Duration.ofDays(2));
        cleaner.clean(log);
        cleaner.clean(log);
        assertEquals(List.of("0:k1=a", "1:k1=null"), summary(log));
    }

    @Test
    void compactDeletePolicyCompactsAndAlsoAppliesRetention() throws IOException {
        PartitionLog log = open(Map.of("cleanup.policy", "compact,delete",
                "retention.ms", Long.toString(Duration.ofHours(2).toMillis())), false);
        LogCleaner cleaner = new LogCleaner();
        append(log, rec("k1", "a"), rec("k2", "a"));                                // 0-1
        log.roll();
        clock.advance(Duration.ofHours(1));
        append(log, rec("k1", "b"), rec("k3", "a"));                                // 2-3
        log.roll();
        clock.advance(Duration.ofHours(1));
        append(log, rec("k4", "a"));                                                // 4, active

        cleaner.clean(log);
        assertEquals(List.of("1:k2=a", "2:k1=b", "3:k3=a", "4:k4=a"), summary(log));
        assertEquals(0, log.applyRetention(), "the oldest segment is exactly retention.ms old");

        clock.advanceMillis(1);
        assertEquals(1, log.applyRetention());
        assertEquals(2, log.logStartOffset());
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(1, 1024, true));
        assertEquals(List.of("2:k1=b", "3:k3=a", "4:k4=a"), summary(log),
                "retention removes the last record of k2 even on a compacted topic");
        cleaner.clean(log);
        assertEquals(List.of("2:k1=b", "3:k3=a", "4:k4=a"), summary(log));
    }

    @Test
    void compactedLogReopenedAfterCloseReadsTheSameRecords() throws IOException {
        PartitionLog log = open(Map.of(), false);
        LogCleaner cleaner = new LogCleaner();
        for (int round = 0; round < 5; round++) {
            for (int k = 0; k < 20; k++) append(log, rec("key-" + k, "round-" + round));
            append(log, rec("key-" + (round + 100), round % 2 == 0 ? null : "odd"));
            log.roll();
        }
        append(log, rec("key-0", "active"));
        cleaner.clean(log);
        List<Seen> compacted = readAll(log);
        assertEquals(20 + 5 + 1, compacted.size());
        long end = log.logEndOffset();
        logs.close(log);

        PartitionLog afterCleanShutdown = open(Map.of(), true);
        assertEquals(compacted, readAll(afterCleanShutdown));
        assertEquals(end, afterCleanShutdown.logEndOffset());
        logs.close(afterCleanShutdown);

        // Without the checkpoint every segment is recovered: validated batch by batch, indexes rebuilt.
        Files.delete(new File(logs.dir(), PartitionState.FILE_NAME).toPath());
        PartitionLog afterRecovery = open(Map.of(), false);
        assertEquals(compacted, readAll(afterRecovery), "recovery accepts the offset gaps left by compaction");
        assertEquals(end, afterRecovery.logEndOffset());
        assertEquals(end, afterRecovery.append(Batches.of(rec("key-1", "new")).build(), 0, true)
                .firstOffset());
    }

    @Test
    void leftoverCleanedFileIsRemovedWhenTheLogIsOpened() throws IOException {
        PartitionLog log = open(Map.of(), false);
        append(log, rec("k1", "a"), rec("k1", "b"));
        log.roll();
        append(log, rec("k2", "a"));
        List<Seen> records = readAll(log);
        logs.close(log);
        // A crash between writing the cleaned copy and swapping it in leaves this behind.
        File leftover = new File(logs.dir(), LogSegment.fileName(0, ".log.cleaned"));
        Files.write(leftover.toPath(), new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9});

        PartitionLog reopened = open(Map.of(), false);
        assertFalse(leftover.exists());
        assertEquals(records, readAll(reopened));
        assertEquals(3, reopened.logEndOffset());
        assertEquals(List.of("1:k1=b", "2:k2=a"), summary(cleanedBy(new LogCleaner(), reopened)));
    }

    private static PartitionLog cleanedBy(LogCleaner cleaner, PartitionLog log) throws IOException {
        cleaner.clean(log);
        return log;
    }

    @Test
    void minCompactionLagKeepsRecentSegmentsUncleaned() throws IOException {
        PartitionLog log = open(Map.of("min.compaction.lag.ms", Long.toString(Duration.ofHours(1).toMillis()),
                "min.cleanable.dirty.ratio", "0.01"), false);
        LogCleaner cleaner = new LogCleaner();
        append(log, rec("k1", "a"), rec("k1", "b"));                                // 0-1 at T0
        log.roll();
        clock.advance(Duration.ofMinutes(50));
        append(log, rec("k1", "c"));                                                // 2 at T0+50m
        log.roll();
        append(log, rec("k9", "a"));                                                // 3, active

        assertFalse(cleaner.needsCleaning(log), "no segment is an hour old yet");
        assertEquals(0, cleaner.clean(log).recordsRead());
        assertEquals(List.of("0:k1=a", "1:k1=b", "2:k1=c", "3:k9=a"), summary(log));

        clock.advance(Duration.ofMinutes(11));
        assertTrue(cleaner.needsCleaning(log));
        cleaner.clean(log);
        assertEquals(List.of("1:k1=b", "2:k1=c", "3:k9=a"), summary(log),
                "only the first segment is old enough; the younger k1=c does not supersede it yet");

        clock.advance(Duration.ofMinutes(50));
        assertTrue(cleaner.needsCleaning(log));
        cleaner.clean(log);
        assertEquals(List.of("2:k1=c", "3:k9=a"), summary(log));
    }

    @Test
    void deletePolicyTopicIsNeverCompacted() throws IOException {
        PartitionLog log = open(Map.of("cleanup.policy", "delete"), false);
        LogCleaner cleaner = new LogCleaner();
        append(log, rec("k1", "a"), rec("k1", "b"));
        log.roll();
        append(log, rec("k2", "a"));
        assertFalse(cleaner.needsCleaning(log));
        assertEquals(0, cleaner.clean(log).recordsRead());
        assertEquals(List.of("0:k1=a", "1:k1=b", "2:k2=a"), summary(log));
    }

    @Test
    void producerSequenceSurvivesCompactionOfItsLastBatchAndARestart() throws IOException {
        PartitionLog log = open(Map.of(), false);
        LogCleaner cleaner = new LogCleaner();
        long producerId = 4242;
        short epoch = 0;
        MemoryRecords first = Batches.of(rec("unique", "a"), rec("k1", "a")).idempotent(producerId, epoch, 0).build();
        log.append(first, 0, true);                                                 // 0-1, seq 0-1
        MemoryRecords second = Batches.of(rec("k1", "b"), rec("k2", "b")).idempotent(producerId, epoch, 2).build();
        log.append(second, 0, true);                                                // 2-3, seq 2-3
        log.roll();
        append(log, rec("k1", "c"), rec("k2", "c"));                                // 4-5, no producer id
        log.roll();
        append(log, rec("k3", "a"));                                                // 6, active

        cleaner.clean(log);
        assertEquals(List.of("0:unique=a", "4:k1=c", "5:k2=c", "6:k3=a"), summary(log));
        logs.close(log);

        PartitionLog reopened = open(Map.of(), false);
        MemoryRecords retry = Batches.of(rec("k1", "b"), rec("k2", "b")).idempotent(producerId, epoch, 2).build();
        LogAppendInfo duplicate = reopened.append(retry, 0, true);
        assertTrue(duplicate.duplicate(), "the emptied batch still identifies a retry after a restart");
        assertEquals(2, duplicate.firstOffset());
        assertEquals(3, duplicate.lastOffset());
        LogAppendInfo next = reopened.append(Batches.of(rec("k4", "a")).idempotent(producerId, epoch, 4).build(), 0, true);
        assertFalse(next.duplicate());
        assertEquals(7, next.firstOffset(), "sequence 4 follows the compacted batch's sequence 3");
    }

    @Test
    void appendsAndRollsDuringCleaningLoseNoRecordAndKeepTheLastValueOfEveryKey() throws Exception {
        PartitionLog log = open(Map.of("segment.bytes", "4096"), false);
        LogCleaner cleaner = new LogCleaner();
        int total = 3000;
        int keys = 40;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread producer = new Thread(() -> {
            try {
                for (int i = 0; i < total; i++) {
                    append(log, record(T0, "key-" + (i % keys), "value-" + i));
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        producer.start();
        int passes = 0;
        while (producer.isAlive()) {
            cleaner.clean(log);
            passes++;
        }
        producer.join();
        assertNull(failure.get());
        assertTrue(passes > 0);
        assertEquals(total, log.logEndOffset());

        log.roll();
        cleaner.clean(log);
        List<Seen> survivors = readAll(log);
        assertEquals(keys, survivors.size());
        for (Seen s : survivors) {
            assertEquals("value-" + s.offset(), s.value(), "every survivor is the record appended at its offset");
            assertTrue(s.offset() >= total - keys, "only the last record of each key survives: " + s);
        }
    }
}
