package io.tributary.api;

import java.util.concurrent.CompletionStage;

/**
 * A handle for sending records. Each send completes with the partition and offset the record was
 * stored at, once the cluster acknowledged it with the factory's {@code acks} setting (default
 * {@code all}); it completes exceptionally with a {@link TributaryException} when the record
 * could not be stored. Not thread-safe: use one connection per thread and close it after use.
 */
public interface TributaryConnection extends AutoCloseable {
    /** Sends a record with a UTF-8 key and value; a null key lets the partitioner choose. */
    CompletionStage<SentRecord> send(String topic, String key, String value);

    /** Sends a record with raw bytes. */
    CompletionStage<SentRecord> send(String topic, byte[] key, byte[] value);

    /** Sends {@code value} serialized to JSON with JSON-B, with a UTF-8 key. */
    CompletionStage<SentRecord> sendObject(String topic, String key, Object value);

    /** Sends a record with explicit partition, timestamp and headers. */
    CompletionStage<SentRecord> send(OutgoingRecord record);

    /** Returns the connection to the pool. */
    @Override
    void close();
}
