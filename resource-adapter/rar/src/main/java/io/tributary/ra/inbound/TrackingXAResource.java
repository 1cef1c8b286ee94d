package io.tributary.ra.inbound;

import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * The offset database's XAResource as handed to {@code createEndpoint}: it delegates every call
 * and remembers how the last transaction ended, so the delivery loop knows — even when the bean
 * only called {@code setRollbackOnly} — whether the offset (and the bean's work) committed.
 * It never claims to be the same resource manager as another resource, so the transaction
 * manager always drives this branch itself.
 *
 * <p>Used by one delivery thread at a time.
 */
final class TrackingXAResource implements XAResource {
    enum Outcome { NONE, COMMITTED, ROLLED_BACK }

    private final XAResource delegate;
    private volatile Outcome outcome = Outcome.NONE;
    /** Between {@code start} and {@code end}: the branch is associated with the delivery's transaction. */
    private volatile boolean started;

    TrackingXAResource(XAResource delegate) {
        this.delegate = delegate;
    }

    void reset() {
        outcome = Outcome.NONE;
    }

    Outcome outcome() {
        return outcome;
    }

    /** Whether the container enlisted this resource and has not ended its branch yet. */
    boolean started() {
        return started;
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
        try {
            delegate.commit(xid, onePhase);
            outcome = Outcome.COMMITTED;
        } catch (XAException e) {
            outcome = Outcome.ROLLED_BACK;
            throw e;
        }
    }

    @Override
    public void rollback(Xid xid) throws XAException {
        started = false;
        outcome = Outcome.ROLLED_BACK;
        delegate.rollback(xid);
    }

    @Override
    public int prepare(Xid xid) throws XAException {
        try {
            return delegate.prepare(xid);
        } catch (XAException e) {
            outcome = Outcome.ROLLED_BACK;
            throw e;
        }
    }

    @Override
    public void end(Xid xid, int flags) throws XAException {
        started = false;
        delegate.end(xid, flags);
    }

    @Override
    public void forget(Xid xid) throws XAException {
        delegate.forget(xid);
    }

    @Override
    public int getTransactionTimeout() throws XAException {
        return delegate.getTransactionTimeout();
    }

    @Override
    public boolean isSameRM(XAResource other) {
        return other == this;
    }

    @Override
    public Xid[] recover(int flag) throws XAException {
        return delegate.recover(flag);
    }

    @Override
    public boolean setTransactionTimeout(int seconds) throws XAException {
        return delegate.setTransactionTimeout(seconds);
    }

    @Override
    public void start(Xid xid, int flags) throws XAException {
        delegate.start(xid, flags);
        started = true;
    }
}
