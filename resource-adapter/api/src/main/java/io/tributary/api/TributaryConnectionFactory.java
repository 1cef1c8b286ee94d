package io.tributary.api;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Sends records to Tributary (or any Kafka-compatible cluster the adapter points at). Declare it
 * in the application and inject it:
 *
 * <pre>{@code
 * @ConnectionFactoryDefinition(name = "java:app/tributary/orders",
 *         interfaceName = "io.tributary.api.TributaryConnectionFactory", resourceAdapter = "tributary")
 * @Stateless
 * public class OrderService {
 *     @Resource(lookup = "java:app/tributary/orders")
 *     TributaryConnectionFactory factory;
 *
 *     public SentRecord place(Order order) {
 *         return factory.sendObject("orders", order.id(), order).toCompletableFuture().join();
 *     }
 * }
 * }</pre>
 *
 * <p>The factory is thread-safe and may be kept in a field and used from any thread. Its
 * {@code send} methods need no connection ceremony: each takes a connection from the server's pool,
 * sends, and gives it back, so inside a JTA transaction the record joins the transaction (the
 * server enlists the connection) and outside one it is sent at once. For several sends in a row,
 * a connection ({@link #getConnection()}) saves the pool round trips. All connections of one
 * factory share one producer, so either way is cheap.
 */
public interface TributaryConnectionFactory {
    /** A connection from the server's pool; close it when done (try-with-resources). */
    TributaryConnection getConnection();

    /** {@link TributaryConnection#send(String, String, String)} on a connection of its own. */
    default CompletionStage<SentRecord> send(String topic, String key, String value) {
        try (TributaryConnection c = getConnection()) {
            return c.send(topic, key, value);
        }
    }

    /** {@link TributaryConnection#sendObject(String, String, Object)} on a connection of its own. */
    default CompletionStage<SentRecord> sendObject(String topic, String key, Object value) {
        try (TributaryConnection c = getConnection()) {
            return c.sendObject(topic, key, value);
        }
    }

    /** {@link TributaryConnection#sendObject(String, Object, Object)} on a connection of its own. */
    default CompletionStage<SentRecord> sendObject(String topic, Object key, Object value) {
        try (TributaryConnection c = getConnection()) {
            return c.sendObject(topic, key, value);
        }
    }

    /** {@link TributaryConnection#send(OutgoingRecord)} on a connection of its own. */
    default CompletionStage<SentRecord> send(OutgoingRecord record) {
        try (TributaryConnection c = getConnection()) {
            return c.send(record);
        }
    }

    /** {@link TributaryConnection#send(OutgoingRecord, Duration)} on a connection of its own. */
    default CompletionStage<SentRecord> send(OutgoingRecord record, Duration timeout) {
        try (TributaryConnection c = getConnection()) {
            return c.send(record, timeout);
        }
    }
}
