package io.tributary.broker.group;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Kafka's group metadata records of {@code __consumer_offsets}, byte for byte, so that Kafka's
 * tools read what Tributary writes. Big-endian; a string is an {@code int16} length ({@code -1}
 * for null) and UTF-8 bytes; bytes are an {@code int32} length and the bytes; an array is an
 * {@code int32} count and its elements.
 *
 * <pre>
 * key (GroupMetadataKey):     int16 2 | string group
 * value (GroupMetadataValue): int16 version (3 written; 0–3 read) | string protocolType |
 *     int32 generation | nullable string protocol | nullable string leader |
 *     int64 currentStateTimestamp (v2+) | [MemberMetadata] members
 * MemberMetadata:             string memberId | nullable string groupInstanceId (v3+) |
 *     string clientId | string clientHost | int32 rebalanceTimeout (v1+) | int32 sessionTimeout |
 *     bytes subscription | bytes assignment
 * </pre>
 *
 * The key's leading {@code int16} is the record type shared with the offset commits
 * ({@link OffsetRecordCodec}: 0 and 1 are offsets, 2 is group metadata). A null value is a
 * tombstone: the group was deleted. Version 3 is the one Kafka writes (the last one that is not
 * "flexible"); version 0 has no rebalance timeout (the session timeout stands in for it).
 */
public final class GroupMetadataCodec {
    /** The key type of group metadata records. */
    public static final short KEY_TYPE = 2;
    static final short VALUE_VERSION = 3;

    private GroupMetadataCodec() {
    }

    /** True when {@code key} is a group metadata key (its type is {@link #KEY_TYPE}). */
    public static boolean isGroupMetadataKey(ByteBuffer key) {
        return key.remaining() >= 2 && key.getShort(key.position()) == KEY_TYPE;
    }

    public static byte[] key(String group) {
        byte[] g = RecordStrings.utf8(group);
        return ByteBuffer.allocate(2 + 2 + g.length).putShort(KEY_TYPE).putShort((short) g.length).put(g).array();
    }

    public static byte[] value(GroupMetadata m) {
        List<byte[][]> members = new ArrayList<>();
        int size = 2 + stringSize(m.protocolType()) + 4 + stringSize(m.protocol()) + stringSize(m.leader()) + 8 + 4;
        for (GroupMetadata.Member member : m.members()) {
            byte[][] fields = {RecordStrings.utf8(member.memberId()), RecordStrings.utf8(member.groupInstanceId()),
                    RecordStrings.utf8(member.clientId()), RecordStrings.utf8(member.clientHost())};
            members.add(fields);
            for (byte[] f : fields) size += 2 + (f == null ? 0 : f.length);
            size += 4 + 4 + 4 + member.subscription().length + 4 + member.assignment().length;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putShort(VALUE_VERSION);
        RecordStrings.put(b, RecordStrings.utf8(m.protocolType() == null ? "" : m.protocolType()));
        b.putInt(m.generation());
        RecordStrings.put(b, RecordStrings.utf8(m.protocol()));
        RecordStrings.put(b, RecordStrings.utf8(m.leader()));
        b.putLong(m.currentStateTimestamp());
        b.putInt(m.members().size());
        for (int i = 0; i < members.size(); i++) {
            GroupMetadata.Member member = m.members().get(i);
            byte[][] f = members.get(i);
            RecordStrings.put(b, f[0]);
            RecordStrings.put(b, f[1]);
            RecordStrings.put(b, f[2]);
            RecordStrings.put(b, f[3]);
            b.putInt(member.rebalanceTimeoutMs()).putInt(member.sessionTimeoutMs());
            b.putInt(member.subscription().length).put(member.subscription());
            b.putInt(member.assignment().length).put(member.assignment());
        }
        return b.array();
    }

    /** The group id of a group metadata key. */
    public static String readKey(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        short type = b.getShort();
        if (type != KEY_TYPE) throw new IllegalArgumentException("Not a group metadata key: key type " + type);
        String group = RecordStrings.read(b);
        if (group == null) throw new IllegalArgumentException("Group metadata key without a group id");
        return group;
    }

    /**
     * Decodes a group metadata value of version 0 to 3.
     *
     * @throws IllegalArgumentException for another version or a truncated value
     */
    public static GroupMetadata readValue(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        try {
            short version = b.getShort();
            if (version < 0 || version > VALUE_VERSION) {
                throw new IllegalArgumentException("Unsupported group metadata value version " + version
                        + " (versions 0 to " + VALUE_VERSION + " are read)");
            }
            String protocolType = RecordStrings.read(b);
            int generation = b.getInt();
            String protocol = RecordStrings.read(b);
            String leader = RecordStrings.read(b);
            long stateTimestamp = version >= 2 ? b.getLong() : -1L;
            int count = b.getInt();
            if (count < 0) throw new IllegalArgumentException("Negative member count " + count);
            List<GroupMetadata.Member> members = new ArrayList<>(Math.min(count, 1024));
            for (int i = 0; i < count; i++) {
                String memberId = RecordStrings.read(b);
                String instanceId = version >= 3 ? RecordStrings.read(b) : null;
                String clientId = RecordStrings.read(b);
                String clientHost = RecordStrings.read(b);
                int rebalanceTimeout = version >= 1 ? b.getInt() : -1;
                int sessionTimeout = b.getInt();
                if (version == 0) rebalanceTimeout = sessionTimeout;
                byte[] subscription = readBytes(b);
                byte[] assignment = readBytes(b);
                members.add(new GroupMetadata.Member(memberId, instanceId, clientId, clientHost, rebalanceTimeout,
                        sessionTimeout, subscription, assignment));
            }
            return new GroupMetadata(protocolType, generation, protocol, leader, stateTimestamp, members);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("Truncated group metadata value", e);
        }
    }


    private static int stringSize(String s) {
        return 2 + (s == null ? 0 : RecordStrings.utf8(s).length);
    }



    private static byte[] readBytes(ByteBuffer b) {
        int len = b.getInt();
        if (len < 0) return new byte[0];
        if (len > b.remaining()) throw new IllegalArgumentException("Byte field of " + len + " bytes, " + b.remaining() + " left");
        byte[] bytes = new byte[len];
        b.get(bytes);
        return bytes;
    }
}
