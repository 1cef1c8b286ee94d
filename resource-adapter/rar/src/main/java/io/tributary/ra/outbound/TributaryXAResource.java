package io.tributary.ra.outbound;

import io.tributary.api.TributaryException;

import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * The XA resource of a managed connection: each JTA transaction branch it takes part in is a Kafka
 * transaction ({@link TransactionalBranch}) under a transactional id that names the branch, so
 * records sent through the connection inside the JTA transaction become visible to
 * {@code read_committed} consumers if and only if the JTA transaction commits.
 *
 * <ul>
 *   <li>{@code start}: the branch's Kafka transaction begins (or the connection joins the open
 *   one); sends go into it until {@code end}.</li>
 *   <li>{@code prepare}: the branch record (which Kafka transaction carries this Xid) is written
 *   to the branch log inside the Kafka transaction, and every record of the branch is acknowledged
 *   by the cluster (durable in the open Kafka transaction); a branch that sent nothing answers
 *   {@code XA_RDONLY}; a failed send rolls the branch back ({@code XA_RBROLLBACK}).</li>
 *   <li>{@code commit} / {@code rollback}: the Kafka transaction commits or aborts. After a restart
 *   (the branch's producer is gone) the {@link TransactionCompleter} ends it with an EndTxn.</li>
 *   <li>{@code recover}: the prepared branches of this connection factory whose Kafka transaction
 *   is still open, read from the branch log; an open one that never reached prepare is aborted.</li>
 * </ul>
 *
 * <p>The factory's recovery resource has no connection: it only recovers, commits and rolls back.
 *
 * <p>Thread safety: the branches live in the connection factory's concurrent map; this object
 * holds no state of its own besides the timeout.
 */
final class TributaryXAResource implements XAResource {
    private final TributaryManagedConnectionFactory factory;
    private final TributaryManagedConnection connection;
    private volatile int timeoutSeconds;

    /** {@code connection} null: the factory's recovery resource. */
    TributaryXAResource(TributaryManagedConnectionFactory factory, TributaryManagedConnection connection) {
        this.factory = factory;
        this.connection = connection;
    }

    @Override
    public void start(Xid xid, int flags) throws XAException {
        if (connection == null) throw error(XAException.XAER_PROTO, "The recovery XAResource takes part in no transaction");
        TransactionalBranch branch;
        if ((flags & (TMJOIN | TMRESUME)) != 0) {
            branch = factory.branch(xid);
            if (branch == null) throw error(XAException.XAER_NOTA, "No Kafka transaction for branch " + xid);
        } else {
            try {
                branch = factory.beginBranch(xid);
            } catch (TributaryException e) {
                throw error(XAException.XAER_RMFAIL, e.getMessage());
            }
        }
        connection.enlist(branch);
    }

    @Override
    public void end(Xid xid, int flags) {
        if (connection != null) connection.delist();
    }

    @Override
    public int prepare(Xid xid) throws XAException {
        TransactionalBranch branch = factory.branch(xid);
        if (branch == null) throw error(XAException.XAER_NOTA, "No Kafka transaction for branch " + xid);
        if (!branch.hasSends()) {
            factory.endBranch(xid, false);
            return XA_RDONLY;
        }
        try {
            factory.prepare(branch);
            return XA_OK;
        } catch (Exception e) {
            String abort = "";
            try {
                factory.endBranch(xid, false);
            } catch (RuntimeException abortFailed) {
                // Still a rollback for the transaction manager: the coordinator aborts the open Kafka
                // transaction when its timeout passes, and nothing of it is ever read committed.
                abort = "; aborting it failed too (" + abortFailed.getMessage()
                        + "), the transaction coordinator aborts it after transaction.timeout.ms";
            }
            throw error(XAException.XA_RBROLLBACK, "Kafka transaction " + branch.transactionalId()
                    + " rolled back at prepare: " + e.getMessage() + abort);
        }
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
        TransactionalBranch branch = factory.branch(xid);
        if (branch == null) {
            if (onePhase) throw error(XAException.XAER_NOTA, "No Kafka transaction for branch " + xid);
            factory.completeRecovered(xid, true);
            return;
        }
        if (onePhase) {
            try {
                branch.prepareOnePhase();
            } catch (RuntimeException e) {
                factory.endBranch(xid, false);
                throw error(XAException.XA_RBROLLBACK, e.getMessage());
            }
        }
        try {
            factory.endBranch(xid, true);
        } catch (RuntimeException e) {
            throw error(XAException.XAER_RMFAIL, "Committing Kafka transaction " + branch.transactionalId()
                    + " failed: " + e.getMessage());
        }
    }

    @Override
    public void rollback(Xid xid) throws XAException {
        TransactionalBranch branch = factory.branch(xid);
        if (branch == null) {
            factory.completeRecovered(xid, false);
            return;
        }
        try {
            factory.endBranch(xid, false);
        } catch (RuntimeException e) {
            throw error(XAException.XAER_RMFAIL, "Aborting Kafka transaction " + branch.transactionalId()
                    + " failed: " + e.getMessage());
        }
    }

    @Override
    public Xid[] recover(int flag) throws XAException {
        if ((flag & TMSTARTRSCAN) == 0) return new Xid[0];
        return factory.recover().toArray(new Xid[0]);
    }

    @Override
    public void forget(Xid xid) {
        // Kafka keeps no heuristic outcome to forget.
    }

    @Override
    public boolean isSameRM(XAResource other) {
        return other instanceof TributaryXAResource x && x.factory == factory;
    }

    @Override
    public int getTransactionTimeout() {
        return timeoutSeconds;
    }

    @Override
    public boolean setTransactionTimeout(int seconds) {
        this.timeoutSeconds = seconds;
        return true;
    }

    private static XAException error(int code, String message) {
        XAException e = new XAException(message);
        e.errorCode = code;
        return e;
    }
}
