package io.tributary.api;

/** Where a sent record was stored: topic, partition, offset, and the timestamp it carries. */
public record SentRecord(String topic, int partition, long offset, long timestamp) {
}
