package io.tributary.broker.log;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Applies a topic's {@code compression.type} to incoming batches, as Kafka does: with
 * {@code producer} batches are stored as sent; with {@code uncompressed}, {@code gzip},
 * {@code snappy}, {@code lz4} or {@code zstd} every batch whose codec differs is decompressed and
 * rebuilt with the topic's codec (default level).
 *
 * <p>A rebuilt batch keeps everything a reader or the idempotence check can see: base offset and
 * each record's offset delta, record timestamps (and the batch's timestamp type), keys, values,
 * headers, producer id, producer epoch, base sequence, the transactional flag and the partition
 * leader epoch. Only the codec, the CRC and the size change. Batches already in the topic's codec
 * are copied unchanged, byte for byte.
 *
 * <p>Stateless and thread-safe. Runs before the log's lock is taken, so the CPU cost of
 * recompression is not paid while other appends wait.
 */
public final class BatchRecompressor {
    private BatchRecompressor() {
    }

    /**
     * The codec a topic's {@code compression.type} asks for, or null for {@code producer} (keep
     * the producer's codec).
     */
    public static CompressionType targetCodec(String topicCompressionType) {
        String c = topicCompressionType.trim().toLowerCase(Locale.ROOT);
        return switch (c) {
            case "producer" -> null;
            case "uncompressed", "none" -> CompressionType.NONE;
            default -> CompressionType.forName(c);
        };
    }

    /**
     * {@code records} with every batch in the codec of {@code topicCompressionType}; the same
     * instance when nothing needs rebuilding. The batches must already have passed
     * {@link RecordBatchValidator} (whole v2 batches with valid CRCs).
     */
    public static MemoryRecords recompress(MemoryRecords records, String topicCompressionType) {
        CompressionType target = targetCodec(topicCompressionType);
        if (target == null) return records;
        boolean needed = false;
        for (MutableRecordBatch batch : records.batches()) {
            if (batch.compressionType() != target) {
                needed = true;
                break;
            }
        }
        if (!needed) return records;

        Compression compression = Compression.of(target).build();
        List<ByteBuffer> parts = new ArrayList<>();
        int total = 0;
        for (MutableRecordBatch batch : records.batches()) {
            ByteBuffer part;
            if (batch.compressionType() == target) {
                part = ByteBuffer.allocate(batch.sizeInBytes());
                batch.writeTo(part);
                part.flip();
            } else {
                part = rebuild(batch, compression);
            }
            parts.add(part);
            total += part.remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(total);
        for (ByteBuffer part : parts) out.put(part);
        out.flip();
        return MemoryRecords.readableRecords(out);
    }

    private static ByteBuffer rebuild(MutableRecordBatch batch, Compression compression) {
        boolean logAppendTime = batch.timestampType() == TimestampType.LOG_APPEND_TIME;
        int initialCapacity = Math.max(256, batch.compressionType() == CompressionType.NONE
                ? batch.sizeInBytes() : batch.sizeInBytes() * 2);
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(initialCapacity),
                RecordBatch.MAGIC_VALUE_V2, compression,
                logAppendTime ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME,
                batch.baseOffset(), logAppendTime ? batch.maxTimestamp() : RecordBatch.NO_TIMESTAMP,
                batch.producerId(), batch.producerEpoch(), batch.baseSequence(), batch.isTransactional(),
                batch.isControlBatch(), batch.partitionLeaderEpoch());
        int count = 0;
        try (CloseableIterator<Record> it = batch.streamingIterator(BufferSupplier.NO_CACHING)) {
            while (it.hasNext()) {
                Record r = it.next();
                if (r.offset() - batch.baseOffset() != count) {
                    throw new InvalidRecordException("Record in batch at base offset " + batch.baseOffset()
                            + " has offset delta " + (r.offset() - batch.baseOffset()) + ", expected " + count);
                }
                builder.appendWithOffset(r.offset(), r.timestamp(), r.key(), r.value(), r.headers());
                count++;
            }
        } catch (KafkaException e) {
            if (e instanceof InvalidRecordException || e instanceof CorruptRecordException) throw e;
            throw new CorruptRecordException("Cannot decompress the " + batch.compressionType().name
                    + " batch at base offset " + batch.baseOffset() + ": " + e.getMessage());
        }
        Integer expected = batch.countOrNull();
        if (expected == null || expected != count) {
            throw new CorruptRecordException("Batch at base offset " + batch.baseOffset() + " declares " + expected
                    + " records but holds " + count);
        }
        return builder.build().buffer();
    }
}
