package io.tributary.broker.network;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.ssl.SslContext;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.security.ssl.SslPrincipalMapper;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The TCP listener of the Kafka protocol: Netty NIO (whose file-region writes use
 * {@code transferTo}), TLS through Netty's {@code SslHandler} with the JDK's engine on {@code SSL}
 * listeners, frames of a 4-byte length and a body of at most {@code socket.request.max.bytes},
 * each connection served by a {@link KafkaConnection}.
 */
public final class KafkaServer implements AutoCloseable {
    private final RequestProcessor processor;
    private final int maxFrameBytes;
    private final EventLoopGroup boss = new NioEventLoopGroup(1, new DefaultThreadFactory("tributary-accept", true));
    private final EventLoopGroup workers;
    private final ExecutorService ioExecutor;
    private Channel serverChannel;

    public KafkaServer(RequestProcessor processor, int maxFrameBytes, int networkThreads, int ioThreads) {
        this.processor = processor;
        this.maxFrameBytes = maxFrameBytes;
        this.workers = new NioEventLoopGroup(networkThreads, new DefaultThreadFactory("tributary-network", true));
        this.ioExecutor = Executors.newFixedThreadPool(ioThreads, new DefaultThreadFactory("tributary-io", true));
    }

    /**
     * Binds {@code listener} and starts accepting; returns the bound address (port 0 picks a free
     * port). A listener whose security protocol this server cannot serve is refused
     * ({@link Listener#requireServable}): bytes are never served with less protection than asked.
     * An {@code SSL} listener encrypts with {@code tls} (null for {@code PLAINTEXT}); its responses
     * are copied into buffers for encryption instead of written from the segment files (zero copy
     * is for plaintext listeners only).
     */
    public InetSocketAddress start(Listener listener, SslContext tls) throws InterruptedException {
        return start(listener, tls, SslPrincipalMapper.fromRules("DEFAULT"));
    }

    /**
     * {@link #start(Listener, SslContext)} with the {@code ssl.principal.mapping.rules} that turn a
     * client certificate's subject into the principal's name.
     */
    public InetSocketAddress start(Listener listener, SslContext tls, SslPrincipalMapper principalMapper)
            throws InterruptedException {
        listener.requireServable("listeners");
        if (listener.securityProtocol() == SecurityProtocol.SSL && tls == null) {
            throw new IllegalArgumentException("listener " + listener + " uses SSL: a TLS context is required");
        }
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) ch.pipeline().addLast(KafkaConnection.TLS_HANDLER, tls.newHandler(ch.alloc()));
                        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(maxFrameBytes + 4, 0, 4, 0, 4));
                        ch.pipeline().addLast(new KafkaConnection(processor, ioExecutor, listener, tls != null,
                                principalMapper));
                    }
                });
        serverChannel = bootstrap.bind(listener.host(), listener.port()).sync().channel();
        return (InetSocketAddress) serverChannel.localAddress();
    }

    @Override
    public void close() {
        if (serverChannel != null) serverChannel.close().syncUninterruptibly();
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
