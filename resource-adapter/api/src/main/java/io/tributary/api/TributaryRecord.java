package io.tributary.api;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A record delivered to a message-driven bean: where it is stored (topic, partition, offset), its
 * timestamp, key, value and headers. The bytes are exposed as they were sent; the helpers decode
 * them as UTF-8 or, with {@link #valueAs(Class)}, as JSON through JSON-B. Immutable.
 */
public final class TributaryRecord {
    private final String topic;
    private final int partition;
    private final long offset;
    private final long timestamp;
    private final byte[] key;
    private final byte[] value;
    private final Map<String, byte[]> headers;
    private final ValueReader reader;

    public TributaryRecord(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value,
                           Map<String, byte[]> headers, ValueReader reader) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.key = key;
        this.value = value;
        this.headers = headers == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        this.reader = reader;
    }

    public String topic() { return topic; }
    public int partition() { return partition; }
    public long offset() { return offset; }
    public long timestamp() { return timestamp; }
    public byte[] key() { return key == null ? null : key.clone(); }
    public byte[] value() { return value == null ? null : value.clone(); }
    /** Header name → value; when a name repeats, the last value. */
    public Map<String, byte[]> headers() { return headers; }

    public String keyAsString() {
        return key == null ? null : new String(key, StandardCharsets.UTF_8);
    }

    public String valueAsString() {
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    public String header(String name) {
        byte[] h = headers.get(name);
        return h == null ? null : new String(h, StandardCharsets.UTF_8);
    }

    /** The value read as JSON into {@code type}; null for a null value. */
    public <T> T valueAs(Class<T> type) {
        if (value == null) return null;
        if (reader == null) throw new TributaryException("No JSON reader is available to read " + this + " as " + type.getName());
        return reader.read(value, type);
    }

    @Override
    public String toString() {
        return "TributaryRecord(" + topic + "-" + partition + "@" + offset + ")";
    }
}
