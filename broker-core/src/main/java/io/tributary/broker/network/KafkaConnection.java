package io.tributary.broker.network;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.tributary.broker.metrics.RequestMetrics;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.ssl.SslPrincipalMapper;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * One client connection. Requests are processed one at a time, in arrival order, and responses
 * are written in the same order (Kafka's ordering guarantee that idempotent producers rely on).
 * A request is processed on the I/O executor so disk work never blocks the event loop. Every
 * request ends with its response, no response ({@code acks=0}), or the connection closed: an
 * exception or {@link Error} escaping the processor closes the connection and is logged, an
 * {@code Error} (an {@link OutOfMemoryError} included) at {@code ERROR} with its stack trace.
 *
 * <p>With {@link RequestMetrics}, each request's stages are timed ({@link RequestTiming}) and
 * recorded once its response is written, or dropped.
 *
 * <p>A response wrapped in {@link MuteAfterSend} (a client over its quota) is written at once; the
 * connection is then muted for the throttle time: no further request of it is processed and
 * reading from its socket stops (auto-read off) until a timer on the event loop unmutes it, as
 * Kafka mutes a throttled channel (KIP-219). Other connections are not affected: nothing blocks.
 *
 * <p>Thread safety: the queue, the busy and muted flags, the connection context and the timing of the
 * request in flight are touched only on the channel's event loop (the timing object itself
 * travels with the request, see {@link RequestTiming}).
 */
