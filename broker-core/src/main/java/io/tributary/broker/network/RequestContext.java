package io.tributary.broker.network;

import org.apache.kafka.common.requests.RequestHeader;

import java.net.SocketAddress;

/** Who sent a request and how: its header (API, version, client id, correlation id) and peer address. */
public record RequestContext(RequestHeader header, SocketAddress clientAddress) {
    public short apiVersion() {
        return header.apiVersion();
    }

    public String clientId() {
        return header.clientId();
    }
}
