package io.tributary.broker.log;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.ByteBufferOutputStream;
import org.apache.kafka.common.utils.ByteUtils;
import org.apache.kafka.common.utils.Crc32C;
import org.apache.kafka.common.utils.Utils;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Record batches no well-behaved client sends, for tests: each is a single magic-2 batch whose
 * CRC-32C is valid (computed after the damage, as a hostile or broken client would), so only
 * checks of what is inside the batch can catch it.
 */
public final class ForgedBatches {
    /** Where a v2 batch's CRC, attributes, last offset delta and record count sit. */
    private static final int CRC_OFFSET = 17;
    private static final int ATTRIBUTES_OFFSET = 21;
    private static final int LAST_OFFSET_DELTA_OFFSET = 23;
    private static final int BASE_SEQUENCE_OFFSET = 53;
    private static final int RECORDS_COUNT_OFFSET = 57;
    private static final int RECORDS_OFFSET = DefaultRecordBatch.RECORD_BATCH_OVERHEAD;
    /** snappy-java's stream header: 8 magic bytes and two version ints; the first chunk's length follows. */
    private static final int SNAPPY_HEADER_BYTES = 16;

    private ForgedBatches() {
    }

    /** A batch of one record per value, in {@code type}, with keys "k0", "k1", ... */
    public static MemoryRecords batch(CompressionType type, long timestamp, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(timestamp, ("k" + i).getBytes(StandardCharsets.UTF_8),
                    values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.of(type).build(), records);
    }

    /** {@code records} (one batch) with its header claiming {@code count} records and that last offset delta. */
    public static MemoryRecords withCountAndLastOffsetDelta(MemoryRecords records, int count, int lastOffsetDelta) {
        ByteBuffer b = copy(records);
        b.putInt(RECORDS_COUNT_OFFSET, count);
        b.putInt(LAST_OFFSET_DELTA_OFFSET, lastOffsetDelta);
        return withValidCrc(b);
    }

    /** {@code records} (one batch) with its base sequence replaced; producer builders refuse a negative one. */
    public static MemoryRecords withBaseSequence(MemoryRecords records, int baseSequence) {
        ByteBuffer b = copy(records);
        b.putInt(BASE_SEQUENCE_OFFSET, baseSequence);
        return withValidCrc(b);
    }

    /**
     * {@code records} (one compressed batch) with the first eight bytes of its compressed payload
     * overwritten, which breaks every codec's stream header (gzip and zstd magic, the lz4 frame
     * descriptor, snappy-java's header).
     */
    public static MemoryRecords withGarbledPayload(MemoryRecords records) {
        ByteBuffer b = copy(records);
        for (int i = 0; i < 8; i++) b.put(RECORDS_OFFSET + i, (byte) (0x5A ^ i));
        return withValidCrc(b);
    }

    /** A snappy batch whose first chunk declares a negative length: snappy-java throws {@code SnappyError}. */
    public static MemoryRecords snappyWithNegativeChunkLength(long timestamp) {
        ByteBuffer b = copy(batch(CompressionType.SNAPPY, timestamp, "a value", "another value"));
        b.putInt(RECORDS_OFFSET + SNAPPY_HEADER_BYTES, -7);
        return withValidCrc(b);
    }

    /**
     * A compressed batch of {@code count} records, each with a value of {@code valueBytes} zeros,
     * written through the codec in small pieces: the test never holds the expansion, and the
     * batch is tiny (a zstd batch of 256 MiB of zeros is about 8 KiB).
     */
    public static MemoryRecords compressedZeros(CompressionType type, int count, int valueBytes, long timestamp) {
        ByteBufferOutputStream out = new ByteBufferOutputStream(4096);
        out.position(RECORDS_OFFSET);
        byte[] zeros = new byte[64 * 1024];
        try (OutputStream codec = Compression.of(type).build().wrapForOutput(out, RecordBatch.MAGIC_VALUE_V2);
             DataOutputStream data = new DataOutputStream(codec)) {
            for (int i = 0; i < count; i++) {
                int body = 1 + ByteUtils.sizeOfVarlong(0) + ByteUtils.sizeOfVarint(i) + ByteUtils.sizeOfVarint(-1)
                        + ByteUtils.sizeOfVarint(valueBytes) + valueBytes + ByteUtils.sizeOfVarint(0);
                ByteUtils.writeVarint(body, data);
                data.writeByte(0);                     // attributes
                ByteUtils.writeVarlong(0, data);       // timestamp delta
                ByteUtils.writeVarint(i, data);        // offset delta
                ByteUtils.writeVarint(-1, data);       // no key
                ByteUtils.writeVarint(valueBytes, data);
                for (int left = valueBytes; left > 0; left -= zeros.length) data.write(zeros, 0, Math.min(left, zeros.length));
                ByteUtils.writeVarint(0, data);        // no headers
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteBuffer b = out.buffer();
        int size = b.position();
        b.position(0);
        DefaultRecordBatch.writeHeader(b, 0L, count - 1, size, RecordBatch.MAGIC_VALUE_V2, type,
                TimestampType.CREATE_TIME, timestamp, timestamp, RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH,
                RecordBatch.NO_SEQUENCE, false, false, false, RecordBatch.NO_PARTITION_LEADER_EPOCH, count);
        b.position(0);
        b.limit(size);
        return MemoryRecords.readableRecords(b.slice());
    }

    private static ByteBuffer copy(MemoryRecords records) {
        return ByteBuffer.wrap(Utils.toArray(records.buffer().duplicate()));
    }

    private static MemoryRecords withValidCrc(ByteBuffer b) {
        long crc = Crc32C.compute(b, ATTRIBUTES_OFFSET, b.limit() - ATTRIBUTES_OFFSET);
        ByteUtils.writeUnsignedInt(b, CRC_OFFSET, crc);
        return MemoryRecords.readableRecords(b);
    }
}
