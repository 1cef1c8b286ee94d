package io.tributary.it.crash;

import io.tributary.api.TributaryConnection;
import io.tributary.api.TributaryConnectionFactory;
import io.tributary.examples.TributaryResources;
import jakarta.annotation.Resource;
import jakarta.ejb.Stateless;
import jakarta.transaction.TransactionManager;

import java.util.List;

import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * Crashes the server at the worst moment of a transaction that sent a record: after the
 * transaction manager decided to commit and wrote that to its log, before the commit reached
 * Kafka. A resource enlisted ahead of the Tributary connection prepares like any other and halts
 * the JVM when asked to commit (resources are committed in the order they were enlisted), so the
 * Kafka transaction of the send is left prepared; only the server's recovery can commit it.
 */
@Stateless
public class CommitCrash {
    @Resource(lookup = TributaryResources.FACTORY)
    TributaryConnectionFactory factory;

    public void sendAndCrashInCommit(String topic, String value) throws Exception {
        transactionManager().getTransaction().enlistResource(new HaltOnCommit());
        try (TributaryConnection c = factory.getConnection()) {
            c.send(topic, value, value).toCompletableFuture().join();
        }
    }

    /** The server's transaction manager, under Payara's or WildFly's name. */
    private static TransactionManager transactionManager() throws NamingException {
        InitialContext context = new InitialContext();
        for (String name : List.of("java:appserver/TransactionManager", "java:jboss/TransactionManager")) {
            try {
                return (TransactionManager) context.lookup(name);
            } catch (NamingException e) {
                // not this server's name
            }
        }
        throw new NamingException("No TransactionManager under java:appserver/ or java:jboss/");
    }

    /** Votes yes at prepare; halts the process at commit. */
    public static final class HaltOnCommit implements XAResource {
        @Override
        public void commit(Xid xid, boolean onePhase) {
            System.err.println("CommitCrash: the transaction manager decided to commit " + xid + "; halting");
            Runtime.getRuntime().halt(137);
        }

        @Override
        public int prepare(Xid xid) {
            return XA_OK;
        }

        @Override
        public void start(Xid xid, int flags) {
        }

        @Override
        public void end(Xid xid, int flags) {
        }

        @Override
        public void rollback(Xid xid) {
        }

        @Override
        public void forget(Xid xid) {
        }

        @Override
        public Xid[] recover(int flag) {
            return new Xid[0];
        }

        @Override
        public boolean isSameRM(XAResource other) {
            return other == this;
        }

        @Override
        public int getTransactionTimeout() {
            return 0;
        }

        @Override
        public boolean setTransactionTimeout(int seconds) {
            return false;
        }
    }
}
