package io.tributary.api;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A record to send. {@code partition} and {@code timestamp} may be null (partitioner's choice,
 * send time); {@code key} and {@code value} may be null (a null value on a compacted topic is a
 * tombstone). Header values are bytes; order is kept.
 *
 * @throws IllegalArgumentException for a missing topic or a negative partition
 */
public record OutgoingRecord(String topic, Integer partition, Long timestamp, byte[] key, byte[] value,
                             Map<String, byte[]> headers) {
    public OutgoingRecord {
        if (topic == null || topic.isEmpty()) throw new IllegalArgumentException("An outgoing record needs a topic");
        if (partition != null && partition < 0) {
            throw new IllegalArgumentException("Partition " + partition + " of topic " + topic + " is negative");
        }
        headers = headers == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    /** A record with UTF-8 key and value and no headers. */
    public static OutgoingRecord of(String topic, String key, String value) {
        return new OutgoingRecord(topic, null, null, utf8(key), utf8(value), Map.of());
    }

    /** This record with one more header (UTF-8 value). */
    public OutgoingRecord withHeader(String name, String value) {
        Map<String, byte[]> h = new LinkedHashMap<>(headers);
        h.put(name, utf8(value));
        return new OutgoingRecord(topic, partition, timestamp, key, this.value, h);
    }

    /** This record sent to a given partition. */
    public OutgoingRecord toPartition(int p) {
        return new OutgoingRecord(topic, p, timestamp, key, value, headers);
    }

    static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }
}
