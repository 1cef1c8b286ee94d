package io.tributary.ra.outbound;

import io.tributary.api.OutgoingRecord;
import io.tributary.api.RecordSerializationException;
import io.tributary.ra.json.JsonbCodec;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns {@code sendObject}'s key and value into a record's bytes, as the connection factory is
 * configured: its {@code keySerializer}/{@code valueSerializer} (Kafka {@link Serializer}s,
 * configured once with the producer's properties, as a producer would) or, without them, the key
 * as UTF-8 and the value as JSON through JSON-B with a {@code content-type: application/json}
 * header. Headers a serializer adds go with the record. Thread-safe as the serializers are (Kafka's
 * producer shares one serializer between threads too).
 */
final class ObjectRecords {
    static final String CONTENT_TYPE = "content-type";

    private final JsonbCodec json;
    private final Serializer<Object> keySerializer;
    private final Serializer<Object> valueSerializer;

    /** {@code keySerializer}, {@code valueSerializer}: null for the defaults. */
    ObjectRecords(JsonbCodec json, Serializer<Object> keySerializer, Serializer<Object> valueSerializer) {
        this.json = json;
        this.keySerializer = keySerializer;
        this.valueSerializer = valueSerializer;
    }

    /**
     * The record of {@code key} and {@code value} for {@code topic}.
     *
     * @throws RecordSerializationException when a serializer fails
     * @throws IllegalArgumentException for a key that is neither text nor bytes without a {@code keySerializer}
     */
    OutgoingRecord record(String topic, Object key, Object value) {
        if (topic == null || topic.isEmpty()) throw new IllegalArgumentException("An outgoing record needs a topic");
        RecordHeaders headers = new RecordHeaders();
        byte[] keyBytes = key(topic, headers, key);
        byte[] valueBytes;
        if (valueSerializer != null) {
            valueBytes = serialize(valueSerializer, topic, headers, value, false);
        } else if (value == null) {
            valueBytes = null;
        } else {
            try {
                valueBytes = json.write(value);
            } catch (RuntimeException e) {
                throw new RecordSerializationException(topic, false, "Cannot write a " + value.getClass().getName()
                        + " as JSON for topic " + topic + ": " + e.getMessage(), e);
            }
            headers.add(CONTENT_TYPE, "application/json".getBytes(StandardCharsets.UTF_8));
        }
        Map<String, byte[]> h = new LinkedHashMap<>();
        for (Header header : headers) h.put(header.key(), header.value());
        return new OutgoingRecord(topic, null, null, keyBytes, valueBytes, h);
    }

    private byte[] key(String topic, RecordHeaders headers, Object key) {
        if (keySerializer != null) return serialize(keySerializer, topic, headers, key, true);
        if (key == null) return null;
        if (key instanceof String s) return s.getBytes(StandardCharsets.UTF_8);
        if (key instanceof byte[] b) return b;
        throw new IllegalArgumentException("A key of type " + key.getClass().getName() + " for topic " + topic
                + " needs a keySerializer on the connection factory; without one a key is a String or a byte[]");
    }

    private static byte[] serialize(Serializer<Object> serializer, String topic, RecordHeaders headers, Object data, boolean isKey) {
        try {
            return serializer.serialize(topic, headers, data);
        } catch (RuntimeException e) {
            throw new RecordSerializationException(topic, isKey, (isKey ? "keySerializer " : "valueSerializer ")
                    + serializer.getClass().getName() + " cannot write a " + (data == null ? "null" : data.getClass().getName())
                    + " for topic " + topic + ": " + e.getMessage(), e);
        }
    }

    /** Closes the serializers (when the adapter stops). */
    void close() {
        if (keySerializer != null) keySerializer.close();
        if (valueSerializer != null) valueSerializer.close();
    }
}
