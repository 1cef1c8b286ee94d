package io.tributary.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedForMessageFormatException;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks record batches a producer sent before they are appended: the bytes must be whole Kafka
 * v2 batches with a valid CRC-32C, each within {@code max.message.bytes}, with consistent record
 * counts and offset deltas, timestamps within the topic's bounds, a base sequence whenever a
 * producer id is set, and keys on compacted topics.
 *
 * <p>The records inside are checked whether the batch is compressed or not: the header's record
 * count and last offset delta must match the records actually there, whose offset deltas run
 * 0, 1, 2, ... and whose timestamps obey the topic's rules. An uncompressed batch is read in place;
 * a compressed one is decompressed once, as a stream, by {@link CompressedRecordScanner}, which
 * skips keys and values instead of copying them and refuses a record larger than {@code
 * max.decompressed.message.bytes} before reading it, so a batch that expands enormously costs no
 * memory. A payload the codec cannot decompress is refused as corrupt ({@code CORRUPT_MESSAGE}),
 * a record structure that does not add up as invalid ({@code INVALID_RECORD}). The batches are not
 * modified and no record is copied.
 *
 * <p>Stateless and thread-safe.
 */
public final class RecordBatchValidator {
    private RecordBatchValidator() {
    }

    /** What validation found: the batches, in order, and how many records they hold. */
    public record Validated(List<MutableRecordBatch> batches, int recordCount, int sizeInBytes) {
    }

    /**
     * Validates {@code records} for appending to {@code tp}.
     *
     * @param origin {@link AppendOrigin#CLIENT} for a produce request (v3+ carries exactly one batch
     *               per partition, and no control batch); {@link AppendOrigin#COORDINATOR} for
     *               records the broker writes, transaction markers included
     */
    public static Validated validate(TopicPartition tp, MemoryRecords records, LogConfig config, long nowMs,
                                     AppendOrigin origin) {
        return validate(tp, records, config, nowMs, origin, true);
    }

    /**
     * Validates batches the broker rebuilt ({@link BatchRecompressor}) from batches that passed
     * {@link #validate}: only what the rebuild can change is checked again (the batch headers, the
     * CRC and the sizes against {@code max.message.bytes} and {@code segment.bytes}); the records
     * are the ones already checked and are not read again.
     */
    public static Validated validateRebuilt(TopicPartition tp, MemoryRecords records, LogConfig config,
                                            AppendOrigin origin) {
        return validate(tp, records, config, 0, origin, false);
    }

