package io.tributary.broker.log;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.BufferSupplier;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the records of one compressed v2 batch in a single pass over its decompressed bytes,
 * keeping nothing: keys, values and headers are skipped, never copied, so the memory used does
 * not depend on how far the batch expands. Each record's length prefix is checked against a
 * limit before its body is read (Kafka's {@code max.decompressed.message.bytes}), and every length
 * inside a record is checked against the record's own declared size, so the bytes decompressed
 * for a record never exceed that limit.
 *
 * <p>The batch must hold exactly the number of records its header declares, each of exactly its
 * declared size, as Kafka's batch iterator requires. What can go wrong is told apart the way
 * Kafka answers it: a record structure that does not add up ({@code InvalidRecordException},
 * {@code INVALID_RECORD}) versus a payload the codec cannot decompress ({@code
 * CorruptRecordException}, {@code CORRUPT_MESSAGE}). A codec that fails with a {@link Error}
 * (snappy-java throws {@code SnappyError} for a negative chunk length) counts as the latter; only
 * {@link VirtualMachineError}s and {@link LinkageError}s pass through.
 *
 * <p>Thread-safe; each call reads one batch. The codecs' working buffers are kept per thread and
 * reused from batch to batch (as Kafka keeps them per request thread): a few hundred KiB for each
 * I/O thread, instead of allocating them for every batch.
 */
final class CompressedRecordScanner {
    /** Not thread-safe, hence one per thread; the streams hand their buffers back when closed. */
    private static final ThreadLocal<BufferSupplier> BUFFERS = ThreadLocal.withInitial(BufferSupplier::create);

    private CompressedRecordScanner() {
    }

    /** Receives each record as it is read; may throw to refuse the batch. */
    interface RecordVisitor {
        void record(int index, int offsetDelta, long timestamp, boolean hasKey);
    }

    /**
     * Reads every record of {@code batch} (compressed, magic 2) and hands each to {@code visitor}.
     *
     * @param maxRecordBytes the largest declared record body accepted
     * @param describe names the batch in error messages (topic, partition)
     * @return the number of records read, equal to the header's count
     */
    static int scan(MutableRecordBatch batch, int maxRecordBytes, String describe, RecordVisitor visitor) {
        int declared = batch.countOrNull() == null ? 0 : batch.countOrNull();
        boolean logAppendTime = batch.timestampType() == TimestampType.LOG_APPEND_TIME;
        long baseTimestamp = ((DefaultRecordBatch) batch).baseTimestamp();
        long maxTimestamp = batch.maxTimestamp();
        Input in = new Input(batch, describe);
        try {
            for (int i = 0; i < declared; i++) {
                int bodySize = in.varint();
                if (bodySize < 0) throw in.invalid("record " + i + " has a negative size " + bodySize);
                if (bodySize > maxRecordBytes) {
                    throw in.invalid("record " + i + " decompresses to " + bodySize
                            + " bytes, more than max.decompressed.message.bytes " + maxRecordBytes);
                }
                long end = in.position() + bodySize;
                in.readByte(); // attributes: none are defined for records
                long timestampDelta = in.varlong();
                int offsetDelta = in.varint();
                int keySize = in.varint();
                in.skipField(keySize, end, i, "key");
                in.skipField(in.varint(), end, i, "value");
                int headers = in.varint();
                if (headers < 0) throw in.invalid("record " + i + " declares " + headers + " headers");
                for (int h = 0; h < headers; h++) {
                    int headerKeySize = in.varint();
                    if (headerKeySize < 0) throw in.invalid("record " + i + " has a header key of size " + headerKeySize);
                    in.skipField(headerKeySize, end, i, "header key");
                    in.skipField(in.varint(), end, i, "header value");
                }
                if (in.position() != end) {
                    throw in.invalid("record " + i + " declares " + bodySize + " bytes but its fields take "
                            + (bodySize + in.position() - end));
                }
                visitor.record(i, offsetDelta, logAppendTime ? maxTimestamp : baseTimestamp + timestampDelta, keySize >= 0);
            }
            if (!in.atEnd()) {
                throw in.invalid("the header declares " + declared + " records but more data follows them");
            }
        } finally {
            in.close();
        }
        return declared;
    }

    /** The decompressed stream of one batch, counting bytes and translating codec failures. */
    private static final class Input {
        private final InputStream stream;
        private final String describe;
        private final String codec;
        private long position;

        Input(MutableRecordBatch batch, String describe) {
            this.describe = describe;
            this.codec = batch.compressionType().name;
            InputStream s;
            try {
                s = ((DefaultRecordBatch) batch).recordInputStream(BUFFERS.get());
            } catch (RuntimeException | Error e) {
                throw corrupt(e);
            }
            this.stream = s;
        }

        long position() {
            return position;
        }

        int readByte() {
            int b;
            try {
                b = stream.read();
            } catch (IOException | RuntimeException | Error e) {
                throw corrupt(e);
            }
            if (b < 0) throw invalid("the records end before the count in the header is reached");
            position++;
            return b;
        }

        /** A zig-zag varint of at most 5 bytes, as Kafka writes record fields. */
        int varint() {
            int raw = 0;
            for (int shift = 0; ; shift += 7) {
                if (shift > 28) throw invalid("a record holds a varint longer than 5 bytes");
                int b = readByte();
                raw |= (b & 0x7f) << shift;
                if ((b & 0x80) == 0) break;
            }
            return (raw >>> 1) ^ -(raw & 1);
        }

        /** A zig-zag varlong of at most 10 bytes. */
        long varlong() {
            long raw = 0;
            for (int shift = 0; ; shift += 7) {
                if (shift > 63) throw invalid("a record holds a varlong longer than 10 bytes");
                int b = readByte();
                raw |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) break;
            }
            return (raw >>> 1) ^ -(raw & 1);
        }

        /** Skips a field of {@code size} bytes (-1: null), which must end within the record. */
        void skipField(int size, long recordEnd, int index, String field) {
            if (size < -1) throw invalid("record " + index + " has a " + field + " of size " + size);
            if (size <= 0) return;
            if (position + size > recordEnd) {
                throw invalid("record " + index + " has a " + field + " of " + size
                        + " bytes, past the end of the record");
            }
            long left = size;
            while (left > 0) {
                long skipped;
                try {
                    skipped = stream.skip(left);
                    if (skipped <= 0) skipped = stream.read() < 0 ? -1 : 1;
                } catch (IOException | RuntimeException | Error e) {
                    throw corrupt(e);
                }
                if (skipped < 0) throw invalid("the records end inside record " + index);
                left -= skipped;
            }
            position += size;
        }

        boolean atEnd() {
            try {
                return stream.read() < 0;
            } catch (IOException | RuntimeException | Error e) {
                throw corrupt(e);
            }
        }

        void close() {
            try {
                stream.close();
            } catch (IOException | RuntimeException | Error e) {
                // Nothing was left to read from it; closing only releases the codec's buffers.
                if (e instanceof VirtualMachineError || e instanceof LinkageError) throw (Error) e;
            }
        }

        InvalidRecordException invalid(String what) {
            return new InvalidRecordException("Compressed batch for " + describe + ": " + what);
        }

        private CorruptRecordException corrupt(Throwable cause) {
            if (cause instanceof VirtualMachineError || cause instanceof LinkageError) throw (Error) cause;
            if (cause instanceof InvalidRecordException || cause instanceof CorruptRecordException) {
                throw (RuntimeException) cause;
            }
            return new CorruptRecordException("Cannot decompress the " + codec + " batch for " + describe
                    + " after " + position + " bytes: " + cause);
        }
    }
}
