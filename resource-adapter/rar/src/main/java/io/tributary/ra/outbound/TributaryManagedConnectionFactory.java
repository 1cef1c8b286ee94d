package io.tributary.ra.outbound;

import io.tributary.api.TributaryConnection;
import io.tributary.api.TributaryConnectionFactory;
import io.tributary.ra.TributaryResourceAdapter;
import io.tributary.ra.config.ConfigProperties;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.ConfigProperty;
import jakarta.resource.spi.ConnectionDefinition;
import jakarta.resource.spi.ConnectionManager;
import jakarta.resource.spi.ConnectionRequestInfo;
import jakarta.resource.spi.ManagedConnection;
import jakarta.resource.spi.ManagedConnectionFactory;
import jakarta.resource.spi.ResourceAdapter;
import jakarta.resource.spi.ResourceAdapterAssociation;
import jakarta.resource.spi.TransactionSupport;

import javax.security.auth.Subject;
import java.io.PrintWriter;
import java.util.Set;

/**
 * The outbound side: a pool of {@link TributaryManagedConnection}s over one shared Kafka producer
 * per factory. Properties: {@code acks} ({@code all}), {@code producerProperties} (any
 * kafka-clients producer property, {@code name=value;...}). Connections take no part in
 * transactions: a send is acknowledged by the cluster, not by the bean's transaction.
 */
@ConnectionDefinition(connectionFactory = TributaryConnectionFactory.class,
        connectionFactoryImpl = TributaryConnectionFactoryImpl.class,
        connection = TributaryConnection.class, connectionImpl = TributaryConnectionImpl.class)
public class TributaryManagedConnectionFactory implements ManagedConnectionFactory, ResourceAdapterAssociation,
        TransactionSupport {
    private static final long serialVersionUID = 1L;

    @ConfigProperty(defaultValue = "all", description = "Acknowledgements a send waits for: all, 1 or 0")
    private String acks = "all";
    @ConfigProperty(defaultValue = "", description = "Further kafka-clients producer properties, name=value;name=value")
    private String producerProperties = "";

    private transient TributaryResourceAdapter adapter;
    private transient PrintWriter logWriter;
    private transient volatile SharedProducer producer;

    @Override
    public Object createConnectionFactory(ConnectionManager cm) {
        return new TributaryConnectionFactoryImpl(this, cm);
    }

    @Override
    public Object createConnectionFactory() throws ResourceException {
        throw new ResourceException("Tributary connection factories are only available inside an application server");
    }

    @Override
    public ManagedConnection createManagedConnection(Subject subject, ConnectionRequestInfo info) {
        return new TributaryManagedConnection(this);
    }

    @Override
    public ManagedConnection matchManagedConnections(Set connections, Subject subject, ConnectionRequestInfo info) {
        for (Object c : connections) {
            if (c instanceof TributaryManagedConnection mc && mc.factory() == this) return mc;
        }
        return null;
    }

    SharedProducer producer() {
        SharedProducer p = producer;
        if (p == null) {
            synchronized (this) {
                if (producer == null) {
                    if (adapter == null) throw new IllegalStateException("The connection factory is not associated with the Tributary adapter");
                    SharedProducer created = new SharedProducer(adapter.bootstrapServers(), acks,
                            ConfigProperties.nameValuePairs("producerProperties", producerProperties));
                    adapter.closeOnStop(() -> closeProducer(created));
                    producer = created;
                }
                p = producer;
            }
        }
        return p;
    }

    /** Called when the adapter stops: the producer's network thread must not outlive it. */
    private synchronized void closeProducer(SharedProducer p) {
        if (producer == p) producer = null;
        p.close();
    }

    @Override
    public TransactionSupportLevel getTransactionSupport() {
        return TransactionSupportLevel.NoTransaction;
    }

    @Override
    public ResourceAdapter getResourceAdapter() {
        return adapter;
    }

    @Override
    public void setResourceAdapter(ResourceAdapter ra) {
        this.adapter = (TributaryResourceAdapter) ra;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        this.logWriter = out;
    }

    @Override
    public PrintWriter getLogWriter() {
        return logWriter;
    }

    public String getAcks() { return acks; }
    public void setAcks(String v) { this.acks = v; }
    public String getProducerProperties() { return producerProperties; }
    public void setProducerProperties(String v) { this.producerProperties = v; }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
