package io.tributary.broker.cluster;

import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.channels.ServerSocketChannel;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The cluster link's listening socket: a TLS server socket whose {@link #accept} hands out only
 * connections that completed the TLS handshake (so with a certificate the trust store accepts). A
 * connection whose handshake fails (a plaintext JGroups peer, random bytes, no certificate, an
 * untrusted one) or does not finish within {@code handshakeTimeoutMs} is reported to
 * {@code refused} with its cause, closed, and accept goes on waiting; JGroups' acceptor never sees
 * it, so it cannot mistake the failure for anything else or log it without its cause.
 *
 * <p>The handshake runs on the accepting thread, as JGroups' own reading of a new peer's address
 * does, bounded by the timeout. Everything else is the wrapped socket's. Thread-safe as the
 * wrapped socket is.
 */
final class HandshakingServerSocket extends SSLServerSocket {
    private final SSLServerSocket delegate;
    private final int handshakeTimeoutMs;
    private final BiConsumer<Socket, IOException> refused;

    HandshakingServerSocket(SSLServerSocket delegate, int handshakeTimeoutMs, BiConsumer<Socket, IOException> refused)
            throws IOException {
        this.delegate = delegate;
        this.handshakeTimeoutMs = handshakeTimeoutMs;
        this.refused = refused;
    }

    @Override
    public Socket accept() throws IOException {
        while (true) {
            Socket s = delegate.accept();
            try {
                int timeout = s.getSoTimeout();
                s.setSoTimeout(handshakeTimeoutMs);
                ((SSLSocket) s).startHandshake();
                s.setSoTimeout(timeout);
                return s;
            } catch (IOException e) {
                try {
                    refused.accept(s, e);
                } finally {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // already broken
                    }
                }
                if (delegate.isClosed()) throw e;
            }
        }
    }

    @Override
    public void bind(SocketAddress endpoint) throws IOException {
        delegate.bind(endpoint);
    }

    @Override
    public void bind(SocketAddress endpoint, int backlog) throws IOException {
        delegate.bind(endpoint, backlog);
    }

    @Override
    public InetAddress getInetAddress() {
        return delegate.getInetAddress();
    }

    @Override
    public int getLocalPort() {
        return delegate.getLocalPort();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return delegate.getLocalSocketAddress();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }

    @Override
    public ServerSocketChannel getChannel() {
        return delegate.getChannel();
    }

    @Override
    public boolean isBound() {
        return delegate.isBound();
    }

    @Override
    public boolean isClosed() {
        return delegate.isClosed();
    }

    @Override
    public synchronized void setSoTimeout(int timeout) throws java.net.SocketException {
        delegate.setSoTimeout(timeout);
    }

    @Override
    public synchronized int getSoTimeout() throws IOException {
        return delegate.getSoTimeout();
    }

    @Override
    public void setReuseAddress(boolean on) throws java.net.SocketException {
        delegate.setReuseAddress(on);
    }

    @Override
    public boolean getReuseAddress() throws java.net.SocketException {
        return delegate.getReuseAddress();
    }

    @Override
    public synchronized void setReceiveBufferSize(int size) throws java.net.SocketException {
        delegate.setReceiveBufferSize(size);
    }

    @Override
    public synchronized int getReceiveBufferSize() throws java.net.SocketException {
        return delegate.getReceiveBufferSize();
    }

    @Override
    public void setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
        delegate.setPerformancePreferences(connectionTime, latency, bandwidth);
    }

    @Override
    public <T> ServerSocket setOption(SocketOption<T> name, T value) throws IOException {
        delegate.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return delegate.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return delegate.supportedOptions();
    }

    @Override
    public String toString() {
        return delegate.toString();
    }

    @Override
    public String[] getEnabledCipherSuites() {
        return delegate.getEnabledCipherSuites();
    }

    @Override
    public void setEnabledCipherSuites(String[] suites) {
        delegate.setEnabledCipherSuites(suites);
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return delegate.getSupportedCipherSuites();
    }

    @Override
    public String[] getSupportedProtocols() {
        return delegate.getSupportedProtocols();
    }

    @Override
    public String[] getEnabledProtocols() {
        return delegate.getEnabledProtocols();
    }

    @Override
    public void setEnabledProtocols(String[] protocols) {
        delegate.setEnabledProtocols(protocols);
    }

    @Override
    public void setNeedClientAuth(boolean need) {
        delegate.setNeedClientAuth(need);
    }

    @Override
    public boolean getNeedClientAuth() {
        return delegate.getNeedClientAuth();
    }

    @Override
    public void setWantClientAuth(boolean want) {
        delegate.setWantClientAuth(want);
    }

    @Override
    public boolean getWantClientAuth() {
        return delegate.getWantClientAuth();
    }

    @Override
    public void setUseClientMode(boolean mode) {
        delegate.setUseClientMode(mode);
    }

    @Override
    public boolean getUseClientMode() {
        return delegate.getUseClientMode();
    }

    @Override
    public void setEnableSessionCreation(boolean flag) {
        delegate.setEnableSessionCreation(flag);
    }

    @Override
    public boolean getEnableSessionCreation() {
        return delegate.getEnableSessionCreation();
    }

    @Override
    public javax.net.ssl.SSLParameters getSSLParameters() {
        return delegate.getSSLParameters();
    }

    @Override
    public void setSSLParameters(javax.net.ssl.SSLParameters params) {
        delegate.setSSLParameters(params);
    }
}
