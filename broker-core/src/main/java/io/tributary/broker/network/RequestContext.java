package io.tributary.broker.network;

import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Who sent a request and how: its header (API, version, client id, correlation id) and the
 * connection it came on (peer address, listener, principal). What authorization and quotas are
 * decided on. Immutable.
 */
public record RequestContext(RequestHeader header, ConnectionContext connection) {
    public short apiVersion() {
        return header.apiVersion();
    }

    public String clientId() {
        return header.clientId();
    }

    public SocketAddress clientAddress() {
        return connection.clientAddress();
    }

    /** The client's IP address as Kafka's ACLs name hosts ({@code 127.0.0.1}); empty when unknown. */
    public String clientHost() {
        return connection.clientAddress() instanceof InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress() : "";
    }

    public String listenerName() {
        return connection.listenerName();
    }

    public SecurityProtocol securityProtocol() {
        return connection.securityProtocol();
    }

    public KafkaPrincipal principal() {
        return connection.principal();
    }
}