    private static Validated validate(TopicPartition tp, MemoryRecords records, LogConfig config, long nowMs,
                                      AppendOrigin origin, boolean checkRecords) {
        boolean singleBatch = origin.singleBatch();
        ByteBuffer buffer = records.buffer();
        int total = buffer.remaining();
        if (total == 0) {
            throw new InvalidRecordException("Produce request for " + tp + " holds no record batch");
        }
        List<MutableRecordBatch> batches = new ArrayList<>(1);
        int validBytes = 0;
        int count = 0;
        for (MutableRecordBatch batch : records.batches()) {
            if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
                throw new UnsupportedForMessageFormatException("Batch for " + tp + " has magic " + batch.magic()
                        + "; only record batch format v2 (magic 2) is accepted");
            }
            if (batch.sizeInBytes() > config.maxMessageBytes()) {
                throw new RecordTooLargeException("Batch of " + batch.sizeInBytes() + " bytes for " + tp
                        + " exceeds max.message.bytes " + config.maxMessageBytes());
            }
            if (batch.sizeInBytes() > config.segmentBytes()) {
                throw new RecordBatchTooLargeException("Batch of " + batch.sizeInBytes() + " bytes for " + tp
                        + " exceeds segment.bytes " + config.segmentBytes());
            }
            try {
                batch.ensureValid();
            } catch (CorruptRecordException e) {
                throw new CorruptRecordException("Batch for " + tp + " failed validation: " + e.getMessage());
            }
            if (batch.isControlBatch() && origin == AppendOrigin.CLIENT) {
                throw new InvalidRecordException("Clients may not send control batches (" + tp + ")");
            }
            if (batch.isTransactional() && !batch.hasProducerId()) {
                throw new InvalidRecordException("Transactional batch for " + tp + " has no producer id");
            }
            if (batch.isControlBatch()) {
                if (!batch.hasProducerId() || !batch.isTransactional()) {
                    throw new InvalidRecordException("Control batch for " + tp + " must be transactional with a producer id");
                }
                ProducerStateManager.markerOf(batch); // a readable COMMIT or ABORT marker
            }
            Integer batchCount = batch.countOrNull();
            if (batchCount == null || batchCount <= 0 || batch.lastOffset() - batch.baseOffset() + 1 != batchCount) {
                throw new InvalidRecordException("Batch for " + tp + " has " + batchCount + " records but offset delta "
                        + (batch.lastOffset() - batch.baseOffset()));
            }
            if (batch.hasProducerId() && batch.baseSequence() < 0 && !batch.isControlBatch()) {
                throw new InvalidRecordException("Batch for " + tp + " has producer id " + batch.producerId()
                        + " but base sequence " + batch.baseSequence());
            }
            if (checkRecords) validateRecords(tp, batch, config, nowMs);
            batches.add(batch);
            count += batchCount;
            validBytes += batch.sizeInBytes();
        }
        if (validBytes != total) {
            throw new CorruptRecordException("Records for " + tp + " hold " + total + " bytes but only " + validBytes
                    + " form complete batches: the last batch is truncated");
        }
        if (singleBatch && batches.size() != 1) {
            throw new InvalidRecordException("Produce requests must carry exactly one record batch per partition; "
                    + tp + " has " + batches.size());
        }
        return new Validated(batches, count, validBytes);
    }

    /**
     * Validates batches a follower received from its leader for {@code tp}. They were validated
     * when the leader appended them and carry their final offsets, so only their integrity is
     * checked: v2 batches, a valid CRC-32C, a last offset not below the base offset and no more
     * records than offsets, and offsets strictly increasing from batch to batch (gaps are allowed:
     * a compacted leader log has them). Timestamps, keys, sizes against the topic configuration
     * and record counts against offset deltas are not checked again; a follower must accept what
     * its leader accepted.
     *
     * <p>A size-limited fetch may end inside a batch: bytes after the last complete batch are not
     * part of the result ({@link Validated#sizeInBytes()} is the size of the complete batches,
     * possibly 0), as in Kafka, and the follower fetches that batch again from its new log end.
     */
    public static Validated validateReplicated(TopicPartition tp, MemoryRecords records) {
        List<MutableRecordBatch> batches = new ArrayList<>();
        int validBytes = 0;
        int count = 0;
        long previousLast = -1;
        for (MutableRecordBatch batch : records.batches()) {
            if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
                throw new UnsupportedForMessageFormatException("Replicated batch for " + tp + " at offset "
                        + batch.baseOffset() + " has magic " + batch.magic() + "; only record batch format v2 is stored");
            }
            try {
                batch.ensureValid();
            } catch (CorruptRecordException e) {
                throw new CorruptRecordException("Replicated batch for " + tp + " at offset " + batch.baseOffset()
                        + " failed validation: " + e.getMessage());
            }
            long base = batch.baseOffset();
            long last = batch.lastOffset();
            Integer batchCount = batch.countOrNull();
            if (base < 0 || last < base || batchCount == null || batchCount < 0 || batchCount > last - base + 1) {
                throw new CorruptRecordException("Replicated batch for " + tp + " has offsets " + base + ".." + last
                        + " and " + batchCount + " records");
            }
            if (base <= previousLast) {
                throw new CorruptRecordException("Replicated batches for " + tp + " are out of order: a batch at offsets "
                        + base + ".." + last + " follows one ending at offset " + previousLast);
            }
            previousLast = last;
            batches.add(batch);
            count += batchCount;
            validBytes += batch.sizeInBytes();
        }
        return new Validated(batches, count, validBytes);
    }

    private static void validateRecords(TopicPartition tp, MutableRecordBatch batch, LogConfig config, long nowMs) {
        boolean checkTimestamps = config.timestampType() == TimestampType.CREATE_TIME;
        if (checkTimestamps) checkTimestamp(tp, batch.maxTimestamp(), config, nowMs);
        boolean compact = config.compact();
        if (batch.compressionType() != CompressionType.NONE) {
            CompressedRecordScanner.scan(batch, config.maxDecompressedMessageBytes(), tp.toString(),
                    (index, offsetDelta, timestamp, hasKey) ->
                            checkRecord(tp, offsetDelta, index, hasKey, timestamp, compact, checkTimestamps, config, nowMs));
            return;
        }
        int index = 0;
        try (CloseableIterator<Record> it = batch.streamingIterator(BufferSupplier.NO_CACHING)) {
            while (it.hasNext()) {
                Record record = it.next();
                checkRecord(tp, record.offset() - batch.baseOffset(), index++, record.hasKey(), record.timestamp(), compact,
                        checkTimestamps, config, nowMs);
            }
        }
    }

    private static void checkRecord(TopicPartition tp, long offsetDelta, int index, boolean hasKey, long timestamp,
                                    boolean compact, boolean checkTimestamps, LogConfig config, long nowMs) {
        if (offsetDelta != index) {
            throw new InvalidRecordException("Record in batch for " + tp + " has offset delta " + offsetDelta
                    + ", expected " + index);
        }
        if (compact && !hasKey) {
            throw new InvalidRecordException("Compacted topic " + tp.topic() + " cannot accept a record without a key");
        }
        if (checkTimestamps) checkTimestamp(tp, timestamp, config, nowMs);
    }

    private static void checkTimestamp(TopicPartition tp, long timestamp, LogConfig config, long nowMs) {
        if (timestamp < 0 && timestamp != RecordBatch.NO_TIMESTAMP) {
            throw new InvalidTimestampException("Timestamp " + timestamp + " for " + tp + " is negative");
        }
        if (timestamp == RecordBatch.NO_TIMESTAMP) return;
        if (nowMs - timestamp > config.timestampBeforeMaxMs()) {
            throw new InvalidTimestampException("Timestamp " + timestamp + " for " + tp + " is more than "
                    + "message.timestamp.before.max.ms " + config.timestampBeforeMaxMs() + " before the broker's time " + nowMs);
        }
        if (timestamp - nowMs > config.timestampAfterMaxMs()) {
            throw new InvalidTimestampException("Timestamp " + timestamp + " for " + tp + " is more than "
                    + "message.timestamp.after.max.ms " + config.timestampAfterMaxMs() + " after the broker's time " + nowMs);
        }
    }
}
