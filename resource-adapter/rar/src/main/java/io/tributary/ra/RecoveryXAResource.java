package io.tributary.ra;

import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The offset database's XAResource as given to the transaction manager for recovery: delegates,
 * and logs the in-doubt branches it reports and how each is resolved, so an operator can see what
 * a crash left behind and what recovery did with it. A rollback H2 does not carry out (all but the
 * first after a recovery scan) is completed by name on {@code connection}.
 */
final class RecoveryXAResource implements XAResource {
    private static final System.Logger LOG = System.getLogger(RecoveryXAResource.class.getName());
    private final XAResource delegate;
    private final Connection connection;

    RecoveryXAResource(XAResource delegate, Connection connection) {
        this.delegate = delegate;
        this.connection = connection;
    }

    @Override
    public Xid[] recover(int flag) throws XAException {
        Xid[] xids = delegate.recover(flag);
        if (xids != null && xids.length > 0) {
            LOG.log(System.Logger.Level.INFO, "Offset database reports " + xids.length + " in-doubt transaction branch(es) for recovery");
        }
        return xids;
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
        LOG.log(System.Logger.Level.INFO, "Recovery commits in-doubt branch " + xid);
        delegate.commit(xid, onePhase);
    }

    @Override
    public void rollback(Xid xid) throws XAException {
        LOG.log(System.Logger.Level.INFO, "Recovery rolls back in-doubt branch " + xid);
        delegate.rollback(xid);
        try {
            InDoubtTransactions.rollBackIfInDoubt(connection, xid);
        } catch (SQLException e) {
            throw (XAException) new XAException(XAException.XAER_RMERR).initCause(e);
        }
    }

    @Override
    public void forget(Xid xid) throws XAException {
        delegate.forget(xid);
    }

    @Override
    public void end(Xid xid, int flags) throws XAException {
        delegate.end(xid, flags);
    }

    @Override
    public int getTransactionTimeout() throws XAException {
        return delegate.getTransactionTimeout();
    }

    @Override
    public boolean isSameRM(XAResource other) throws XAException {
        return other == this || delegate.isSameRM(other);
    }

    @Override
    public int prepare(Xid xid) throws XAException {
        return delegate.prepare(xid);
    }

    @Override
    public boolean setTransactionTimeout(int seconds) throws XAException {
        return delegate.setTransactionTimeout(seconds);
    }

    @Override
    public void start(Xid xid, int flags) throws XAException {
        delegate.start(xid, flags);
    }
}
