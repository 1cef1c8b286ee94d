package io.tributary.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;

import java.nio.ByteOrder;

/**
 * Splits the byte stream of one connection into Kafka frames (a 4-byte length, then that many
 * bytes; the length is stripped). A frame longer than {@code socket.request.max.bytes} fails with
 * {@link TooLongFrameException}; on a SASL connection that has not authenticated yet, so does one
 * longer than the authenticator's {@code sasl.server.max.receive.size} ({@link UnauthenticatedFrameTooLong}),
 * checked from the length prefix before any of the frame is buffered, as Kafka does, so an
 * unauthenticated peer cannot make the broker hold large buffers. Confined to the channel's event loop.
 */
final class KafkaFrameDecoder extends LengthFieldBasedFrameDecoder {
    private final ConnectionAuthenticator authenticator;

    /** A frame refused because the connection has not authenticated yet. */
    static final class UnauthenticatedFrameTooLong extends TooLongFrameException {
        UnauthenticatedFrameTooLong(String message) {
            super(message);
        }
    }

    /** @param authenticator the connection's SASL authenticator, null on a listener without SASL */
    KafkaFrameDecoder(int maxFrameBytes, ConnectionAuthenticator authenticator) {
        super(maxFrameBytes + 4, 0, 4, 0, 4);
        this.authenticator = authenticator;
    }

    @Override
    protected long getUnadjustedFrameLength(ByteBuf buf, int offset, int length, ByteOrder order) {
        long frameLength = super.getUnadjustedFrameLength(buf, offset, length, order);
        if (authenticator != null && !authenticator.authenticated()) {
            int max = authenticator.maxUnauthenticatedFrameBytes();
            if (frameLength > max) {
                throw new UnauthenticatedFrameTooLong("a frame of " + frameLength + " bytes before SASL authentication "
                        + "(more than sasl.server.max.receive.size, " + max + ")");
            }
        }
        return frameLength;
    }
}
