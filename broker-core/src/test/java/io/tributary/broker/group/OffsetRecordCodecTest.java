package io.tributary.broker.group;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.coordinator.group.generated.OffsetCommitKey;
import org.apache.kafka.coordinator.group.generated.OffsetCommitValue;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The committed-offset records, checked against Kafka's own generated record classes. */
class OffsetRecordCodecTest {
    private static final TopicPartition TP = new TopicPartition("orders", 3);

    @Test
    void kafkaReadsWhatTributaryWrites() {
        ByteBuffer key = ByteBuffer.wrap(OffsetRecordCodec.key("billing", TP));
        short keyVersion = key.getShort();
        assertEquals(1, keyVersion, "the record type of committed offsets");
        OffsetCommitKey k = new OffsetCommitKey(new ByteBufferAccessor(key), (short) 0);
        assertEquals("billing", k.group());
        assertEquals("orders", k.topic());
        assertEquals(3, k.partition());

        ByteBuffer value = ByteBuffer.wrap(OffsetRecordCodec.value(new CommittedOffset(42, 7, "meta", 1_700_000_000_000L)));
        short version = value.getShort();
        assertEquals(3, version);
        OffsetCommitValue v = new OffsetCommitValue(new ByteBufferAccessor(value), version);
        assertEquals(0, value.remaining());
        assertEquals(42, v.offset());
        assertEquals(7, v.leaderEpoch());
        assertEquals("meta", v.metadata());
        assertEquals(1_700_000_000_000L, v.commitTimestamp());
    }

    @Test
    void tributaryReadsWhatKafkaWritesInVersionThree() {
        OffsetCommitValue kafka = new OffsetCommitValue().setOffset(9).setLeaderEpoch(2).setMetadata("m")
                .setCommitTimestamp(5);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ByteBufferAccessor out = new ByteBufferAccessor(ByteBuffer.allocate(2 + kafka.size(cache, (short) 3)));
        out.writeShort((short) 3);
        kafka.write(out, cache, (short) 3);
        ByteBuffer written = out.buffer().flip();
        assertEquals(new CommittedOffset(9, 2, "m", 5), OffsetRecordCodec.readValue(written));
    }

    @Test
    void valuesEarlierReleasesLabelledVersionOneAreStillRead() {
        byte[] m = "x".getBytes(StandardCharsets.UTF_8);
        ByteBuffer legacy = ByteBuffer.allocate(2 + 8 + 4 + 2 + m.length + 8);
        legacy.putShort((short) 1).putLong(11).putInt(4).putShort((short) m.length).put(m).putLong(77).flip();
        assertEquals(new CommittedOffset(11, 4, "x", 77), OffsetRecordCodec.readValue(legacy));
    }
}
