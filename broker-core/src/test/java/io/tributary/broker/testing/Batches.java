package io.tributary.broker.testing;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;

import java.nio.charset.StandardCharsets;
import java.util.function.LongFunction;
import java.util.function.LongUnaryOperator;

/**
 * Record batches (magic v2, CreateTime, never transactional, never control batches) as producers
 * and leaders write them, for tests. A batch holds either records given one by one ({@link #of(SimpleRecord...)})
 * or {@code n} records made from their number ({@link #of(int)}): record {@code i} has the number
 * {@code first + i} (from {@link #numberedFrom}, 0 unless set), key {@code key-<number>}, value
 * {@code value-<number>}, timestamp {@link ManualClock#T0}, no headers, unless the setters say
 * otherwise. By default the batch is uncompressed, has no producer id, base offset 0 and no leader
 * epoch, as a producer sends it; {@link #idempotent}, {@link #compressed} and {@link #asLeaderWrote}
 * change that. A mutable builder: each {@code of} starts a new one, {@link #build} may be called
 * more than once.
 */
public final class Batches {
    private static final Header[] NO_HEADERS = new Header[0];

    private final SimpleRecord[] given;
    private final int count;
    private long first;
    private LongFunction<String> key = n -> "key-" + n;
    private LongFunction<byte[]> value = n -> utf8("value-" + n);
    private LongUnaryOperator timestamp = n -> ManualClock.T0;
    private LongFunction<Header[]> headers = n -> NO_HEADERS;
    private Compression compression = Compression.NONE;
    private long producerId = RecordBatch.NO_PRODUCER_ID;
    private short producerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
    private int baseSequence = RecordBatch.NO_SEQUENCE;
    private long baseOffset = 0;
    private int leaderEpoch = RecordBatch.NO_PARTITION_LEADER_EPOCH;
    private boolean transactional;

    private Batches(SimpleRecord[] given, int count) {
        this.given = given;
        this.count = count;
    }

    /** A batch of {@code count} records made from their numbers. */
    public static Batches of(int count) {
        if (count < 1) throw new IllegalArgumentException("a batch holds at least one record, not " + count);
        return new Batches(null, count);
    }

    /** A batch of exactly these records. */
    public static Batches of(SimpleRecord... records) {
        if (records.length == 0) throw new IllegalArgumentException("a batch holds at least one record");
        return new Batches(records.clone(), records.length);
    }

    /** One record; {@code key} or {@code value} null for none (a null value is a tombstone). */
    public static SimpleRecord record(long timestamp, String key, String value) {
        return new SimpleRecord(timestamp, utf8(key), utf8(value));
    }

    /** The UTF-8 bytes of {@code s}, or null. */
    public static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /** Numbers the made records from {@code first} (keys and values say their number; often their expected offset). */
    public Batches numberedFrom(long first) {
        made();
        this.first = first;
        return this;
    }

    /** The key of record number {@code n}; null for a record without a key. */
    public Batches keys(LongFunction<String> key) {
        made();
        this.key = key;
        return this;
    }

    /** The value of record number {@code n}; null for a tombstone. */
    public Batches values(LongFunction<String> value) {
        made();
        this.value = n -> utf8(value.apply(n));
        return this;
    }

    /**
     * Values of varying length that say their number: {@code <prefix>-<n>-} followed by
     * {@code n % period} times {@code pad}.
     */
    public Batches paddedValues(String prefix, char pad, int period) {
        return values(n -> prefix + "-" + n + "-" + String.valueOf(pad).repeat((int) (n % period)));
    }

    /** Values of exactly {@code bytes} bytes ({@code abc...zabc...}). */
    public Batches valuesOfSize(int bytes) {
        made();
        this.value = n -> {
            byte[] v = new byte[bytes];
            for (int i = 0; i < bytes; i++) v[i] = (byte) ('a' + i % 26);
            return v;
        };
        return this;
    }

    /** Every record at {@code timestamp}. */
    public Batches timestamp(long timestamp) {
        return timestamps(n -> timestamp);
    }

    /** Record number {@code n} at {@code timestamp.applyAsLong(n)}. */
    public Batches timestamps(LongUnaryOperator timestamp) {
        made();
        this.timestamp = timestamp;
        return this;
    }

    /** The headers of record number {@code n}. */
    public Batches headers(LongFunction<Header[]> headers) {
        made();
        this.headers = headers;
        return this;
    }

    /** Compressed with {@code compression} instead of uncompressed. */
    public Batches compressed(Compression compression) {
        this.compression = compression;
        return this;
    }

    /** From an idempotent producer: its id and epoch, and the sequence of the first record. */
    public Batches idempotent(long producerId, short producerEpoch, int baseSequence) {
        this.producerId = producerId;
        this.producerEpoch = producerEpoch;
        this.baseSequence = baseSequence;
        return this;
    }

    /** From a transactional producer: its id and epoch, and the sequence of the first record. */
    public Batches transactional(long producerId, short producerEpoch, int baseSequence) {
        idempotent(producerId, producerEpoch, baseSequence);
        this.transactional = true;
        return this;
    }

    /** A transaction marker (control batch) for {@code producerId}, as a coordinator in {@code coordinatorEpoch} writes it. */
    public static MemoryRecords marker(long producerId, short producerEpoch, boolean commit, int coordinatorEpoch) {
        return MemoryRecords.withEndTransactionMarker(ManualClock.T0, producerId, producerEpoch,
                new org.apache.kafka.common.record.EndTransactionMarker(commit
                        ? org.apache.kafka.common.record.ControlRecordType.COMMIT
                        : org.apache.kafka.common.record.ControlRecordType.ABORT, coordinatorEpoch));
    }

    /** As a leader in {@code leaderEpoch} stored it (what a follower fetches): offsets from {@code baseOffset}. */
    public Batches asLeaderWrote(long baseOffset, int leaderEpoch) {
        this.baseOffset = baseOffset;
        this.leaderEpoch = leaderEpoch;
        return this;
    }

    /** The records of the batch. */
    public SimpleRecord[] records() {
        if (given != null) return given.clone();
        SimpleRecord[] records = new SimpleRecord[count];
        for (int i = 0; i < count; i++) {
            long n = first + i;
            records[i] = new SimpleRecord(timestamp.applyAsLong(n), utf8(key.apply(n)), value.apply(n), headers.apply(n));
        }
        return records;
    }

    public MemoryRecords build() {
        return MemoryRecords.withRecords(RecordBatch.CURRENT_MAGIC_VALUE, baseOffset, compression, TimestampType.CREATE_TIME,
                producerId, producerEpoch, baseSequence, leaderEpoch, transactional, records());
    }

    private void made() {
        if (given != null) throw new IllegalStateException("the records of this batch were given; set their content there");
    }
}
