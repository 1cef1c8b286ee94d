package io.tributary.ra.outbound;

import io.tributary.api.TributaryConnection;
import io.tributary.api.TributaryConnectionFactory;
import io.tributary.api.TributaryException;
import jakarta.resource.Referenceable;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.ConnectionManager;

import javax.naming.Reference;
import java.io.Serializable;

/** The factory applications inject; hands out pooled connections through the server's connection manager. */
public class TributaryConnectionFactoryImpl implements TributaryConnectionFactory, Serializable, Referenceable {
    private static final long serialVersionUID = 1L;

    private final transient TributaryManagedConnectionFactory mcf;
    private final transient ConnectionManager cm;
    private Reference reference;

    public TributaryConnectionFactoryImpl(TributaryManagedConnectionFactory mcf, ConnectionManager cm) {
        this.mcf = mcf;
        this.cm = cm;
    }

    @Override
    public TributaryConnection getConnection() {
        try {
            return (TributaryConnection) cm.allocateConnection(mcf, null);
        } catch (ResourceException e) {
            throw new TributaryException("Cannot get a Tributary connection: " + e.getMessage(), e);
        }
    }

    @Override
    public void setReference(Reference reference) {
        this.reference = reference;
    }

    @Override
    public Reference getReference() {
        return reference;
    }
}
