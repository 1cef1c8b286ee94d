package io.tributary.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;

/**
 * Splits the byte stream of one connection into Kafka request frames (a 4-byte length, then that
 * many bytes) and passes each body on as a {@link Frame}. A body is read into a buffer of exactly
 * its size, allocated only once {@link RequestQueueLimits} admits it: while the broker's bounds
 * are reached the connection stops reading ({@link ReadGate#NO_MEMORY}) and holds at most the
 * bytes of the socket read in hand, so memory grows with the bounds, not with what clients send.
 *
 * <p>A length above {@code socket.request.max.bytes} fails with {@link TooLongFrameException}; on a
 * SASL connection that has not authenticated yet, so does one above the authenticator's
 * {@code sasl.server.max.receive.size} ({@link UnauthenticatedFrameTooLong}), checked from the
 * length prefix before anything is buffered, as Kafka does. After such a failure the connection
 * is being closed and whatever else arrives is dropped.
 *
 * <p>Thread safety: confined to the channel's event loop (the wake-up from the limits is handed
 * to it).
 */
final class RequestFrameReader extends ChannelInboundHandlerAdapter {
    /** A request body and the bytes admitted for it, to give back once the request is answered. */
    record Frame(ByteBuf body, int admittedBytes) {
    }

    /** A frame refused because the connection has not authenticated yet. */
    static final class UnauthenticatedFrameTooLong extends TooLongFrameException {
        UnauthenticatedFrameTooLong(String message) {
            super(message);
        }
    }

    private final int maxFrameBytes;
    private final ConnectionAuthenticator authenticator;
    private final RequestQueueLimits limits;
    private final ReadGate gate;
    private ChannelHandlerContext ctx;
    private int headerBytes;
    private int length;
    /** The body being filled; null while the length prefix is read or the request waits for room. */
    private ByteBuf body;
    /** Bytes received while waiting for room, null when not waiting. */
    private ByteBuf pending;
    private boolean failed;

    /** @param authenticator the connection's SASL authenticator, null on a listener without SASL */
    RequestFrameReader(int maxFrameBytes, ConnectionAuthenticator authenticator, RequestQueueLimits limits, ReadGate gate) {
        this.maxFrameBytes = maxFrameBytes;
        this.authenticator = authenticator;
        this.limits = limits;
        this.gate = gate;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            if (failed) return;
            if (pending != null) {
                pending.writeBytes(in);
                return;
            }
            consume(in);
        } finally {
            in.release();
        }
    }

    private void consume(ByteBuf in) {
        while (in.isReadable() && !failed) {
            if (body == null) {
                while (headerBytes < 4 && in.isReadable()) {
                    length = (length << 8) | in.readUnsignedByte();
                    headerBytes++;
                }
                if (headerBytes < 4) return;
                checkLength();
                if (!admit()) {
                    pending = ctx.alloc().heapBuffer(Math.max(in.readableBytes(), 256));
                    pending.writeBytes(in);
                    return;
                }
            }
            body.writeBytes(in, Math.min(in.readableBytes(), body.writableBytes()));
            if (!body.isWritable()) {
                Frame frame = new Frame(body, length);
                body = null;
                headerBytes = 0;
                length = 0;
                ctx.fireChannelRead(frame);
            }
        }
    }

    private void checkLength() {
        if (length < 0) {
            failed = true;
            throw new CorruptedFrameException("negative request length " + length);
        }
        if (authenticator != null && !authenticator.authenticated()) {
            int max = authenticator.maxUnauthenticatedFrameBytes();
            if (length > max) {
                failed = true;
                throw new UnauthenticatedFrameTooLong("a frame of " + length + " bytes before SASL authentication "
                        + "(more than sasl.server.max.receive.size, " + max + ")");
            }
        }
        if (length > maxFrameBytes) {
            failed = true;
            throw new TooLongFrameException("a frame of " + length + " bytes (socket.request.max.bytes is " + maxFrameBytes + ")");
        }
    }

    /** Admits the request whose length was just read and allocates its body, or stops reading until there is room. */
    private boolean admit() {
        if (!limits.admit(length, this::wake)) {
            gate.close(ReadGate.NO_MEMORY);
            return false;
        }
        body = length == 0 ? Unpooled.EMPTY_BUFFER : ctx.alloc().directBuffer(length, length);
        return true;
    }

    /** On any thread: the limits have room again. */
    private void wake() {
        ctx.executor().execute(this::retry);
    }

    private void retry() {
        if (pending == null || failed) return;
        if (!ctx.channel().isActive()) {
            discardPending();
            return;
        }
        if (!admit()) return;
        gate.open(ReadGate.NO_MEMORY);
        ByteBuf held = pending;
        pending = null;
        try {
            consume(held);
        } catch (RuntimeException e) {
            ctx.fireExceptionCaught(e);
        } finally {
            held.release();
        }
    }

    private void discardPending() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void release() {
        discardPending();
        if (body != null) {
            ByteBuf partial = body;
            body = null;
            partial.release();
            limits.dequeued();
            limits.released(length);
        }
    }
}
