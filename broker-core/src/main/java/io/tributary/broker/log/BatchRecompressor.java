package io.tributary.broker.log;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.ByteBufferOutputStream;
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
 * <p>Memory is bounded whatever the batch expands to: records are decompressed one at a time
 * (each at most {@code max.decompressed.message.bytes}, which {@link RecordBatchValidator} checked
 * before), and the rebuild stops with {@link RecordTooLargeException} ({@code MESSAGE_TOO_LARGE},
 * what Kafka answers for a rebuilt batch over the limit) as soon as the rebuilt batch grows past
 * {@code max.message.bytes}, instead of building it whole first.
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
     * {@link RecordBatchValidator} (whole v2 batches with valid CRCs and records within the
     * per-record limit).
     *
     * @param maxBatchBytes the topic's {@code max.message.bytes}: a rebuilt batch larger than this
     *                      is refused while it is being built
     */
    public static MemoryRecords recompress(MemoryRecords records, String topicCompressionType, int maxBatchBytes) {
        CompressionType target = targetCodec(topicCompressionType);
        if (target == null) return records;
        boolean needed = false;
        for (MutableRecordBatch batch : records.batches()) {
            if (batch.compressionType() != target && !batch.isControlBatch()) {
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
            if (batch.compressionType() == target || batch.isControlBatch()) {
                // Control batches (transaction markers) are stored as written, as Kafka stores them.
                part = ByteBuffer.allocate(batch.sizeInBytes());
                batch.writeTo(part);
                part.flip();
            } else {
                part = rebuild(batch, compression, maxBatchBytes);
            }
            parts.add(part);
            total += part.remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(total);
        for (ByteBuffer part : parts) out.put(part);
        out.flip();
        return MemoryRecords.readableRecords(out);
    }

    private static ByteBuffer rebuild(MutableRecordBatch batch, Compression compression, int maxBatchBytes) {
        boolean logAppendTime = batch.timestampType() == TimestampType.LOG_APPEND_TIME;
        int initialCapacity = Math.min(Math.max(256, batch.compressionType() == CompressionType.NONE
                ? batch.sizeInBytes() : batch.sizeInBytes() * 2), Math.max(256, maxBatchBytes));
        ByteBufferOutputStream out = new ByteBufferOutputStream(initialCapacity);
        MemoryRecordsBuilder builder = new MemoryRecordsBuilder(out, RecordBatch.MAGIC_VALUE_V2, compression,
                logAppendTime ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME,
                batch.baseOffset(), logAppendTime ? batch.maxTimestamp() : RecordBatch.NO_TIMESTAMP,
                batch.producerId(), batch.producerEpoch(), batch.baseSequence(), batch.isTransactional(),
                batch.isControlBatch(), batch.partitionLeaderEpoch(), Integer.MAX_VALUE);
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
                if (out.position() > maxBatchBytes) throw tooLarge(batch, compression, out.position(), maxBatchBytes);
            }
        } catch (KafkaException e) {
            if (e instanceof InvalidRecordException || e instanceof CorruptRecordException
                    || e instanceof RecordTooLargeException) throw e;
            throw cannotDecompress(batch, e);
        } catch (VirtualMachineError | LinkageError e) {
            throw e;
        } catch (RuntimeException | Error e) {
            throw cannotDecompress(batch, e);
        }
        Integer expected = batch.countOrNull();
        if (expected == null || expected != count) {
            throw new CorruptRecordException("Batch at base offset " + batch.baseOffset() + " declares " + expected
                    + " records but holds " + count);
        }
        ByteBuffer rebuilt = builder.build().buffer();
        if (rebuilt.remaining() > maxBatchBytes) throw tooLarge(batch, compression, rebuilt.remaining(), maxBatchBytes);
        return rebuilt;
    }

    private static RecordTooLargeException tooLarge(MutableRecordBatch batch, Compression compression, int size,
                                                    int maxBatchBytes) {
        return new RecordTooLargeException("The " + batch.compressionType().name + " batch at base offset "
                + batch.baseOffset() + " is at least " + size + " bytes when rebuilt as "
                + compression.type().name + " (the topic's compression.type), more than max.message.bytes "
                + maxBatchBytes);
    }

    private static CorruptRecordException cannotDecompress(MutableRecordBatch batch, Throwable e) {
        return new CorruptRecordException("Cannot decompress the " + batch.compressionType().name
                + " batch at base offset " + batch.baseOffset() + ": " + e);
    }
}
