package io.tributary.broker.group;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The string field of Kafka's non-flexible record schemas, as {@code __consumer_offsets} records
 * use it: an {@code int16} length ({@code -1} for null) followed by that many UTF-8 bytes.
 */
final class RecordStrings {
    private RecordStrings() {
    }

    static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /** Writes {@code s} (UTF-8 bytes, or null) with its length prefix. */
    static void put(ByteBuffer b, byte[] s) {
        if (s == null) {
            b.putShort((short) -1);
        } else {
            b.putShort((short) s.length).put(s);
        }
    }

    static String read(ByteBuffer b) {
        short len = b.getShort();
        if (len < 0) return null;
        byte[] bytes = new byte[len];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
