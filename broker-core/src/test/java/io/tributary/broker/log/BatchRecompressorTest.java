package io.tributary.broker.log;

import io.tributary.broker.testing.ManualClock;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A topic's compression.type: batches are rebuilt in the topic's codec with everything else kept. */
class BatchRecompressorTest {
    private static final TopicPartition TP = new TopicPartition("metrics", 0);
    private static final long T0 = 1_700_000_000_000L;
    private static final long PID = 9_000L;
    private static final short EPOCH = 3;

    @TempDir
    Path tmp;

    private ScheduledExecutorService scheduler;
    private final List<PartitionLog> logs = new ArrayList<>();
    private final ManualClock clock = new ManualClock(T0);

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

    private PartitionLog open(String compressionType) throws IOException {
        LogConfig config = LogConfig.brokerDefaults(Map.of()).withOverrides(Map.of("compression.type", compressionType));
        PartitionLog log = PartitionLog.open(TP, tmp.resolve("metrics-0").toFile(), config, false, clock, scheduler);
        logs.add(log);
        return log;
    }

    private static SimpleRecord[] records(int count) {
        SimpleRecord[] records = new SimpleRecord[count];
        for (int i = 0; i < count; i++) {
            byte[] key = i % 3 == 0 ? null : ("k" + i).getBytes(StandardCharsets.UTF_8);
            Header[] headers = {new RecordHeader("h", ("v" + i).getBytes(StandardCharsets.UTF_8)), new RecordHeader("n", null)};
            records[i] = new SimpleRecord(T0 + 7 * i, key, ("value-" + i).repeat(5).getBytes(StandardCharsets.UTF_8), headers);
        }
        return records;
    }

    private static MemoryRecords idempotent(Compression compression, int baseSequence, SimpleRecord... records) {
        return MemoryRecords.withIdempotentRecords(compression, PID, EPOCH, baseSequence, records);
    }

    private static List<Record> recordsOf(RecordBatch batch) {
        List<Record> out = new ArrayList<>();
        batch.forEach(out::add);
        return out;
    }

