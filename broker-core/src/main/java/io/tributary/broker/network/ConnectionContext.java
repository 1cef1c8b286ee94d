package io.tributary.broker.network;

import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;

import java.net.SocketAddress;

/**
 * Who is at the other end of one client connection, fixed when it is accepted: the peer address,
 * the listener it came in on (its name and security protocol) and the authenticated principal,
 * {@link KafkaPrincipal#ANONYMOUS} ({@code User:ANONYMOUS}) on a {@code PLAINTEXT} listener or a TLS
 * connection without a client certificate, as in Kafka, and {@code User:<subject DN>} once a client
 * certificate is verified. Immutable.
 */
public record ConnectionContext(SocketAddress clientAddress, String listenerName, SecurityProtocol securityProtocol,
                                KafkaPrincipal principal) {
    /** A connection accepted on {@code listener}, before any authentication. */
    public static ConnectionContext accepted(SocketAddress clientAddress, Listener listener) {
        return new ConnectionContext(clientAddress, listener.name(), listener.securityProtocol(), KafkaPrincipal.ANONYMOUS);
    }

    /** This connection once {@code principal} is authenticated (for example by its TLS client certificate). */
    public ConnectionContext withPrincipal(KafkaPrincipal principal) {
        return new ConnectionContext(clientAddress, listenerName, securityProtocol, principal);
    }
}
