package io.tributary.api;

/**
 * A delivered record's key or value could not be read: by the activation's
 * {@code keyDeserializer}/{@code valueDeserializer} before delivery, or as JSON by
 * {@link TributaryRecord#valueAs}. The record itself is at fault, not the application or the
 * infrastructure: delivering it again gives the same result, so the adapter treats it as a poison
 * record (redelivery rules, then the dead-letter topic).
 */
public class RecordDeserializationException extends TributaryException {
    private final String topic;
    private final int partition;
    private final long offset;
    private final boolean key;

    public RecordDeserializationException(String topic, int partition, long offset, boolean key, String message,
                                          Throwable cause) {
        super(message, cause);
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.key = key;
    }

    public String topic() {
        return topic;
    }

    public int partition() {
        return partition;
    }

    public long offset() {
        return offset;
    }

    /** Whether the key (true) or the value (false) could not be read. */
    public boolean isKey() {
        return key;
    }
}
