package io.tributary.api;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * A handle for sending records, from {@link TributaryConnectionFactory#getConnection()}. Each send
 * completes with the partition and offset the record was stored at, once the cluster acknowledged
 * it with the factory's {@code acks} setting (default {@code all}); inside a JTA transaction the
 * record joins the transaction and is visible to {@code read_committed} consumers only if it
 * commits. The error model (what is thrown, what completes the stage exceptionally) is in the
 * package documentation.
 *
 * <p>Thread safety: a connection may be used by several threads at once, within the transaction
 * context it was obtained in (a send on a connection obtained inside a JTA transaction joins that
 * transaction, whichever thread makes it). Close it before the transaction, or the bean method that
 * obtained it, ends; do not keep it in a field. For a send without a connection to manage, use the
 * factory's own {@code send} methods.
 */
public interface TributaryConnection extends AutoCloseable {
    /** Sends a record with a UTF-8 key and value; a null key lets the partitioner choose. */
    CompletionStage<SentRecord> send(String topic, String key, String value);

    /** Sends a record with raw bytes. */
    CompletionStage<SentRecord> send(String topic, byte[] key, byte[] value);

    /**
     * Sends {@code value} written by the factory's {@code valueSerializer}, JSON through JSON-B when
     * it names none (with a {@code content-type: application/json} header), and a key written by its
     * {@code keySerializer}, UTF-8 when it names none.
     *
     * @throws RecordSerializationException when the key or value cannot be written
     */
    CompletionStage<SentRecord> sendObject(String topic, String key, Object value);

    /**
     * {@link #sendObject(String, String, Object)} with a key of any type the factory's
     * {@code keySerializer} writes (without one, the key must be a {@code String} or a {@code byte[]}).
     *
     * @throws RecordSerializationException when the key or value cannot be written
     */
    CompletionStage<SentRecord> sendObject(String topic, Object key, Object value);

    /** Sends a record with explicit partition, timestamp and headers. */
    CompletionStage<SentRecord> send(OutgoingRecord record);

    /**
     * Sends a record and gives up waiting after {@code timeout}: the stage then completes
     * exceptionally with a {@link SendTimeoutException}. The producer's own bound,
     * {@code delivery.timeout.ms}, still applies.
     *
     * @throws IllegalArgumentException when {@code timeout} is not positive
     */
    CompletionStage<SentRecord> send(OutgoingRecord record, Duration timeout);

    /** Returns the connection to the pool; later sends throw {@link ConnectionClosedException}. */
    @Override
    void close();
}
