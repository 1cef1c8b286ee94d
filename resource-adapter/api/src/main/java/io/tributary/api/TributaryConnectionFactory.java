package io.tributary.api;

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
 *         try (TributaryConnection connection = factory.getConnection()) {
 *             return connection.sendObject("orders", order.id(), order).toCompletableFuture().join();
 *         }
 *     }
 * }
 * }</pre>
 *
 * Connections are pooled by the application server; all connections of one factory share one
 * producer, so getting and closing a connection per use is cheap.
 */
public interface TributaryConnectionFactory {
    /** A connection from the server's pool; close it when done (try-with-resources). */
    TributaryConnection getConnection();
}
