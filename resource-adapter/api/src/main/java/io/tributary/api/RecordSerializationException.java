package io.tributary.api;

/**
 * A key or value the connection factory's serializer ({@code keySerializer},
 * {@code valueSerializer}, JSON-B by default) could not turn into bytes. Thrown by the send
 * itself: nothing was sent.
 */
public class RecordSerializationException extends TributaryException {
    private final String topic;
    private final boolean key;

    public RecordSerializationException(String topic, boolean key, String message, Throwable cause) {
        super(message, cause);
        this.topic = topic;
        this.key = key;
    }

    public String topic() {
        return topic;
    }

    /** Whether the key (true) or the value (false) could not be serialized. */
    public boolean isKey() {
        return key;
    }
}
