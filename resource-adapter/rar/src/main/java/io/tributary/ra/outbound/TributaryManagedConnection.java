package io.tributary.ra.outbound;

import jakarta.resource.NotSupportedException;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.ConnectionEvent;
import jakarta.resource.spi.ConnectionEventListener;
import jakarta.resource.spi.ConnectionRequestInfo;
import jakarta.resource.spi.LocalTransaction;
import jakarta.resource.spi.ManagedConnection;
import jakarta.resource.spi.ManagedConnectionMetaData;

import javax.security.auth.Subject;
import javax.transaction.xa.XAResource;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A pooled connection: cheap, since sending goes through the factory's shared producer, or, while
 * the connection is enlisted in a JTA transaction branch, through that branch's Kafka transaction.
 * Tracks its handles and tells the pool when one is closed. Thread-safe.
 */
final class TributaryManagedConnection implements ManagedConnection {
    private final TributaryManagedConnectionFactory factory;
    private final List<ConnectionEventListener> listeners = new CopyOnWriteArrayList<>();
    private final List<TributaryConnectionImpl> handles = new CopyOnWriteArrayList<>();
    private PrintWriter logWriter;

    TributaryManagedConnection(TributaryManagedConnectionFactory factory) {
        this.factory = factory;
    }

    TributaryManagedConnectionFactory factory() {
        return factory;
    }

    @Override
    public Object getConnection(Subject subject, ConnectionRequestInfo info) {
        TributaryConnectionImpl handle = new TributaryConnectionImpl(this);
        handles.add(handle);
        return handle;
    }

    /** The JTA branch this connection is enlisted in (between XA start and end), or null. */
    private volatile TransactionalBranch branch;
    private volatile TributaryXAResource xaResource;

    /** Where sends go now: the enlisted branch's Kafka transaction, or the shared producer. */
    RecordSender sender() {
        TransactionalBranch b = branch;
        return b != null ? b : factory.producer();
    }

    void enlist(TransactionalBranch b) {
        this.branch = b;
    }

    void delist() {
        this.branch = null;
    }

    void handleClosed(TributaryConnectionImpl handle) {
        handles.remove(handle);
        ConnectionEvent event = new ConnectionEvent(this, ConnectionEvent.CONNECTION_CLOSED);
        event.setConnectionHandle(handle);
        for (ConnectionEventListener l : listeners) l.connectionClosed(event);
    }

    @Override
    public void associateConnection(Object connection) throws ResourceException {
        if (!(connection instanceof TributaryConnectionImpl handle)) {
            throw new ResourceException("Not a Tributary connection: " + connection);
        }
        handle.reassociate(this);
        handles.add(handle);
    }

    @Override
    public void cleanup() {
        for (TributaryConnectionImpl h : handles) h.invalidate();
        handles.clear();
        branch = null;
    }

    @Override
    public void destroy() {
        cleanup();
    }

    @Override
    public void addConnectionEventListener(ConnectionEventListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeConnectionEventListener(ConnectionEventListener listener) {
        listeners.remove(listener);
    }

    @Override
    public XAResource getXAResource() {
        TributaryXAResource x = xaResource;
        if (x == null) {
            synchronized (this) {
                if (xaResource == null) xaResource = new TributaryXAResource(factory, this);
                x = xaResource;
            }
        }
        return x;
    }

    @Override
    public LocalTransaction getLocalTransaction() throws ResourceException {
        throw new NotSupportedException("Tributary connections take part in JTA transactions through XA only");
    }

    @Override
    public ManagedConnectionMetaData getMetaData() {
        return new ManagedConnectionMetaData() {
            public String getEISProductName() { return "Tributary"; }
            public String getEISProductVersion() { return "0.1"; }
            public int getMaxConnections() { return 0; }
            public String getUserName() { return null; }
        };
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        this.logWriter = out;
    }

    @Override
    public PrintWriter getLogWriter() {
        return logWriter;
    }
}
