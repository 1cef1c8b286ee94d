package io.tributary.api;

import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A record delivered to a message-driven bean: where it is stored (topic, partition, offset), its
 * timestamp, key, value and headers, and which delivery of it this is. The bytes are exposed as
 * they were sent; the helpers decode them as UTF-8 or, with {@link #valueAs(Class)} (and
 * {@link #valueAs(TypeRef)} for generic types), as JSON through JSON-B. When the activation names
 * a Kafka {@code keyDeserializer}/{@code valueDeserializer}, {@link #deserializedKey()} and
 * {@link #deserializedValue()} give what it produced. Immutable.
 */
public final class TributaryRecord {
    /**
     * The header that carries the delivery attempt on a redelivery: its value is the attempt as
     * decimal text in UTF-8 ({@code "2"} for the first redelivery). Absent on a first delivery.
     */
    public static final String DELIVERY_ATTEMPT_HEADER = "tributary.delivery.attempt";

    private final String topic;
    private final int partition;
    private final long offset;
    private final long timestamp;
    private final byte[] key;
    private final byte[] value;
    private final List<Header> headerList;
    private final Map<String, byte[]> lastHeaders;
    private final ValueReader reader;
    private final Object deserializedKey;
    private final Object deserializedValue;

    /**
     * A record whose headers have distinct names (a map keeps one value per name), without
     * deserializers: {@link #deserializedKey()} and {@link #deserializedValue()} are the bytes.
     */
    public TributaryRecord(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value,
                           Map<String, byte[]> headers, ValueReader reader) {
        this(topic, partition, offset, timestamp, key, value, toList(headers), reader, key, value);
    }

    /**
     * A record with its headers in order (names may repeat) and what the activation's
     * deserializers made of its key and value (the bytes themselves when it has none).
     */
    public TributaryRecord(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value,
                           List<Header> headers, ValueReader reader, Object deserializedKey, Object deserializedValue) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.key = key;
        this.value = value;
        this.headerList = headers == null ? List.of() : List.copyOf(headers);
        Map<String, byte[]> last = new LinkedHashMap<>();
        for (Header h : headerList) last.put(h.name(), h.valueUncopied());
        this.lastHeaders = Collections.unmodifiableMap(last);
        this.reader = reader;
        this.deserializedKey = deserializedKey;
        this.deserializedValue = deserializedValue;
    }

    public String topic() { return topic; }
    public int partition() { return partition; }
    public long offset() { return offset; }
    public long timestamp() { return timestamp; }
    public byte[] key() { return key == null ? null : key.clone(); }
    public byte[] value() { return value == null ? null : value.clone(); }

    /** Header name → value; when a name repeats, the last value (as Kafka's {@code lastHeader}). */
    public Map<String, byte[]> headers() { return lastHeaders; }

    /** Every header, in the order they were sent, repeated names included. */
    public List<Header> headerList() { return headerList; }

    /** The last value of header {@code name} as UTF-8; null when the record has none. */
    public String header(String name) {
        byte[] h = lastHeaders.get(name);
        return h == null ? null : new String(h, StandardCharsets.UTF_8);
    }

    /** Every value of header {@code name} as UTF-8, in the order sent; empty when the record has none. */
    public List<String> headers(String name) {
        List<String> values = new ArrayList<>();
        for (Header h : headerList) {
            if (h.name().equals(name)) values.add(h.valueAsString());
        }
        return Collections.unmodifiableList(values);
    }

    /**
     * Which delivery of this record this is: 1 the first time, 2 on the first redelivery, and so on
     * (read from {@link #DELIVERY_ATTEMPT_HEADER}; 1 when the header is absent or not a number).
     */
    public int deliveryAttempt() {
        String h = header(DELIVERY_ATTEMPT_HEADER);
        if (h == null) return 1;
        try {
            return Math.max(1, Integer.parseInt(h.trim()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    public String keyAsString() {
        return key == null ? null : new String(key, StandardCharsets.UTF_8);
    }

    public String valueAsString() {
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    /**
     * The value read as JSON into {@code type}; null for a null value.
     *
     * @throws RecordDeserializationException when the value is not JSON of that type
     */
    public <T> T valueAs(Class<T> type) {
        return type.cast(read(type));
    }

    /**
     * The value read as JSON into a generic type: {@code valueAs(new TypeRef<List<Order>>() {})}.
     *
     * @throws RecordDeserializationException when the value is not JSON of that type
     */
    @SuppressWarnings("unchecked")
    public <T> T valueAs(TypeRef<T> type) {
        return (T) read(type.type());
    }

    /**
     * The value read as JSON into {@code type}, a {@link Class} or a {@code ParameterizedType}
     * (from a field, a method signature or {@link TypeRef#type()}).
     *
     * @throws RecordDeserializationException when the value is not JSON of that type
     */
    @SuppressWarnings("unchecked")
    public <T> T valueAs(Type type) {
        return (T) read(type);
    }

    private Object read(Type type) {
        if (value == null) return null;
        if (reader == null) {
            throw new RecordDeserializationException(topic, partition, offset, false,
                    "No JSON reader is available to read " + this + " as " + type.getTypeName(), null);
        }
        try {
            return reader.read(value, type);
        } catch (RecordDeserializationException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new RecordDeserializationException(topic, partition, offset, false, "Cannot read the value of " + this
                    + " as " + type.getTypeName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The key as the activation's {@code keyDeserializer} produced it; the key bytes (a copy) when
     * the activation names none; null for a null key.
     */
    public Object deserializedKey() {
        return deserializedKey instanceof byte[] b ? b.clone() : deserializedKey;
    }

    /**
     * The value as the activation's {@code valueDeserializer} produced it; the value bytes (a copy)
     * when the activation names none; null for a null value (a tombstone).
     */
    public Object deserializedValue() {
        return deserializedValue instanceof byte[] b ? b.clone() : deserializedValue;
    }

    /**
     * {@link #deserializedValue()} as {@code type}.
     *
     * @throws TributaryException when the deserializer produced an object of another type
     */
    public <T> T deserializedValue(Class<T> type) {
        return cast(deserializedValue(), type, "value");
    }

    /**
     * {@link #deserializedKey()} as {@code type}.
     *
     * @throws TributaryException when the deserializer produced an object of another type
     */
    public <T> T deserializedKey(Class<T> type) {
        return cast(deserializedKey(), type, "key");
    }

    private <T> T cast(Object o, Class<T> type, String what) {
        if (o == null || type.isInstance(o)) return type.cast(o);
        throw new TributaryException("The deserialized " + what + " of " + this + " is a " + o.getClass().getName()
                + ", not a " + type.getName());
    }

    @Override
    public String toString() {
        return "TributaryRecord(" + topic + "-" + partition + "@" + offset + ")";
    }

    private static List<Header> toList(Map<String, byte[]> headers) {
        List<Header> list = new ArrayList<>();
        if (headers != null) headers.forEach((n, v) -> list.add(new Header(n, v)));
        return list;
    }
}
