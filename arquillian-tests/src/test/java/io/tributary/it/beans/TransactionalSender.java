package io.tributary.it.beans;

import io.tributary.api.TributaryConnection;
import io.tributary.api.TributaryConnectionFactory;
import io.tributary.examples.TributaryResources;
import jakarta.annotation.Resource;
import jakarta.ejb.SessionContext;
import jakarta.ejb.Stateless;

/**
 * Sends one record inside its container-managed transaction, then commits, throws (a system
 * exception: the container rolls back) or marks the transaction rollback-only.
 */
@Stateless
public class TransactionalSender {
    @Resource(lookup = TributaryResources.FACTORY)
    TributaryConnectionFactory factory;

    @Resource
    SessionContext context;

    private void send(String topic, String value) {
        try (TributaryConnection c = factory.getConnection()) {
            c.send(topic, value, value).toCompletableFuture().join();
        }
    }

    public void sendAndCommit(String topic, String value) {
        send(topic, value);
    }

    public void sendAndThrow(String topic, String value) {
        send(topic, value);
        throw new IllegalStateException("rolled back on purpose after sending " + value);
    }

    public void sendAndSetRollbackOnly(String topic, String value) {
        send(topic, value);
        context.setRollbackOnly();
    }
}
