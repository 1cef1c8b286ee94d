package io.tributary.broker.cluster;

import java.util.List;
import java.util.Optional;

/**
 * A broker as the metadata quorum knows it: its node id, the address other brokers reach it on
 * ({@code host}:{@code port}, the advertised address of its inter-broker listener), and the
 * advertised address of every listener, by listener name. A client is only ever told the addresses
 * of the listener its own request came in on, as Kafka does. Immutable.
 */
public record BrokerRegistration(int nodeId, String host, int port, List<Endpoint> endpoints) {
    /** The listener name of a registration that names no listeners (written before listeners were registered). */
    public static final String DEFAULT_LISTENER = "PLAINTEXT";

    /** One advertised listener: its name (upper case, as in {@code listeners}) and address. */
    public record Endpoint(String listenerName, String host, int port) {
    }

    public BrokerRegistration {
        endpoints = List.copyOf(endpoints);
    }

    /** A broker with a single {@code PLAINTEXT} listener at {@code host:port}. */
    public BrokerRegistration(int nodeId, String host, int port) {
        this(nodeId, host, port, List.of(new Endpoint(DEFAULT_LISTENER, host, port)));
    }

    /**
     * The advertised address of listener {@code listenerName}; for a null name (a request that came
     * from no listener) the inter-broker address. Empty when the broker has no such listener.
     */
    public Optional<Endpoint> endpoint(String listenerName) {
        if (listenerName == null) return Optional.of(new Endpoint(DEFAULT_LISTENER, host, port));
        for (Endpoint e : endpoints) if (e.listenerName().equals(listenerName)) return Optional.of(e);
        return Optional.empty();
    }
}
