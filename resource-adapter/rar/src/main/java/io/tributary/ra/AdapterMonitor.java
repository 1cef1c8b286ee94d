package io.tributary.ra;

import io.tributary.broker.Broker;
import io.tributary.ra.management.AdapterMXBean;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * The JMX view of one adapter instance ({@link AdapterMXBean}): reads the adapter's fields, which
 * the container's lifecycle calls set, each read on its own (volatile where the adapter changes
 * them). {@link #isListenerServing()} connects to the embedded node's listener and closes at once,
 * with a one-second timeout; nothing else does I/O. Thread-safe.
 */
final class AdapterMonitor implements AdapterMXBean {
    private static final int CONNECT_TIMEOUT_MS = 1000;

    private final TributaryResourceAdapter adapter;

    AdapterMonitor(TributaryResourceAdapter adapter) {
        this.adapter = adapter;
    }

    @Override
    public boolean isStarted() {
        return adapter.isStarted();
    }

    @Override
    public boolean isEmbedded() {
        return adapter.embeddedBroker() != null;
    }

    @Override
    public String getBootstrapServers() {
        return adapter.bootstrapServers();
    }

    @Override
    public int getNodeId() {
        return adapter.serverNodeId();
    }

    @Override
    public boolean isListenerServing() {
        Broker b = adapter.embeddedBroker();
        if (b == null) return adapter.isStarted();
        InetSocketAddress a = b.address();
        String host = a.getAddress() == null || a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, a.getPort()), CONNECT_TIMEOUT_MS);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public boolean isControllerKnown() {
        Broker b = adapter.embeddedBroker();
        if (b == null) return adapter.isStarted();
        return b.cluster().map(c -> c.quorum().hasQuorum()).orElse(true);
    }

    @Override
    public int getControllerId() {
        Broker b = adapter.embeddedBroker();
        return b == null ? -1 : b.cluster().map(c -> c.quorum().controllerId()).orElse(-1);
    }

    @Override
    public int getActivations() {
        return adapter.activationStatuses().size();
    }

    @Override
    public boolean isLive() {
        return adapter.isStarted();
    }

    @Override
    public boolean isReady() {
        return adapter.isStarted() && isControllerKnown() && isListenerServing();
    }
}
