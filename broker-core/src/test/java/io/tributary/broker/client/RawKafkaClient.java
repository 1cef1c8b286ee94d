package io.tributary.broker.client;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;

/**
 * A blocking Kafka protocol client for tests: one socket, one request at a time, no retries and
 * no version negotiation, so a test controls every byte the broker sees.
 *
 * <pre>{@code
 * try (RawKafkaClient client = RawKafkaClient.connect(broker.address())) {
 *     MetadataResponse r = (MetadataResponse) client.send(new MetadataRequestData(), (short) 12);
 *     client.sendFrame(bytes);                  // arbitrary, possibly malformed, request body
 *     ByteBuffer raw = client.readFrame();      // the response frame without its length prefix
 *     boolean gone = client.closedByBroker();   // true once the broker has closed the socket
 * }
 * }</pre>
 *
 * <p>Every read waits at most {@link #READ_TIMEOUT_MS}, so a broker that never answers fails the
 * test instead of hanging it. Not thread-safe.
 */
public final class RawKafkaClient implements AutoCloseable {
    public static final int READ_TIMEOUT_MS = 10_000;
    public static final String CLIENT_ID = "raw-test-client";

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int nextCorrelationId = 1;

    private RawKafkaClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    public static RawKafkaClient connect(InetSocketAddress address) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(READ_TIMEOUT_MS);
            socket.connect(address, READ_TIMEOUT_MS);
            return new RawKafkaClient(socket);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** A fresh request header for {@code key} at {@code version}, with the next correlation id. */
    public RequestHeader header(ApiKeys key, short version) {
        return new RequestHeader(key, version, CLIENT_ID, nextCorrelationId++);
    }

    /** The bytes of a request (header, then body) without the length prefix. */
    public static byte[] encode(RequestHeader header, ApiMessage body, short bodyVersion) {
        ByteBuffer h = MessageUtil.toByteBufferAccessor(header.data(), header.headerVersion()).buffer();
        ByteBuffer b = MessageUtil.toByteBufferAccessor(body, bodyVersion).buffer();
        ByteBuffer all = ByteBuffer.allocate(h.remaining() + b.remaining());
        all.put(h).put(b);
        return all.array();
    }

    /** Sends {@code request} at {@code version} and returns the parsed response. */
    public AbstractResponse send(ApiMessage request, short version) throws IOException {
        ApiKeys key = ApiKeys.forId(request.apiKey());
        RequestHeader header = header(key, version);
        sendFrame(encode(header, request, version));
        return readResponse(header, version);
    }

    /**
     * Reads the next response frame and parses it as the response to {@code header}, in
     * {@code responseVersion} (normally the request's version; v0 for an ApiVersions fallback).
     */
    public AbstractResponse readResponse(RequestHeader header, short responseVersion) throws IOException {
        ApiKeys key = header.apiKey();
        ByteBuffer frame = readFrame();
        ResponseHeader responseHeader = ResponseHeader.parse(frame, key.responseHeaderVersion(responseVersion));
        if (responseHeader.correlationId() != header.correlationId()) {
            throw new IOException("Response correlation id " + responseHeader.correlationId()
                    + " does not match request " + header.correlationId() + " (" + key + ")");
        }
        AbstractResponse response = AbstractResponse.parseResponse(key, new ByteBufferAccessor(frame), responseVersion);
        if (frame.hasRemaining()) {
            throw new IOException(frame.remaining() + " bytes left over after parsing " + key + " v"
                    + responseVersion + " response");
        }
        return response;
    }

    /** Writes {@code body} behind a 4-byte length prefix equal to its length. */
    public void sendFrame(byte[] body) throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(4 + body.length);
        frame.putInt(body.length).put(body);
        sendRaw(frame.array());
    }

    /** Writes {@code bytes} as they are: no framing is added. */
    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads one response frame and returns its body (correlation id first), without the length prefix. */
    public ByteBuffer readFrame() throws IOException {
        int length = in.readInt();
        if (length < 0) throw new IOException("Negative response frame length " + length);
        byte[] body = new byte[length];
        in.readFully(body);
        return ByteBuffer.wrap(body);
    }

    /**
     * True when the broker has closed the connection: a read sees end of stream or a reset within
     * {@link #READ_TIMEOUT_MS}. False when the connection is still open (the read times out). Any
     * byte that arrives instead is an unexpected response and fails with an exception.
     */
    public boolean closedByBroker() throws IOException {
        int b;
        try {
            b = in.read();
        } catch (EOFException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            if (socket.isClosed()) throw e;
            return true; // connection reset by the broker
        }
        if (b < 0) return true;
        throw new IOException("Expected the broker to close the connection, but it sent data (first byte " + b + ")");
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
