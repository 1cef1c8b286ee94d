package io.tributary.broker.network;

import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A blocking Kafka-protocol client for requests one broker sends another (transaction markers,
 * the transaction check of a partition leader): one connection per destination, one request at a
 * time on it, the response read before the next request is sent. A connection that fails is
 * closed and opened again by the next request.
 *
 * <p>With a TLS socket factory (the cluster link's, when {@code cluster.link.security.protocol=SSL})
 * every connection is TLS and the handshake completes before the first request is written; the
 * destination must then be a TLS listener whose certificate the factory's trust store accepts.
 * Without one, connections are plain TCP.
 *
 * <p>Thread-safe: each connection is guarded by its own monitor, held across the request's I/O on
 * purpose (the protocol is request-response on one socket); callers run it off the request threads.
 */
public final class BrokerClient implements AutoCloseable {
    private final String clientId;
    private final int timeoutMs;
    private final javax.net.ssl.SSLSocketFactory tls;
    private final Map<String, Connection> connections = new ConcurrentHashMap<>();
    private final AtomicInteger correlation = new AtomicInteger();
    private volatile boolean closed;

    /** @param timeoutMs bound on connecting and on waiting for each response */
    public BrokerClient(String clientId, int timeoutMs) {
        this(clientId, timeoutMs, null);
    }

    /**
     * @param timeoutMs bound on connecting, on the TLS handshake and on waiting for each response
     * @param tls       the factory of TLS sockets, or null for plain TCP
     */
    public BrokerClient(String clientId, int timeoutMs, javax.net.ssl.SSLSocketFactory tls) {
        this.clientId = clientId;
        this.timeoutMs = timeoutMs;
        this.tls = tls;
    }

    private static final class Connection {
        Socket socket;
    }

    /** Sends {@code request} in {@code version} to {@code host:port} and returns its response. */
    public AbstractResponse send(String host, int port, AbstractRequest request) throws IOException {
        if (closed) throw new IOException("The broker client is closed");
        Connection c = connections.computeIfAbsent(host + ":" + port, k -> new Connection());
        synchronized (c) {
            try {
                if (c.socket == null || c.socket.isClosed()) {
                    Socket s = tls == null ? new Socket() : tls.createSocket();
                    c.socket = s;
                    s.setTcpNoDelay(true);
                    s.connect(new InetSocketAddress(host, port), timeoutMs);
                    s.setSoTimeout(timeoutMs);
                    if (s instanceof javax.net.ssl.SSLSocket ssl) ssl.startHandshake();
                }
                RequestHeader header = new RequestHeader(request.apiKey(), request.version(), clientId,
                        correlation.incrementAndGet());
                ByteBuffer body = request.serializeWithHeader(header);
                byte[] frame = new byte[4 + body.remaining()];
                ByteBuffer.wrap(frame).putInt(body.remaining()).put(body);
                OutputStream out = c.socket.getOutputStream();
                out.write(frame);
                out.flush();
                DataInputStream in = new DataInputStream(c.socket.getInputStream());
                int size = in.readInt();
                if (size < 0 || size > 100 * 1024 * 1024) throw new IOException("Response of " + size + " bytes from " + host + ":" + port);
                byte[] response = new byte[size];
                in.readFully(response);
                return AbstractResponse.parseResponse(ByteBuffer.wrap(response), header);
            } catch (IOException | RuntimeException e) {
                closeQuietly(c);
                if (e instanceof IOException io) throw io;
                throw new IOException("Request " + request.apiKey() + " to " + host + ":" + port + " failed: " + e, e);
            }
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            if (c.socket != null) c.socket.close();
        } catch (IOException ignored) {
            // already broken
        }
        c.socket = null;
    }

    @Override
    public void close() {
        closed = true;
        for (Connection c : connections.values()) {
            synchronized (c) {
                closeQuietly(c);
            }
        }
    }
}
