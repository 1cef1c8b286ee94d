package io.tributary.broker.log;

import io.tributary.broker.testing.ManualClock;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedForMessageFormatException;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Batches a producer sends are checked before anything is written; a refused batch leaves the log untouched. */
class RecordBatchValidatorTest {
    private static final TopicPartition TP = new TopicPartition("audit", 2);
    private static final long NOW = 1_700_000_000_000L;

    @TempDir
    Path tmp;

    private ScheduledExecutorService scheduler;
    private final List<PartitionLog> logs = new ArrayList<>();
    private final ManualClock clock = new ManualClock(NOW);

    @BeforeEach
    void startScheduler() {
        scheduler = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void closeLogsAndScheduler() throws Exception {
        for (PartitionLog log : logs) log.close();
        scheduler.shutdownNow();
        assertTrue(scheduler.awaitTermination(10, TimeUnit.SECONDS));
    }

    private static LogConfig config(Map<String, String> overrides) {
        return LogConfig.brokerDefaults(Map.of()).withOverrides(overrides);
    }

    /** A log that already holds a few records, so "untouched" means more than "empty". */
    private PartitionLog openWithData(Map<String, String> overrides) throws IOException {
        File dir = tmp.resolve("audit-2").toFile();
        PartitionLog log = PartitionLog.open(TP, dir, config(overrides), false, clock, scheduler);
        logs.add(log);
        log.append(MemoryRecords.withRecords(Compression.NONE, record("a", 10), record("b", 10)), 0, true);
        log.append(MemoryRecords.withRecords(Compression.NONE, record("c", 10)), 0, true);
        return log;
    }

    private static SimpleRecord record(String key, int valueBytes) {
        return record(NOW, key, valueBytes);
    }

    private static SimpleRecord record(long timestamp, String key, int valueBytes) {
        byte[] value = new byte[valueBytes];
        for (int i = 0; i < valueBytes; i++) value[i] = (byte) ('a' + i % 26);
        return new SimpleRecord(timestamp, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
    }

    /** Asserts that appending {@code records} throws {@code type} and that no byte of the log changed. */
    private static <T extends Throwable> T assertRefusedAndLogUntouched(PartitionLog log, MemoryRecords records, Class<T> type)
            throws IOException {
        long end = log.logEndOffset();
        long hw = log.highWatermark();
        long size = log.size();
        File active = LogSegment.logFile(log.dir(), log.segments().get(log.segmentCount() - 1).baseOffset());
        long fileLength = active.length();
        int segments = log.segmentCount();

        T thrown = assertThrows(type, () -> log.append(records, 0, true));

        assertEquals(end, log.logEndOffset(), "log end offset");
        assertEquals(hw, log.highWatermark(), "high watermark");
        assertEquals(size, log.size(), "log size");
        assertEquals(fileLength, active.length(), "segment file length");
        assertEquals(segments, log.segmentCount(), "segment count");
        assertEquals(end, log.append(MemoryRecords.withRecords(Compression.NONE, record("after", 5)), 0, true).firstOffset(),
                "the next valid batch takes the offset the refused one would have had");
        return thrown;
    }

    @Test
    void validBatchIsAcceptedWithItsRecordCountAndSize() {
        MemoryRecords records = MemoryRecords.withRecords(Compression.NONE, record("k1", 10), record("k2", 20), record(null, 0));
        RecordBatchValidator.Validated validated = RecordBatchValidator.validate(TP, records, config(Map.of()), NOW, AppendOrigin.CLIENT);
        assertEquals(1, validated.batches().size());
        assertEquals(3, validated.recordCount());
        assertEquals(records.sizeInBytes(), validated.sizeInBytes());
    }

    @Test
    void batchWithABadCrcIsRefusedAsCorrupt() throws IOException {
        PartitionLog log = openWithData(Map.of());
        MemoryRecords records = MemoryRecords.withRecords(Compression.NONE, record("k", 50));
        ByteBuffer buffer = records.buffer();
        int last = buffer.limit() - 3; // inside the record's value
        buffer.put(last, (byte) (buffer.get(last) ^ 0x01));
        CorruptRecordException e = assertRefusedAndLogUntouched(log, MemoryRecords.readableRecords(buffer), CorruptRecordException.class);
        assertTrue(e.getMessage().contains(TP.toString()), e.getMessage());
    }

    @Test
    void truncatedBatchIsRefusedAsCorrupt() throws IOException {
        PartitionLog log = openWithData(Map.of());
        ByteBuffer whole = MemoryRecords.withRecords(Compression.NONE, record("k", 100), record("l", 100)).buffer();
        for (int keep : new int[] {5, 16, DefaultRecordBatch.RECORD_BATCH_OVERHEAD - 1, DefaultRecordBatch.RECORD_BATCH_OVERHEAD + 10, whole.limit() - 1}) {
            ByteBuffer cut = ByteBuffer.wrap(Utils.toArray(whole), 0, keep).slice();
            assertRefusedAndLogUntouched(log, MemoryRecords.readableRecords(cut), CorruptRecordException.class);
        }
    }

    @Test
    void wholeBatchFollowedByATruncatedOneIsRefusedAsCorrupt() throws IOException {
        PartitionLog log = openWithData(Map.of());
        byte[] first = Utils.toArray(MemoryRecords.withRecords(Compression.NONE, record("k", 10)).buffer());
        byte[] second = Utils.toArray(MemoryRecords.withRecords(Compression.NONE, record("l", 10)).buffer());
        ByteBuffer both = ByteBuffer.allocate(first.length + second.length - 7);
        both.put(first).put(second, 0, second.length - 7).flip();
        long end = log.logEndOffset();
        assertThrows(CorruptRecordException.class, () -> log.append(MemoryRecords.readableRecords(both), 0, false));
        assertEquals(end, log.logEndOffset());
    }

    @Test
    void batchLargerThanMaxMessageBytesIsRefused() throws IOException {
        PartitionLog log = openWithData(Map.of("max.message.bytes", "500"));
        MemoryRecords big = MemoryRecords.withRecords(Compression.NONE, record("k", 600));
        RecordTooLargeException e = assertRefusedAndLogUntouched(log, big, RecordTooLargeException.class);
        assertTrue(e.getMessage().contains("500"), e.getMessage());

        MemoryRecords fits = MemoryRecords.withRecords(Compression.NONE, record("k", 100));
        LogConfig exact = config(Map.of("max.message.bytes", Integer.toString(fits.sizeInBytes())));
        assertEquals(1, RecordBatchValidator.validate(TP, fits, exact, NOW, AppendOrigin.CLIENT).recordCount(),
                "a batch of exactly max.message.bytes is accepted");
    }

    @Test
    void batchLargerThanASegmentIsRefused() throws IOException {
        PartitionLog log = openWithData(Map.of("segment.bytes", "400"));
        assertRefusedAndLogUntouched(log, MemoryRecords.withRecords(Compression.NONE, record("k", 500)),
                RecordBatchTooLargeException.class);
    }

    @Test
    void legacyMagicV1BatchIsRefused() throws IOException {
        PartitionLog log = openWithData(Map.of());
        MemoryRecords v1 = MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V1, Compression.NONE, record("k", 10));
        assertEquals(RecordBatch.MAGIC_VALUE_V1, v1.batches().iterator().next().magic());
        assertRefusedAndLogUntouched(log, v1, UnsupportedForMessageFormatException.class);
    }

    @Test
    void recordWithoutKeyIsRefusedOnACompactedTopic() throws IOException {
        PartitionLog log = openWithData(Map.of("cleanup.policy", "compact"));
        MemoryRecords records = MemoryRecords.withRecords(Compression.NONE, record("k", 10), record(null, 10));
        InvalidRecordException e = assertRefusedAndLogUntouched(log, records, InvalidRecordException.class);
        assertTrue(e.getMessage().contains("key"), e.getMessage());
    }

    @Test
    void compressedRecordWithoutKeyIsRefusedOnACompactedTopic() throws IOException {
        PartitionLog log = openWithData(Map.of("cleanup.policy", "compact,delete"));
        MemoryRecords records = MemoryRecords.withRecords(Compression.gzip().build(), record("k", 10), record(null, 10));
        assertRefusedAndLogUntouched(log, records, InvalidRecordException.class);
    }

    @Test
    void recordWithoutKeyIsAcceptedOnADeleteTopic() throws IOException {
        PartitionLog log = openWithData(Map.of());
        assertEquals(3, log.append(MemoryRecords.withRecords(Compression.NONE, record(null, 10)), 0, true).firstOffset());
    }

    @Test
    void timestampTooFarInTheFutureIsRefused() throws IOException {
        PartitionLog log = openWithData(Map.of("message.timestamp.after.max.ms", "3600000"));
        MemoryRecords future = MemoryRecords.withRecords(Compression.NONE, record(NOW, "k", 5), record(NOW + 3_600_001, "l", 5));
        InvalidTimestampException e = assertRefusedAndLogUntouched(log, future, InvalidTimestampException.class);
        assertTrue(e.getMessage().contains("message.timestamp.after.max.ms"), e.getMessage());

        MemoryRecords atLimit = MemoryRecords.withRecords(Compression.NONE, record(NOW + 3_600_000, "k", 5));
        assertEquals(1, RecordBatchValidator.validate(TP, atLimit, log.config(), NOW, AppendOrigin.CLIENT).recordCount());
    }

    @Test
    void timestampTooFarInThePastIsRefusedWhenTheTopicBoundsIt() throws IOException {
        PartitionLog log = openWithData(Map.of("message.timestamp.before.max.ms", "60000"));
        assertRefusedAndLogUntouched(log, MemoryRecords.withRecords(Compression.NONE, record(NOW - 60_001, "k", 5)),
                InvalidTimestampException.class);
    }

    @Test
    void producerTimestampsAreNotCheckedOnALogAppendTimeTopic() throws IOException {
        PartitionLog log = openWithData(Map.of("message.timestamp.type", "LogAppendTime"));
        LogAppendInfo info = log.append(MemoryRecords.withRecords(Compression.NONE, record(NOW + 86_400_000L, "k", 5)), 0, true);
        assertEquals(NOW, info.logAppendTime());
    }

    @Test
    void controlBatchFromAClientIsRefused() throws IOException {
        PartitionLog log = openWithData(Map.of());
        MemoryRecords marker = MemoryRecords.withEndTransactionMarker(NOW, 77L, (short) 0,
                new org.apache.kafka.common.record.EndTransactionMarker(
                        org.apache.kafka.common.record.ControlRecordType.COMMIT, 0));
        assertRefusedAndLogUntouched(log, marker, InvalidRecordException.class);
    }

    @Test
    void produceRequestWithTwoBatchesForOnePartitionIsRefused() throws IOException {
        PartitionLog log = openWithData(Map.of());
        byte[] first = Utils.toArray(MemoryRecords.withRecords(Compression.NONE, record("k", 10)).buffer());
        byte[] second = Utils.toArray(MemoryRecords.withRecords(Compression.NONE, record("l", 10)).buffer());
        ByteBuffer both = ByteBuffer.allocate(first.length + second.length);
        both.put(first).put(second).flip();
        assertRefusedAndLogUntouched(log, MemoryRecords.readableRecords(both), InvalidRecordException.class);
    }

    @Test
    void emptyRecordsAreRefused() throws IOException {
        PartitionLog log = openWithData(Map.of());
        assertRefusedAndLogUntouched(log, MemoryRecords.EMPTY, InvalidRecordException.class);
    }

    // ---- what is inside a compressed batch -------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"GZIP", "SNAPPY", "LZ4", "ZSTD"})
    void compressedBatchWhoseHeaderClaimsMoreRecordsThanItHoldsIsRefusedAndOffsetsDoNotJump(CompressionType type)
            throws IOException {
        PartitionLog log = openWithData(Map.of());
        MemoryRecords one = ForgedBatches.batch(type, NOW, "only record");
        // count and last offset delta agree with each other, not with the one record inside
        MemoryRecords forged = ForgedBatches.withCountAndLastOffsetDelta(one, 1000, 999);
        InvalidRecordException e = assertRefusedAndLogUntouched(log, forged, InvalidRecordException.class);
        assertTrue(e.getMessage().contains(TP.toString()), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"GZIP", "ZSTD"})
    void compressedBatchWhoseHeaderClaimsFewerRecordsThanItHoldsIsRefused(CompressionType type) throws IOException {
        PartitionLog log = openWithData(Map.of());
        MemoryRecords three = ForgedBatches.batch(type, NOW, "a", "b", "c");
        assertRefusedAndLogUntouched(log, ForgedBatches.withCountAndLastOffsetDelta(three, 1, 0),
                InvalidRecordException.class);
    }

    @Test
    void compressedBatchWhoseOffsetDeltasDoNotRunFromZeroIsRefused() throws IOException {
        PartitionLog log = openWithData(Map.of());
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1024), Compression.lz4().build(),
                org.apache.kafka.common.record.TimestampType.CREATE_TIME, 0L);
        builder.appendWithOffset(0, record("k", 5));
        builder.appendWithOffset(2, record("l", 5));
        builder.overrideLastOffset(1); // the header says two records, deltas 0..1, as they should be
        InvalidRecordException e = assertRefusedAndLogUntouched(log, builder.build(), InvalidRecordException.class);
        assertTrue(e.getMessage().contains("offset delta 2"), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"GZIP", "SNAPPY", "LZ4", "ZSTD"})
    void compressedBatchWhosePayloadDoesNotDecompressIsRefusedAsCorrupt(CompressionType type) throws IOException {
        PartitionLog log = openWithData(Map.of());
        MemoryRecords garbled = ForgedBatches.withGarbledPayload(ForgedBatches.batch(type, NOW, "x".repeat(100), "y"));
        CorruptRecordException e = assertRefusedAndLogUntouched(log, garbled, CorruptRecordException.class);
        assertTrue(e.getMessage().contains(TP.toString()), e.getMessage());
    }

    @Test
    void snappyBatchWithANegativeChunkLengthIsRefusedAsCorrupt() throws IOException {
        PartitionLog log = openWithData(Map.of());
        CorruptRecordException e = assertRefusedAndLogUntouched(log, ForgedBatches.snappyWithNegativeChunkLength(NOW),
                CorruptRecordException.class);
        assertTrue(e.getMessage().contains("snappy"), e.getMessage());
    }

    @Test
    void timestampOfEachRecordInACompressedBatchIsChecked() throws IOException {
        PartitionLog log = openWithData(Map.of("message.timestamp.before.max.ms", "60000"));
        // the batch's max timestamp (the newest record) is within bounds; the older record is not
        MemoryRecords records = MemoryRecords.withRecords(Compression.zstd().build(),
                record(NOW - 60_001, "old", 5), record(NOW, "new", 5));
        InvalidTimestampException e = assertRefusedAndLogUntouched(log, records, InvalidTimestampException.class);
        assertTrue(e.getMessage().contains("message.timestamp.before.max.ms"), e.getMessage());
    }

    @Test
    void batchWithAProducerIdButNoBaseSequenceIsRefused() throws IOException {
        PartitionLog log = openWithData(Map.of());
        for (Compression compression : List.of(Compression.NONE, Compression.gzip().build())) {
            MemoryRecords records = ForgedBatches.withBaseSequence(
                    MemoryRecords.withIdempotentRecords(compression, 42L, (short) 0, 0, record("k", 5)), RecordBatch.NO_SEQUENCE);
            InvalidRecordException e = assertRefusedAndLogUntouched(log, records, InvalidRecordException.class);
            assertTrue(e.getMessage().contains("sequence"), e.getMessage());
        }
    }

    @Test
    void compressedRecordLargerThanMaxDecompressedMessageBytesIsRefusedWithoutReadingIt() throws IOException {
        PartitionLog log = openWithData(Map.of("max.decompressed.message.bytes", "1048576"));
        // about 8 KiB on the wire, 256 MiB once decompressed
        MemoryRecords bomb = ForgedBatches.compressedZeros(CompressionType.ZSTD, 1, 256 << 20, NOW);
        assertTrue(bomb.sizeInBytes() < 64 * 1024, "the batch is small: " + bomb.sizeInBytes());
        long allocatedBefore = allocatedBytes();
        InvalidRecordException e = assertRefusedAndLogUntouched(log, bomb, InvalidRecordException.class);
        long allocated = allocatedBytes() - allocatedBefore;
        assertTrue(e.getMessage().contains("max.decompressed.message.bytes 1048576"), e.getMessage());
        assertTrue(allocated < 32L << 20, "refusing the batch allocated " + allocated + " bytes");

        // records within the limit are accepted, however many there are
        MemoryRecords many = ForgedBatches.compressedZeros(CompressionType.ZSTD, 16, (1 << 20) - 100, NOW);
        assertEquals(16, log.append(many, 0, true).recordCount());
    }

    @Test
    void maxDecompressedMessageBytesDoesNotApplyToUncompressedRecords() throws IOException {
        PartitionLog log = openWithData(Map.of("max.decompressed.message.bytes", "100"));
        assertEquals(1, log.append(MemoryRecords.withRecords(Compression.NONE, record("k", 1000)), 0, true).recordCount());
        assertThrows(InvalidRecordException.class,
                () -> log.append(MemoryRecords.withRecords(Compression.gzip().build(), record("k", 1000)), 0, true));
    }

    /** Bytes this thread has allocated so far (HotSpot's per-thread allocation counter). */
    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().getId());
    }
}
