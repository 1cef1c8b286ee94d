package io.tributary.broker.group;

import org.apache.kafka.common.TopicPartition;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The record format of committed offsets in the internal {@code __consumer_offsets} topic.
 *
 * <p>Kafka's layouts, so Kafka's own tools read them: key {@code int16 version (1)},
 * {@code string group}, {@code string topic}, {@code int32 partition} (Kafka's OffsetCommitKey);
 * value {@code int16 version (3)}, {@code int64 offset}, {@code int32 leaderEpoch},
 * {@code string metadata}, {@code int64 commitTimestamp} (Kafka's OffsetCommitValue v3). Strings
 * are an {@code int16} length and UTF-8 bytes. Values that earlier versions of Tributary wrote
 * with the same layout under version 1 are still read. A null value (tombstone) deletes the
 * offset; the topic is compacted, so the latest record per key is what survives.
 */
public final class OffsetRecordCodec {
    static final short KEY_VERSION = 1;
    static final short VALUE_VERSION = 3;
    /** The version label earlier Tributary releases put on values laid out as {@link #VALUE_VERSION}. */
    private static final short LEGACY_VALUE_VERSION = 1;

    private OffsetRecordCodec() {
    }

    /** A decoded key. */
    public record Key(String group, TopicPartition partition) {
    }

    public static byte[] key(String group, TopicPartition tp) {
        byte[] g = group.getBytes(StandardCharsets.UTF_8);
        byte[] t = tp.topic().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(2 + 2 + g.length + 2 + t.length + 4);
        b.putShort(KEY_VERSION).putShort((short) g.length).put(g).putShort((short) t.length).put(t).putInt(tp.partition());
        return b.array();
    }

    public static byte[] value(CommittedOffset o) {
        byte[] m = (o.metadata() == null ? "" : o.metadata()).getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(2 + 8 + 4 + 2 + m.length + 8);
        b.putShort(VALUE_VERSION).putLong(o.offset()).putInt(o.leaderEpoch());
        b.putShort((short) m.length).put(m);
        b.putLong(o.commitTimestamp());
        return b.array();
    }

    public static Key readKey(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        short version = b.getShort();
        if (version != KEY_VERSION) throw new IllegalArgumentException("Unknown offset key version " + version);
        String group = RecordStrings.read(b);
        String topic = RecordStrings.read(b);
        return new Key(group, new TopicPartition(topic, b.getInt()));
    }

    public static CommittedOffset readValue(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        short version = b.getShort();
        if (version != VALUE_VERSION && version != LEGACY_VALUE_VERSION) {
            throw new IllegalArgumentException("Unknown offset value version " + version);
        }
        long offset = b.getLong();
        int epoch = b.getInt();
        String metadata = RecordStrings.read(b);
        return new CommittedOffset(offset, epoch, metadata, b.getLong());
    }

}
