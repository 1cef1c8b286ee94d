package io.tributary.broker.network;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.ssl.SslContext;
import org.apache.kafka.common.security.ssl.SslPrincipalMapper;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.tributary.broker.metrics.RequestMetrics;

import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The TCP listeners of the Kafka protocol, one server socket per entry of {@code listeners}: Netty
 * NIO (whose file-region writes use {@code transferTo}), TLS through Netty's {@code SslHandler} with
 * the JDK's engine on {@code SSL} and {@code SASL_SSL} listeners, a {@link ConnectionAuthenticator}
 * per connection on SASL listeners, frames of a 4-byte length and a body of at most {@code socket.request.max.bytes}
 * read by a {@link RequestFrameReader} within the {@link RequestQueueLimits}, each connection served by a
 * {@link KafkaConnection}.
 */
public final class KafkaServer implements AutoCloseable {
    private final RequestProcessor processor;
    private final int maxFrameBytes;
    private final EventLoopGroup boss = new NioEventLoopGroup(1, new DefaultThreadFactory("tributary-accept", true));
    private final EventLoopGroup workers;
    private final ExecutorService ioExecutor;
    /** The bound listeners; guarded by this server's monitor. */
    private final java.util.List<Channel> serverChannels = new java.util.ArrayList<>();

    /** Where request times are recorded; null records nothing. */
    private final RequestMetrics metrics;

    /** The bounds on queued requests and their bytes, shared by every connection of every listener. */
    private final RequestQueueLimits limits;

    /** With Kafka's {@code queued.max.requests} (500) and room for 500 requests of the largest size. */
    public KafkaServer(RequestProcessor processor, int maxFrameBytes, int networkThreads, int ioThreads) {
        this(processor, maxFrameBytes, networkThreads, ioThreads, null,
                new RequestQueueLimits(500, 500L * maxFrameBytes));
    }

    /**
     * @param metrics where each request's times are recorded ({@code kafka.network:type=RequestMetrics}), or null
     * @param limits  the bounds on requests read and not yet answered ({@code queued.max.requests},
     *                {@code queued.max.request.bytes})
     */
    public KafkaServer(RequestProcessor processor, int maxFrameBytes, int networkThreads, int ioThreads,
                       RequestMetrics metrics, RequestQueueLimits limits) {
        this.limits = limits;
        this.metrics = metrics;
        this.processor = processor;
        this.maxFrameBytes = maxFrameBytes;
        this.workers = new NioEventLoopGroup(networkThreads, new DefaultThreadFactory("tributary-network", true));
        this.ioExecutor = Executors.newFixedThreadPool(ioThreads, new DefaultThreadFactory("tributary-io", true));
    }

    /**
     * Binds {@code listener} and starts accepting; returns the bound address (port 0 picks a free
     * port). Called once per listener: each has its own protocol and settings. A listener whose
     * security protocol this server cannot serve is refused ({@link Listener#requireServable}): bytes
     * are never served with less protection than asked. A TLS listener ({@code SSL},
     * {@code SASL_SSL}) encrypts with {@code tls} (null otherwise); its responses are copied into
     * buffers for encryption instead of written from the segment files (zero copy is for plaintext
     * listeners only). A SASL listener ({@code SASL_PLAINTEXT}, {@code SASL_SSL}) gives each
     * connection an authenticator from {@code sasl} (null otherwise), consulted before every request.
     * {@code principalMapper} applies {@code ssl.principal.mapping.rules} to a client certificate's
     * subject.
     */
    public synchronized InetSocketAddress start(Listener listener, SslContext tls, ConnectionAuthenticator.Factory sasl,
                                                SslPrincipalMapper principalMapper)
            throws InterruptedException {
        listener.requireServable("listeners");
        if (listener.usesTls() && tls == null) {
            throw new IllegalArgumentException("listener " + listener + " uses TLS: a TLS context is required");
        }
        if (listener.usesSasl() && sasl == null) {
            throw new IllegalArgumentException("listener " + listener + " uses SASL: an authenticator is required");
        }
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ConnectionAuthenticator authenticator = listener.usesSasl() ? sasl.newConnection(listener) : null;
                        if (tls != null) ch.pipeline().addLast(KafkaConnection.TLS_HANDLER, tls.newHandler(ch.alloc()));
                        ReadGate gate = new ReadGate(ch);
                        ch.pipeline().addLast(new RequestFrameReader(maxFrameBytes, authenticator, limits, gate));
                        ch.pipeline().addLast(new KafkaConnection(processor, ioExecutor, listener, tls != null, authenticator,
                                principalMapper, metrics, limits, gate));
                    }
                });
        Channel channel = bootstrap.bind(listener.host(), listener.port()).sync().channel();
        serverChannels.add(channel);
        return (InetSocketAddress) channel.localAddress();
    }

    /** {@link #start(Listener, SslContext, ConnectionAuthenticator.Factory, SslPrincipalMapper)} with Kafka's default mapping rules. */
    public InetSocketAddress start(Listener listener, SslContext tls, ConnectionAuthenticator.Factory sasl)
            throws InterruptedException {
        return start(listener, tls, sasl, SslPrincipalMapper.fromRules("DEFAULT"));
    }

    /** {@link #start(Listener, SslContext, ConnectionAuthenticator.Factory)} for a listener without SASL. */
    public InetSocketAddress start(Listener listener, SslContext tls) throws InterruptedException {
        return start(listener, tls, null);
    }

    /**
     * Makes {@code num.io.threads} threads handle requests from now on (a dynamic config change):
     * more threads start at once; surplus ones end once they finish the request they hold.
     */
    public void resizeIoThreads(int threads) {
        if (threads < 1) throw new IllegalArgumentException("num.io.threads must be at least 1, got " + threads);
        java.util.concurrent.ThreadPoolExecutor pool = (java.util.concurrent.ThreadPoolExecutor) ioExecutor;
        synchronized (pool) {
            if (threads > pool.getMaximumPoolSize()) {
                pool.setMaximumPoolSize(threads);
                pool.setCorePoolSize(threads);
            } else {
                pool.setCorePoolSize(threads);
                pool.setMaximumPoolSize(threads);
            }
        }
    }

    /** The number of request-handler threads ({@code num.io.threads}) now in force. */
    public int ioThreads() {
        return ((java.util.concurrent.ThreadPoolExecutor) ioExecutor).getMaximumPoolSize();
    }

    @Override
    public void close() {
        synchronized (this) {
            for (Channel channel : serverChannels) channel.close().syncUninterruptibly();
        }
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        ioExecutor.shutdown();
        try {
            ioExecutor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
