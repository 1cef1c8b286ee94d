package io.tributary.broker.quota;

/**
 * The four client quotas, by their Kafka configuration key and the {@code type} of their metrics
 * ({@code kafka.server:type=Produce,user=…,client-id=…}).
 */
public enum QuotaType {
    /** Bytes per second of Produce requests. */
    PRODUCE("producer_byte_rate", "Produce"),
    /** Bytes per second of Fetch responses. */
    FETCH("consumer_byte_rate", "Fetch"),
    /** Percentage of one request-handler thread over the quota window (KIP-124). */
    REQUEST("request_percentage", "Request"),
    /** Partitions created or deleted per second (KIP-599). */
    CONTROLLER_MUTATION("controller_mutation_rate", "ControllerMutation");

    private final String key;
    private final String metricType;

    QuotaType(String key, String metricType) {
        this.key = key;
        this.metricType = metricType;
    }

    public String key() {
        return key;
    }

    public String metricType() {
        return metricType;
    }

    /** Whether the value must be a whole number (Kafka's LONG quota keys). */
    public boolean integral() {
        return this == PRODUCE || this == FETCH;
    }

    /** The type of {@code key}, or null for a key Kafka does not know as a client quota. */
    public static QuotaType forKey(String key) {
        for (QuotaType t : values()) if (t.key.equals(key)) return t;
        return null;
    }
}
