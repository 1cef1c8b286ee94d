package io.tributary.broker.network;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolNegotiator;
import io.netty.handler.ssl.SslContext;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSessionContext;
import java.util.List;

/**
 * The TLS context of a listener whose key material can be replaced while it runs (a dynamic
 * {@code listener.name.<name>.ssl.*} change): every new connection gets an engine of the context
 * current when it is accepted; connections already open keep theirs. Thread-safe (a volatile
 * reference to the current context).
 */
public final class ReloadableSslContext extends SslContext {
    private volatile SslContext current;

    public ReloadableSslContext(SslContext initial) {
        this.current = initial;
    }

    /** Makes {@code next} the context of connections accepted from now on. */
    public void replace(SslContext next) {
        this.current = next;
    }

    public SslContext current() {
        return current;
    }

    @Override
    public boolean isClient() {
        return current.isClient();
    }

    @Override
    public List<String> cipherSuites() {
        return current.cipherSuites();
    }

    @Override
    @SuppressWarnings("deprecation")
    public ApplicationProtocolNegotiator applicationProtocolNegotiator() {
        return current.applicationProtocolNegotiator();
    }

    @Override
    public SSLEngine newEngine(ByteBufAllocator alloc) {
        return current.newEngine(alloc);
    }

    @Override
    public SSLEngine newEngine(ByteBufAllocator alloc, String peerHost, int peerPort) {
        return current.newEngine(alloc, peerHost, peerPort);
    }

    @Override
    public SSLSessionContext sessionContext() {
        return current.sessionContext();
    }
}