    private static void assertSameContent(RecordBatch expected, RecordBatch actual) {
        assertEquals(expected.baseOffset(), actual.baseOffset());
        assertEquals(expected.lastOffset(), actual.lastOffset());
        assertEquals(expected.producerId(), actual.producerId());
        assertEquals(expected.producerEpoch(), actual.producerEpoch());
        assertEquals(expected.baseSequence(), actual.baseSequence());
        assertEquals(expected.lastSequence(), actual.lastSequence());
        assertEquals(expected.isTransactional(), actual.isTransactional());
        assertEquals(expected.timestampType(), actual.timestampType());
        assertEquals(expected.maxTimestamp(), actual.maxTimestamp());
        List<Record> want = recordsOf(expected);
        List<Record> got = recordsOf(actual);
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) {
            Record w = want.get(i);
            Record g = got.get(i);
            assertEquals(w.offset(), g.offset());
            assertEquals(w.timestamp(), g.timestamp());
            assertEquals(w.key(), g.key());
            assertEquals(w.value(), g.value());
            assertArrayEquals(w.headers(), g.headers());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"uncompressed", "gzip", "snappy", "lz4", "zstd"})
    void rebuiltBatchKeepsEverythingButTheCodec(String target) {
        // Offset deltas with a non-zero base, as after a producer's retry into a fresh batch.
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(4096), RecordBatch.MAGIC_VALUE_V2,
                Compression.gzip().build(), TimestampType.CREATE_TIME, 40L, RecordBatch.NO_TIMESTAMP, PID, EPOCH, 17,
                false, false, 5);
        for (SimpleRecord r : records(6)) builder.append(r);
        MemoryRecords original = builder.build();

        MemoryRecords rebuilt = BatchRecompressor.recompress(original, target, Integer.MAX_VALUE);

        MutableRecordBatch before = original.batches().iterator().next();
        MutableRecordBatch after = rebuilt.batches().iterator().next();
        CompressionType expected = target.equals("uncompressed") ? CompressionType.NONE : CompressionType.forName(target);
        assertEquals(expected, after.compressionType());
        after.ensureValid();
        assertEquals(5, after.partitionLeaderEpoch());
        assertSameContent(before, after);
        if (target.equals("gzip")) assertSame(original, rebuilt, "a batch already in the topic's codec is kept as is");
    }

    @Test
    void producerCompressionTypeKeepsTheBatch() {
        MemoryRecords original = idempotent(Compression.snappy().build(), 0, records(3));
        assertSame(original, BatchRecompressor.recompress(original, "producer", Integer.MAX_VALUE));
        assertNull(BatchRecompressor.targetCodec("producer"));
    }

    @Test
    void zstdTopicStoresZstdAndReadsBackTheSameRecords() throws IOException {
        PartitionLog log = open("zstd");
        MemoryRecords sent = idempotent(Compression.NONE, 0, records(10));
        RecordBatch sentBatch = sent.batches().iterator().next();

        LogAppendInfo info = log.append(sent, 0, true);

        assertEquals(0, info.firstOffset());
        assertEquals(9, info.lastOffset());
        List<RecordBatch> stored = new ArrayList<>();
        log.read(0, Integer.MAX_VALUE, true).records().batches().forEach(stored::add);
        assertEquals(1, stored.size());
        assertEquals(CompressionType.ZSTD, stored.get(0).compressionType());
        assertSameContent(sentBatch, stored.get(0));
    }

    @Test
    void retryOfARecompressedIdempotentBatchIsADuplicate() throws IOException {
        PartitionLog log = open("zstd");
        SimpleRecord[] first = records(4);
        LogAppendInfo original = log.append(idempotent(Compression.gzip().build(), 0, first), 0, true);
        LogAppendInfo next = log.append(idempotent(Compression.NONE, 4, records(2)), 0, true);
        long end = log.logEndOffset();
        long size = log.size();

        LogAppendInfo retry = log.append(idempotent(Compression.gzip().build(), 0, first), 0, true);

        assertTrue(retry.duplicate(), "the retry is recognised after recompression");
        assertEquals(original.firstOffset(), retry.firstOffset());
        assertEquals(original.lastOffset(), retry.lastOffset());
        assertEquals(end, log.logEndOffset());
        assertEquals(size, log.size(), "the retry is not written again");
        assertEquals(4, next.firstOffset());
    }

    @Test
    void producerStateRebuiltFromRecompressedBatchesStillDetectsRetries() throws IOException {
        PartitionLog log = open("lz4");
        SimpleRecord[] first = records(3);
        LogAppendInfo original = log.append(idempotent(Compression.NONE, 0, first), 0, true);
        log.close();
        logs.remove(log);

        PartitionLog reopened = open("lz4");
        LogAppendInfo retry = reopened.append(idempotent(Compression.NONE, 0, first), 0, true);

        assertTrue(retry.duplicate());
        assertEquals(original.lastOffset(), retry.lastOffset());
        assertEquals(3, reopened.logEndOffset());
    }

    @Test
    void uncompressedTopicDecompressesAndOffsetsStayContiguous() throws IOException {
        PartitionLog log = open("uncompressed");
        log.append(MemoryRecords.withRecords(Compression.gzip().build(), records(5)), 0, true);
        log.append(MemoryRecords.withRecords(Compression.zstd().build(), records(3)), 0, true);

        List<Long> offsets = new ArrayList<>();
        for (RecordBatch batch : log.read(0, Integer.MAX_VALUE, true).records().batches()) {
            assertEquals(CompressionType.NONE, batch.compressionType());
            for (Record r : batch) offsets.add(r.offset());
        }
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L), offsets);
    }

    @Test
    void rebuildStopsAsSoonAsTheRebuiltBatchPassesMaxMessageBytes() throws IOException {
        // 8 KiB of zstd on the wire, 256 MiB of records once decompressed, none above the per-record limit
        MemoryRecords bomb = ForgedBatches.compressedZeros(CompressionType.ZSTD, 32, (8 << 20) - 100, T0);
        long allocatedBefore = allocatedBytes();
        RecordTooLargeException e = assertThrows(RecordTooLargeException.class,
                () -> BatchRecompressor.recompress(bomb, "uncompressed", 1 << 20));
        long allocated = allocatedBytes() - allocatedBefore;
        assertTrue(e.getMessage().contains("max.message.bytes 1048576"), e.getMessage());
        assertTrue(allocated < 64L << 20, "the refused rebuild allocated " + allocated + " bytes");

        PartitionLog log = open("uncompressed");
        assertThrows(RecordTooLargeException.class, () -> log.append(bomb, 0, true));
        assertEquals(0, log.logEndOffset());
        assertEquals(0, log.size());
    }

    @Test
    void codecFailureWhileRebuildingIsReportedAsCorrupt() {
        // snappy-java throws an Error (SnappyError) for a negative chunk length
        MemoryRecords broken = ForgedBatches.snappyWithNegativeChunkLength(T0);
        CorruptRecordException e = assertThrows(CorruptRecordException.class,
                () -> BatchRecompressor.recompress(broken, "gzip", Integer.MAX_VALUE));
        assertTrue(e.getMessage().contains("snappy"), e.getMessage());
    }

    /** Bytes this thread has allocated so far (HotSpot's per-thread allocation counter). */
    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().getId());
    }
}
