package io.tributary.examples;

import io.tributary.api.SentRecord;
import io.tributary.api.TributaryConnection;
import io.tributary.api.TributaryConnectionFactory;
import jakarta.annotation.Resource;
import jakarta.ejb.Stateless;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Places orders by sending them, keyed by order id, to the {@code orders} topic. */
@Stateless
public class OrderService {
    public static final String TOPIC = "orders";

    @Resource(lookup = TributaryResources.FACTORY)
    TributaryConnectionFactory factory;

    /**
     * Sends one order and waits until the cluster stored it: the factory's own send, no connection
     * to manage (it joins this method's transaction all the same).
     */
    public SentRecord place(Order order) {
        return factory.sendObject(TOPIC, order.getId(), order).toCompletableFuture().join();
    }

    /** Sends many orders without waiting between them, then waits for all: one connection for all the sends. */
    public List<SentRecord> placeAll(List<Order> orders) {
        List<CompletableFuture<SentRecord>> pending = new ArrayList<>(orders.size());
        try (TributaryConnection connection = factory.getConnection()) {
            for (Order o : orders) pending.add(connection.sendObject(TOPIC, o.getId(), o).toCompletableFuture());
        }
        List<SentRecord> sent = new ArrayList<>(pending.size());
        for (CompletableFuture<SentRecord> f : pending) sent.add(f.join());
        return sent;
    }
}
