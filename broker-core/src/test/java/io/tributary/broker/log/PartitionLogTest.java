package io.tributary.broker.log;

import io.tributary.broker.testing.Batches;
import io.tributary.broker.testing.LogFixture;
import io.tributary.broker.testing.ManualClock;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.tributary.broker.testing.Batches.record;
import static io.tributary.broker.testing.ManualClock.T0;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PartitionLogTest {
    @RegisterExtension
    final LogFixture logs = new LogFixture("orders", 3).withSystemClock();

    /** One record as the producer sent it, with the offset it is expected to get. */
    private record Sent(long offset, long timestamp, byte[] key, byte[] value, Header[] headers) {
    }

    /** {@code count} records numbered from their expected offset (key-n, value-n) at {@code timestamp}. */
    private static MemoryRecords records(int count, long firstOffset, long timestamp) {
        return Batches.of(count).numberedFrom(firstOffset).timestamp(timestamp).build();
    }

    /** The log of orders-3 with the manual clock, which these tests move. */
    private PartitionLog openWithManualClock(Map<String, String> overrides) throws IOException {
        return logs.open(logs.dir(), overrides, false, logs.clock());
    }

    /** Varied records: some without key, some with headers, values of different sizes. */
    private static List<Sent> variedBatch(Random random, long firstOffset, long baseTimestamp) {
        int count = 1 + random.nextInt(5);
        List<Sent> sent = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long offset = firstOffset + i;
            byte[] key = random.nextInt(4) == 0 ? null : ("key-" + offset).getBytes(StandardCharsets.UTF_8);
            byte[] value = new byte[random.nextInt(300)];
            random.nextBytes(value);
            Header[] headers = random.nextBoolean() ? new Header[0] : new Header[] {
                    new RecordHeader("trace", ("t-" + offset).getBytes(StandardCharsets.UTF_8)),
                    new RecordHeader("empty", null)};
            sent.add(new Sent(offset, baseTimestamp + random.nextInt(100), key, value, headers));
        }
        return sent;
    }

    private static MemoryRecords toRecords(List<Sent> sent) {
        SimpleRecord[] records = sent.stream()
                .map(s -> new SimpleRecord(s.timestamp(), s.key(), s.value(), s.headers()))
                .toArray(SimpleRecord[]::new);
        return Batches.of(records).build();
    }

    /** The bytes of a batch read from a segment file. */
    private static byte[] bytes(RecordBatch batch) {
        ByteBuffer buffer = ByteBuffer.allocate(batch.sizeInBytes());
        ((FileChannelRecordBatch) batch).writeTo(buffer);
        return buffer.array();
    }

    /** Every record from {@code from} to the log end offset, read batch by batch. */
    private static List<Record> readAll(PartitionLog log, long from) {
        List<Record> out = new ArrayList<>();
        long next = from;
        while (next < log.logEndOffset()) {
            LogReadResult result = log.read(next, 64 * 1024, true);
            assertTrue(result.sizeInBytes() > 0, "a read at " + next + " below the log end returns data");
            for (RecordBatch batch : result.records().batches()) {
                for (Record record : batch) {
                    if (record.offset() >= next) out.add(record);
                }
                next = batch.lastOffset() + 1;
            }
        }
        return out;
    }

    private static void assertSameRecord(Sent expected, Record actual) {
        assertEquals(expected.offset(), actual.offset());
        assertEquals(expected.timestamp(), actual.timestamp(), "timestamp of offset " + expected.offset());
        if (expected.key() == null) {
            assertFalse(actual.hasKey(), "offset " + expected.offset() + " was sent without a key");
        } else {
            assertArrayEquals(expected.key(), Utils.toArray(actual.key()), "key of offset " + expected.offset());
        }
        assertArrayEquals(expected.value(), Utils.toArray(actual.value()), "value of offset " + expected.offset());
        assertEquals(expected.headers().length, actual.headers().length);
        for (int i = 0; i < expected.headers().length; i++) {
            assertEquals(expected.headers()[i].key(), actual.headers()[i].key());
            assertArrayEquals(expected.headers()[i].value(), actual.headers()[i].value());
        }
    }

    @Test
    void offsetsAreAssignedContiguouslyFromZeroAcrossManyAppends() throws IOException {
        PartitionLog log = logs.open(Map.of("segment.bytes", "8192"));
        long expectedFirst = 0;
        for (int i = 0; i < 300; i++) {
            int count = 1 + i % 7;
            LogAppendInfo info = log.append(records(count, expectedFirst, T0), 0, true);
            assertEquals(expectedFirst, info.firstOffset(), "append " + i);
            assertEquals(expectedFirst + count - 1, info.lastOffset());
            assertEquals(count, info.recordCount());
            assertFalse(info.duplicate());
            assertEquals(-1, info.logAppendTime(), "CreateTime topics report no append time");
            expectedFirst += count;
            assertEquals(expectedFirst, log.logEndOffset());
            assertEquals(expectedFirst, log.highWatermark());
        }
        assertTrue(log.segmentCount() > 1);
        List<Record> all = readAll(log, 0);
        assertEquals(expectedFirst, all.size());
        for (int i = 0; i < all.size(); i++) {
            assertEquals(i, all.get(i).offset());
            assertEquals("value-" + i, Utils.utf8(all.get(i).value()));
        }
    }

    @Test
    void recordsWithoutATimestampAreStoredAndReadBackPastTheIndexInterval() throws IOException {
        // A producer may send CreateTime batches whose records carry no timestamp (-1), as Kafka accepts.
        PartitionLog log = logs.open(Map.of("index.interval.bytes", "128"));
        long next = 0;
        for (int i = 0; i < 20; i++) {
            LogAppendInfo info = log.append(records(5, next, RecordBatch.NO_TIMESTAMP), 0, true);
            assertEquals(next, info.firstOffset());
            next += 5;
        }
        List<Record> all = readAll(log, 0);
        assertEquals(100, all.size());
        assertEquals(RecordBatch.NO_TIMESTAMP, all.get(99).timestamp());
        assertEquals("value-99", Utils.utf8(all.get(99).value()));
    }

    @Test
    void segmentRollsBeforeABatchThatWouldExceedSegmentBytes() throws IOException {
        int segmentBytes = 1024;
        PartitionLog log = logs.open(Map.of("segment.bytes", Integer.toString(segmentBytes)));
        long next = 0;
        for (int i = 0; i < 120; i++) {
            next = log.append(records(1 + i % 4, next, T0), 0, true).lastOffset() + 1;
        }
        List<LogSegment> segments = log.segments();
        assertTrue(segments.size() >= 5, "expected several segments, got " + segments.size());
        assertEquals(0, segments.get(0).baseOffset());
        for (int i = 0; i < segments.size() - 1; i++) {
            LogSegment segment = segments.get(i);
            LogSegment following = segments.get(i + 1);
            assertTrue(segment.sizeInBytes() <= segmentBytes, segment + " exceeds segment.bytes");
            assertEquals(segment.nextOffset(), following.baseOffset(), "segments are contiguous");
            int firstBatchOfNext = following.records().batches().iterator().next().sizeInBytes();
            assertTrue(segment.sizeInBytes() + firstBatchOfNext > segmentBytes,
                    segment + " rolled although the next batch of " + firstBatchOfNext + " bytes fit");
            assertTrue(LogSegment.logFile(log.dir(), segment.baseOffset()).exists());
        }
        assertEquals(next, log.logEndOffset());
        assertEquals(next, readAll(log, 0).size());
    }

    @Test
    void segmentRollsOnceSegmentMsHasPassedSinceItWasCreated() throws IOException {
        ManualClock clock = logs.clock();
        PartitionLog log = openWithManualClock(Map.of("segment.ms", "60000"));
        log.append(records(2, 0, T0), 0, true);
        clock.advanceMillis(59_999);
        log.append(records(2, 2, clock.millis()), 0, true);
        assertEquals(1, log.segmentCount(), "segment.ms has not yet passed");

        clock.advanceMillis(1);
        LogAppendInfo info = log.append(records(3, 4, clock.millis()), 0, true);
        assertEquals(2, log.segmentCount());
        assertEquals(4, info.firstOffset());
        assertEquals(4, log.segments().get(1).baseOffset(), "the new segment starts at the appended batch");
        assertEquals(4, log.segments().get(0).nextOffset());

        clock.advanceMillis(30_000);
        log.append(records(1, 7, clock.millis()), 0, true);
        assertEquals(2, log.segmentCount(), "segment.ms counts from the new segment's creation");
        assertEquals(8, readAll(log, 0).size());
    }

    @Test
    void idleActiveSegmentRollsByTimeWithoutNewAppendsButAnEmptyOneDoesNot() throws IOException {
        ManualClock clock = logs.clock();
        PartitionLog log = openWithManualClock(Map.of("segment.ms", "1000"));
        log.append(records(3, 0, T0), 0, true);
        clock.advanceMillis(999);
        log.maybeRollByTime();
        assertEquals(1, log.segmentCount());
        clock.advanceMillis(1);
        log.maybeRollByTime();
        assertEquals(2, log.segmentCount());
        LogSegment active = log.segments().get(1);
        assertTrue(active.isEmpty());
        assertEquals(3, active.baseOffset());

        clock.advanceMillis(5_000);
        log.maybeRollByTime();
        assertEquals(2, log.segmentCount(), "an empty active segment is never rolled");
        assertEquals(3, log.append(records(1, 3, T0), 0, true).firstOffset());
    }

    @Test
    void readFromAnyOffsetReturnsTheBatchHoldingItByteForByteAsSent() throws IOException {
        PartitionLog log = logs.open(Map.of("segment.bytes", "3000", "index.interval.bytes", "256"));
        Random random = new Random(42);
        List<byte[]> expectedBatches = new ArrayList<>();
        List<long[]> batchOffsets = new ArrayList<>();
        long next = 0;
        for (int b = 0; b < 80; b++) {
            List<Sent> sent = variedBatch(random, next, T0 + 1_000L * b);
            MemoryRecords records = toRecords(sent);
            byte[] asSent = Utils.toArray(records.buffer());
            LogAppendInfo info = log.append(records, 0, true);
            assertEquals(next, info.firstOffset());
            // Only the base offset and the partition leader epoch are assigned by the broker; both
            // lie outside the CRC, so everything else must be stored unchanged.
            ByteBuffer expected = ByteBuffer.wrap(asSent);
            expected.putLong(0, info.firstOffset());
            expected.putInt(12, 0);
            expectedBatches.add(asSent);
            batchOffsets.add(new long[] {info.firstOffset(), info.lastOffset()});
            next = info.lastOffset() + 1;
        }
        assertTrue(log.segmentCount() > 3, "reads must cross segment boundaries");

        for (int b = 0; b < expectedBatches.size(); b++) {
            for (long offset = batchOffsets.get(b)[0]; offset <= batchOffsets.get(b)[1]; offset++) {
                LogReadResult result = log.read(offset, 1, true);
                RecordBatch first = result.records().batches().iterator().next();
                assertEquals(batchOffsets.get(b)[0], first.baseOffset(), "batch read for offset " + offset);
                assertEquals(batchOffsets.get(b)[1], first.lastOffset());
                assertEquals(first.sizeInBytes(), result.sizeInBytes(), "one whole batch with minOneBatch and maxBytes=1");
                first.ensureValid();
                assertArrayEquals(expectedBatches.get(b), bytes(first), "bytes of the batch holding offset " + offset);
                assertEquals(next, result.logEndOffset());
                assertEquals(next, result.highWatermark());
                assertEquals(0, result.logStartOffset());
            }
        }
    }

    @Test
    void readReturnsEveryRecordWithItsKeyValueHeadersAndTimestamp() throws IOException {
        PartitionLog log = logs.open(Map.of("segment.bytes", "2500", "index.interval.bytes", "100"));
        Random random = new Random(1);
        List<Sent> expected = new ArrayList<>();
        long next = 0;
        for (int b = 0; b < 60; b++) {
            List<Sent> sent = variedBatch(random, next, T0 - 50_000 + 500L * b);
            next = log.append(toRecords(sent), 0, true).lastOffset() + 1;
            expected.addAll(sent);
        }
        for (long from : new long[] {0, 1, next / 3, next / 2 + 1, next - 1}) {
            List<Record> read = readAll(log, from);
            assertEquals(next - from, read.size(), "records read from " + from);
            for (int i = 0; i < read.size(); i++) assertSameRecord(expected.get((int) from + i), read.get(i));
        }
        for (RecordBatch batch : log.read(0, Integer.MAX_VALUE, false).records().batches()) {
            assertEquals(TimestampType.CREATE_TIME, batch.timestampType());
            assertEquals(0, batch.partitionLeaderEpoch());
        }
    }

    @Test
    void readStopsAtMaxBytesOnABatchBoundaryWhenItFits() throws IOException {
        PartitionLog log = logs.open(Map.of());
        int first = log.append(records(2, 0, T0), 0, true).recordCount();
        MemoryRecords second = records(3, 2, T0);
        int firstSize = (int) log.size();
        int secondSize = second.sizeInBytes();
        log.append(second, 0, true);
        log.append(records(1, 5, T0), 0, true);

        LogReadResult two = log.read(0, firstSize + secondSize, false);
        assertEquals(firstSize + secondSize, two.sizeInBytes());
        List<Long> lastOffsets = new ArrayList<>();
        for (RecordBatch batch : two.records().batches()) lastOffsets.add(batch.lastOffset());
        assertEquals(List.of((long) first - 1, 4L), lastOffsets);
    }

    @Test
    void readAtTheLogEndIsEmptyAndOutsideTheLogThrowsOffsetOutOfRange() throws IOException {
        PartitionLog log = logs.open(Map.of());
        LogReadResult empty = log.read(0, 1000, true);
        assertEquals(0, empty.sizeInBytes(), "an empty log returns no records at offset 0");
        log.append(records(4, 0, T0), 0, true);
        LogReadResult atEnd = log.read(4, 1000, true);
        assertEquals(0, atEnd.sizeInBytes());
        assertEquals(4, atEnd.logEndOffset());
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(5, 1000, true));
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(-1, 1000, true));
    }

    @Test
    void logAppendTimeReplacesProducerTimestampsWithTheBrokerTime() throws IOException {
        ManualClock clock = logs.clock();
        PartitionLog log = openWithManualClock(Map.of("message.timestamp.type", "LogAppendTime"));
        long farFuture = T0 + 365L * 24 * 3600 * 1000; // never checked for LogAppendTime topics
        LogAppendInfo first = log.append(Batches.of(record(42L, "a", "1"), record(farFuture, "b", "2")).build(), 0, true);
        assertEquals(T0, first.logAppendTime());
        clock.advanceMillis(5_000);
        LogAppendInfo second = log.append(records(1, 2, 7L), 0, true);
        assertEquals(T0 + 5_000, second.logAppendTime());

        List<RecordBatch> batches = new ArrayList<>();
        log.read(0, Integer.MAX_VALUE, false).records().batches().forEach(batches::add);
        assertEquals(2, batches.size());
        long[] expectedTimes = {T0, T0 + 5_000};
        for (int b = 0; b < 2; b++) {
            RecordBatch batch = batches.get(b);
            batch.ensureValid();
            assertEquals(TimestampType.LOG_APPEND_TIME, batch.timestampType());
            assertEquals(expectedTimes[b], batch.maxTimestamp());
            for (Record record : batch) assertEquals(expectedTimes[b], record.timestamp());
        }
        assertEquals(0, log.offsetForTimestamp(T0).offset);
        assertEquals(2, log.offsetForTimestamp(T0 + 1).offset);
        assertNull(log.offsetForTimestamp(T0 + 5_001));
    }

    @Test
    void offsetForTimestampReturnsTheFirstRecordAtOrAfterTheTimeAcrossSegments() throws IOException {
        PartitionLog log = logs.open(Map.of("segment.bytes", "2048", "index.interval.bytes", "128"));
        Random random = new Random(3);
        List<long[]> written = new ArrayList<>(); // {offset, timestamp}
        long next = 0;
        for (int b = 0; b < 150; b++) {
            int count = 1 + random.nextInt(4);
            SimpleRecord[] records = new SimpleRecord[count];
            for (int r = 0; r < count; r++) {
                // Rising overall, but some producers' clocks lag behind.
                long ts = T0 + 100L * b + random.nextInt(300) - 150;
                records[r] = record(ts, null, "v" + (next + r));
                written.add(new long[] {next + r, ts});
            }
            next = log.append(Batches.of(records).build(), 0, true).lastOffset() + 1;
        }
        assertTrue(log.segmentCount() > 5);

        for (long target = T0 - 300; target <= T0 + 100L * 150 + 300; target += 7) {
            long[] expected = null;
            for (long[] w : written) {
                if (w[1] >= target) {
                    expected = w;
                    break;
                }
            }
            FileRecords.TimestampAndOffset found = log.offsetForTimestamp(target);
            if (expected == null) {
                assertNull(found, "nothing at or after " + target);
            } else {
                assertNotNull(found, "a record exists at or after " + target);
                assertEquals(expected[0], found.offset, "first offset with timestamp >= " + target);
                assertEquals(expected[1], found.timestamp);
            }
        }
    }

    @Test
    void offsetForTimestampIgnoresRecordsBelowTheLogStartOffset() throws IOException {
        PartitionLog log = logs.open(Map.of());
        for (int i = 0; i < 10; i++) {
            log.append(records(1, i, T0 + i), 0, true);
        }
        assertEquals(0, log.offsetForTimestamp(T0).offset);
        log.deleteRecordsBefore(6);
        assertEquals(6, log.offsetForTimestamp(T0).offset);
        assertEquals(8, log.offsetForTimestamp(T0 + 8).offset);
        assertNull(log.offsetForTimestamp(T0 + 10));
    }

    @Test
    void maxTimestampAndOffsetReturnsTheRecordWithTheLargestTimestamp() throws IOException {
        PartitionLog log = logs.open(Map.of());
        assertNull(log.maxTimestampAndOffset(), "an empty log has no largest timestamp");

        log.append(records(2, 0, T0 + 10), 0, true);
        log.append(Batches.of(record(T0 + 20, "k2", "v"), record(T0 + 90, "k3", "v"), record(T0 + 30, "k4", "v")).build(),
                0, true);
        log.roll();
        log.append(records(3, 5, T0 + 50), 0, true);
        log.append(records(1, 8, T0 + 40), 0, true);
        assertEquals(2, log.segmentCount());

        FileRecords.TimestampAndOffset max = log.maxTimestampAndOffset();
        assertEquals(T0 + 90, max.timestamp);
        assertEquals(3, max.offset, "the offset of the record holding the largest timestamp, not its batch's last");

        log.append(records(2, 9, T0 + 95), 0, true);
        max = log.maxTimestampAndOffset();
        assertEquals(T0 + 95, max.timestamp);
        assertEquals(9, max.offset, "the first record holding the largest timestamp");
    }

    @Test
    void flushMessagesOfOneAdvancesTheRecoveryPointWithEveryAppend() throws IOException {
        PartitionLog log = logs.open(Map.of("flush.messages", "1"));
        for (int i = 0; i < 5; i++) {
            log.append(records(2, 2L * i, T0), 0, true);
            assertEquals(2L * (i + 1), log.recoveryPoint());
            assertEquals(2L * (i + 1), PartitionState.read(log.dir()).recoveryPoint());
        }
    }

    @Test
    void appendingToAClosedLogFailsWithoutWriting() throws IOException {
        PartitionLog log = logs.open(Map.of());
        log.append(records(1, 0, T0), 0, true);
        log.close();
        assertThrows(KafkaStorageException.class,
                () -> log.append(records(1, 1, T0), 0, true));
        assertEquals(1, log.logEndOffset());
    }

    @Test
    void deleteRecordsBeforeHidesEarlierRecordsAndDropsWholeSegmentsBelowIt() throws IOException {
        PartitionLog log = logs.open(Map.of("file.delete.delay.ms", "0"));
        for (int i = 0; i < 3; i++) {
            log.append(records(5, 5L * i, T0), 0, true);
            log.roll();
        }
        assertEquals(4, log.segmentCount());
        assertEquals(7, log.deleteRecordsBefore(7));
        assertEquals(7, log.logStartOffset());
        assertEquals(3, log.segmentCount(), "the segment holding only offsets 0..4 is deleted");
        assertFalse(LogSegment.logFile(log.dir(), 0).exists());
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(6, 1000, true));
        List<Record> rest = readAll(log, 7);
        assertEquals(List.of(7L, 8L, 9L, 10L, 11L, 12L, 13L, 14L), rest.stream().map(Record::offset).toList());
    }
}
