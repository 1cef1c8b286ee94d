package io.tributary.broker.group;

import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.coordinator.group.generated.GroupMetadataKey;
import org.apache.kafka.coordinator.group.generated.GroupMetadataValue;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The group metadata records, checked against Kafka's own generated record classes. */
class GroupMetadataCodecTest {
    private static final GroupMetadata GROUP = new GroupMetadata("consumer", 7, "range", "c1-a", 1_700_000_000_123L, List.of(
            new GroupMetadata.Member("c1-a", null, "c1", "/10.0.0.1", 300_000, 45_000, new byte[]{1, 2, 3}, new byte[]{4}),
            new GroupMetadata.Member("c2-b", "instance-b", "c2", "/10.0.0.2", 60_000, 10_000, new byte[0], new byte[]{5, 6})));

    @Test
    void kafkaReadsWhatTributaryWrites() {
        ByteBuffer key = ByteBuffer.wrap(GroupMetadataCodec.key("billing"));
        assertEquals(2, key.getShort(), "the record type of group metadata");
        assertEquals("billing", new GroupMetadataKey(new ByteBufferAccessor(key), (short) 0).group());
        assertEquals(0, key.remaining());

        ByteBuffer value = ByteBuffer.wrap(GroupMetadataCodec.value(GROUP));
        short version = value.getShort();
        assertEquals(3, version, "the version Kafka writes");
        GroupMetadataValue read = new GroupMetadataValue(new ByteBufferAccessor(value), version);
        assertEquals(0, value.remaining());
        assertEquals("consumer", read.protocolType());
        assertEquals(7, read.generation());
        assertEquals("range", read.protocol());
        assertEquals("c1-a", read.leader());
        assertEquals(1_700_000_000_123L, read.currentStateTimestamp());
        assertEquals(2, read.members().size());
        GroupMetadataValue.MemberMetadata b = read.members().get(1);
        assertEquals("c2-b", b.memberId());
        assertEquals("instance-b", b.groupInstanceId());
        assertEquals("c2", b.clientId());
        assertEquals("/10.0.0.2", b.clientHost());
        assertEquals(60_000, b.rebalanceTimeout());
        assertEquals(10_000, b.sessionTimeout());
        assertArrayEquals(new byte[0], b.subscription());
        assertArrayEquals(new byte[]{5, 6}, b.assignment());
        assertNull(read.members().get(0).groupInstanceId());
        assertArrayEquals(new byte[]{1, 2, 3}, read.members().get(0).subscription());
    }

    @Test
    void tributaryReadsWhatKafkaWritesInEveryVersionUpToThree() {
        GroupMetadataValue kafka = new GroupMetadataValue().setProtocolType("consumer").setGeneration(4).setProtocol("sticky")
                .setLeader("m1").setCurrentStateTimestamp(99).setMembers(List.of(new GroupMetadataValue.MemberMetadata()
                        .setMemberId("m1").setGroupInstanceId("i1").setClientId("c").setClientHost("/h")
                        .setRebalanceTimeout(70_000).setSessionTimeout(20_000).setSubscription(new byte[]{9})
                        .setAssignment(new byte[]{8, 7})));
        for (short version = 0; version <= 3; version++) {
            byte[] bytes = MessageUtil.toVersionPrefixedBytes(version, kafka);
            GroupMetadata read = GroupMetadataCodec.readValue(ByteBuffer.wrap(bytes));
            assertEquals(4, read.generation());
            assertEquals("sticky", read.protocol());
            assertEquals("m1", read.leader());
            GroupMetadata.Member m = read.members().get(0);
            assertEquals("m1", m.memberId());
            assertEquals(version >= 3 ? "i1" : null, m.groupInstanceId(), "version " + version);
            assertEquals(version >= 1 ? 70_000 : 20_000, m.rebalanceTimeoutMs(), "version " + version);
            assertEquals(20_000, m.sessionTimeoutMs());
            assertEquals(version >= 2 ? 99 : -1, read.currentStateTimestamp(), "version " + version);
            assertArrayEquals(new byte[]{9}, m.subscription());
            assertArrayEquals(new byte[]{8, 7}, m.assignment());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GroupMetadataCodec.readValue(ByteBuffer.wrap(MessageUtil.toVersionPrefixedBytes((short) 4, kafka))));
        assertTrue(e.getMessage().contains("version 4"), e.getMessage());
    }

    @Test
    void groupMetadataKeysAreToldApartFromOffsetKeys() {
        assertTrue(GroupMetadataCodec.isGroupMetadataKey(ByteBuffer.wrap(GroupMetadataCodec.key("g"))));
        assertFalse(GroupMetadataCodec.isGroupMetadataKey(ByteBuffer.wrap(
                OffsetRecordCodec.key("g", new org.apache.kafka.common.TopicPartition("t", 0)))));
        assertEquals("g", GroupMetadataCodec.readKey(ByteBuffer.wrap(GroupMetadataCodec.key("g"))));
    }
}