final class KafkaConnection extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(KafkaConnection.class.getName());
    private static final int MAX_QUEUED = 32;
    /** The name of the TLS handler in the pipeline of a TLS connection. */
    static final String TLS_HANDLER = "tls";

    private final RequestProcessor processor;
    private final Executor ioExecutor;
    private final Listener listener;
    /** Who is connected; set when the channel becomes active. */
    private ConnectionContext connection;
    private final ArrayDeque<RequestFrameReader.Frame> queue = new ArrayDeque<>();
    private boolean busy;
    /** Whether the connection is muted for a quota's throttle time (see {@link MuteAfterSend}). */
    private boolean muted;
    /** The frame being processed: its bytes are read in place (no copy) and released when it is answered. */
    private RequestFrameReader.Frame current;
    /** The broker-wide bounds the frames count against (see {@link RequestFrameReader}). */
    private final RequestQueueLimits limits;
    /** Stops and resumes reading from the socket, shared with the frame reader. */
    private final ReadGate gate;
    private ChannelHandlerContext ctx;
    /** Where request times are recorded; null records nothing. */
    private final RequestMetrics metrics;
    /** The timing of the request being processed, null when there is none or no metrics. */
    private RequestTiming timing;

    /** Whether the connection is encrypted: responses are then copied into buffers (no zero copy). */
    private final boolean tls;

    /** The SASL authentication of this connection, null on a listener without SASL. */
    private final ConnectionAuthenticator authenticator;
    /** Turns a client certificate's subject into the principal's name ({@code ssl.principal.mapping.rules}). */
    private final SslPrincipalMapper principalMapper;

    KafkaConnection(RequestProcessor processor, Executor ioExecutor, Listener listener, boolean tls,
                    ConnectionAuthenticator authenticator, SslPrincipalMapper principalMapper, RequestMetrics metrics,
                    RequestQueueLimits limits, ReadGate gate) {
        this.limits = limits;
        this.gate = gate;
        this.metrics = metrics;
        this.principalMapper = principalMapper;
        this.processor = processor;
        this.ioExecutor = ioExecutor;
        this.listener = listener;
        this.tls = tls;
        this.authenticator = authenticator;
    }

    /**
     * A TLS handshake ended: on success the client's verified certificate, if it sent one, names
     * the principal ({@code User:} and its subject's distinguished name in RFC 2253 form, mapped by
     * {@code ssl.principal.mapping.rules} as Kafka's {@code SslPrincipalMapper} does); a subject no
     * rule matches, or a failed handshake, closes the connection, logged once with the peer's
     * address. Requests only arrive after the handshake.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                SslHandler handler = (SslHandler) ctx.pipeline().get(TLS_HANDLER);
                try {
                    Certificate[] chain = handler.engine().getSession().getPeerCertificates();
                    if (chain.length > 0 && chain[0] instanceof X509Certificate x509) {
                        String subject = x509.getSubjectX500Principal().getName();
                        String name;
                        try {
                            name = principalMapper.getName(subject);
                        } catch (java.io.IOException | RuntimeException noRule) {
                            LOG.log(System.Logger.Level.WARNING, "TLS client " + ctx.channel().remoteAddress()
                                    + " on listener " + listener.name() + " refused: its certificate subject " + subject
                                    + " matches no ssl.principal.mapping.rules rule (" + noRule.getMessage() + ")");
                            ctx.close();
                            return;
                        }
                        connection = connection.withPrincipal(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, name));
                    }
                } catch (SSLPeerUnverifiedException noClientCertificate) {
                    // ssl.client.auth none or requested, and no certificate: User:ANONYMOUS
                }
            } else {
                LOG.log(System.Logger.Level.WARNING, "TLS handshake with " + ctx.channel().remoteAddress() + " on listener "
                        + listener.name() + " failed: " + rootMessage(done.cause()));
                ctx.close();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) c = c.getCause();
        return c.getMessage() != null ? c.getMessage() : c.toString();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.connection = ConnectionContext.accepted(ctx.channel().remoteAddress(), listener);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        queue.add((RequestFrameReader.Frame) msg);
        if (queue.size() >= MAX_QUEUED) gate.close(ReadGate.QUEUE_FULL);
        processNext();
    }

    private void processNext() {
        if (busy || muted || queue.isEmpty() || !ctx.channel().isActive()) return;
        busy = true;
        current = queue.poll();
        limits.dequeued();
        ByteBuffer frame = current.body().nioBuffer();
        ConnectionContext connection = this.connection;
        if (queue.size() < MAX_QUEUED / 2 && gate.isClosed(ReadGate.QUEUE_FULL)) gate.open(ReadGate.QUEUE_FULL);
        RequestTiming t = metrics == null || frame.remaining() < 4 ? null : new RequestTiming(metrics,
                frame.getShort(frame.position()), frame.getShort(frame.position() + 2), System.nanoTime());
        timing = t;
        if (authenticator != null) {
            ioExecutor.execute(() -> {
                if (t != null) t.started = System.nanoTime();
                try {
                    authenticator.onFrame(frame, connection).whenComplete((outcome, error) -> {
                        if (error == null && outcome instanceof ConnectionAuthenticator.Dispatch d) {
                            // The common case once authenticated: processed on this thread, no extra hand-off.
                            process(frame, d.connection(), t);
                        } else {
                            ctx.channel().eventLoop().execute(() -> authenticated(outcome, error));
                        }
                    });
                } catch (RuntimeException | Error e) {
                    ctx.channel().eventLoop().execute(() -> complete(null, e));
                }
            });
            return;
        }
        ioExecutor.execute(() -> {
            if (t != null) t.started = System.nanoTime();
            process(frame, connection, t);
        });
    }

    /** On the event loop: what the authenticator decided for the frame being processed, unless it is dispatched. */
    private void authenticated(ConnectionAuthenticator.Outcome outcome, Throwable error) {
        if (error != null) {
            complete(null, error);
        } else if (outcome instanceof ConnectionAuthenticator.Respond r) {
            connection = r.connection();
            complete(r.response(), null);
        } else if (outcome instanceof ConnectionAuthenticator.Close c) {
            if (c.response() != null) {
                complete(new CloseAfterSend(c.response()), null);
            } else {
                LOG.log(System.Logger.Level.DEBUG, "Closing connection from " + ctx.channel().remoteAddress() + ": " + c.reason());
                busy = false;
                releaseCurrent();
                ctx.close();
            }
        }
    }

    /**
     * On an I/O thread: the request of {@code frame}, as {@code connection} (whose principal the
     * authenticator may just have set: it becomes the connection's when the request completes).
     */
    private void process(ByteBuffer frame, ConnectionContext connection, RequestTiming t) {
        try {
            java.util.concurrent.CompletableFuture<Send> response = processor.process(frame, connection);
            if (t != null) t.handled = System.nanoTime();
            response.whenComplete((send, error) -> {
                if (t != null) t.completed = System.nanoTime();
                ctx.channel().eventLoop().execute(() -> {
                    if (authenticator != null) this.connection = connection;
                    complete(send, error);
                });
            });
        } catch (RuntimeException | Error e) {
            // Whatever a handler or codec throws, the request ends: an Error closes the connection
            // (and is logged as one), it does not leave the connection waiting for an answer.
            ctx.channel().eventLoop().execute(() -> complete(null, e));
        }
    }

    private void releaseCurrent() {
        if (current != null) {
            release(current);
            current = null;
        }
    }

    private void release(RequestFrameReader.Frame frame) {
        frame.body().release();
        limits.released(frame.admittedBytes());
    }

    private void complete(Send send, Throwable error) {
        busy = false;
        releaseCurrent();
        int muteMs = 0;
        if (send instanceof MuteAfterSend throttled) {
            muteMs = throttled.throttleTimeMs();
            send = throttled.response();
        }
        RequestTiming t = timing;
        timing = null;
        if (t != null) t.responseTaken = System.nanoTime();
        boolean writes = error == null && send != null && ctx.channel().isActive();
        if (t != null && !writes) t.sent(t.responseTaken);
        if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof Error) {
                LOG.log(System.Logger.Level.ERROR, "Closing connection from " + ctx.channel().remoteAddress()
                        + ": serving its request failed with " + cause, cause);
            } else {
                LOG.log(System.Logger.Level.WARNING, "Closing connection from " + ctx.channel().remoteAddress() + ": "
                        + cause.getMessage(), cause instanceof RequestProcessor.ConnectionCloseException ? null : cause);
            }
            ctx.close();
            return;
        }
        if (send instanceof CloseAfterSend last) {
            if (ctx.channel().isActive()) {
                io.netty.channel.ChannelFuture written = ctx.writeAndFlush(out(last.response()));
                if (t != null) written.addListener(f -> t.sent(System.nanoTime()));
                written.addListener(ChannelFutureListener.CLOSE);
            }
            return;
        }
        if (send != null && ctx.channel().isActive()) { // a client may close with a request in flight
            io.netty.channel.ChannelFuture written = ctx.writeAndFlush(out(send));
            if (t != null) written.addListener(f -> t.sent(System.nanoTime()));
            written.addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
        }
        if (muteMs > 0 && ctx.channel().isActive()) mute(muteMs);
        processNext();
    }

    /** Stops reading and processing requests of this connection for {@code ms}; on the event loop. */
    private void mute(int ms) {
        muted = true;
        gate.close(ReadGate.MUTED);
        ctx.executor().schedule(() -> {
            muted = false;
            gate.open(ReadGate.MUTED);
            processNext();
        }, ms, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** What the channel writes for {@code send}: a file region (zero copy), or on TLS a buffer the TLS handler encrypts. */
    private Object out(Send send) {
        if (!tls) return new SendRegion(send);
        try {
            return SendRegion.copy(send, ctx.alloc());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("Reading a response for " + ctx.channel().remoteAddress() + " failed", e);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        RequestFrameReader.Frame queued;
        while ((queued = queue.poll()) != null) {
            limits.dequeued();
            release(queued);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof RequestFrameReader.UnauthenticatedFrameTooLong) {
            LOG.log(System.Logger.Level.WARNING, "Closing connection from " + ctx.channel().remoteAddress() + " on listener "
                    + listener.name() + ": it sent " + cause.getMessage());
        } else if (cause instanceof TooLongFrameException) {
            LOG.log(System.Logger.Level.WARNING, "Closing connection from " + ctx.channel().remoteAddress()
                    + ": request larger than socket.request.max.bytes (" + cause.getMessage() + ")");
        } else if (cause instanceof DecoderException && cause.getCause() instanceof SSLException) {
            // A failed handshake is logged once, by userEventTriggered; what follows is the same failure.
            LOG.log(System.Logger.Level.DEBUG, "TLS error on connection from " + ctx.channel().remoteAddress(), cause);
        } else if (!(cause instanceof IOException)) {
            LOG.log(System.Logger.Level.WARNING, "Closing connection from " + ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
