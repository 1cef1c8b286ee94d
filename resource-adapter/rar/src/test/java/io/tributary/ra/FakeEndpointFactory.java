package io.tributary.ra;

import io.tributary.api.BatchRecordListener;
import io.tributary.api.RecordListener;
import io.tributary.api.TributaryRecord;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.UnavailableException;
import jakarta.resource.spi.endpoint.MessageEndpoint;
import jakarta.resource.spi.endpoint.MessageEndpointFactory;

import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The part of an EJB container that delivers to a message-driven bean, small enough to read in one
 * go. {@link #createEndpoint} returns a proxy implementing {@link MessageEndpoint} and the bean's
 * listener interface that calls a test's lambda. When the adapter passes an XAResource, the proxy
 * is a one-resource transaction manager: {@code beforeDelivery} starts a branch
 * ({@code start(xid, TMNOFLAGS)}); {@code afterDelivery} ends it ({@code end(xid, TMSUCCESS)}), then
 * rolls it back if the bean threw a RuntimeException or called {@link Delivery#setRollbackOnly()},
 * otherwise prepares and commits it (two-phase, as with a second resource enlisted). Only after the
 * commit does it run the bean's {@link Delivery#afterCommit} hooks, so a test counts what really
 * committed.
 *
 * <p>Misuse of the endpoint contract (a listener call outside before/afterDelivery, two
 * {@code beforeDelivery} in a row, a call after {@code release}) is collected in
 * {@link #protocolErrors()}.
 */
final class FakeEndpointFactory implements MessageEndpointFactory {
    /** A bean implementing {@link RecordListener}. */
    @FunctionalInterface
    interface RecordBean {
        void onRecord(TributaryRecord record, Delivery delivery);
    }

    /** A bean implementing {@link BatchRecordListener}. */
    @FunctionalInterface
    interface BatchBean {
        void onRecords(List<TributaryRecord> records, Delivery delivery);
    }

    /** What the bean sees of the transaction its method runs in. */
    static final class Delivery {
        private final boolean transacted;
        private final List<Runnable> onCommit = new ArrayList<>();
        private boolean rollbackOnly;

        private Delivery(boolean transacted) {
            this.transacted = transacted;
        }

        /** {@code MessageDrivenContext.setRollbackOnly()}. */
        void setRollbackOnly() {
            rollbackOnly = true;
        }

        /** Runs {@code action} when this delivery's transaction commits (untransacted: when the method returned normally). */
        void afterCommit(Runnable action) {
            onCommit.add(action);
        }

        boolean transacted() {
            return transacted;
        }
    }

    private static final AtomicInteger XIDS = new AtomicInteger();

    private final boolean transacted;
    private final RecordBean recordBean;
    private final BatchBean batchBean;
    private final List<XAResource> xaResourcesGiven = new CopyOnWriteArrayList<>();
    private final List<String> protocolErrors = new CopyOnWriteArrayList<>();
    private final AtomicInteger commits = new AtomicInteger();
    private final AtomicInteger rollbacks = new AtomicInteger();
    private final AtomicInteger released = new AtomicInteger();
    private final AtomicInteger silentBeforeDeliveryFailures = new AtomicInteger();
    private final AtomicInteger failBeforeDelivery = new AtomicInteger();
    private final AtomicInteger failCommit = new AtomicInteger();

    private FakeEndpointFactory(boolean transacted, RecordBean recordBean, BatchBean batchBean) {
        this.transacted = transacted;
        this.recordBean = recordBean;
        this.batchBean = batchBean;
    }

    static FakeEndpointFactory records(boolean transacted, RecordBean bean) {
        return new FakeEndpointFactory(transacted, bean, null);
    }

    static FakeEndpointFactory batches(boolean transacted, BatchBean bean) {
        return new FakeEndpointFactory(transacted, null, bean);
    }

    /** Makes the next {@code beforeDelivery} fail, as when the container cannot begin a transaction. */
    void failNextBeforeDelivery() {
        failBeforeDelivery.incrementAndGet();
    }

    /**
     * Makes the next {@code beforeDelivery} fail as Payara's does when the bean's instance cannot
     * be created (an injection failed): it returns normally but begins no transaction, the bean
     * method then throws without running the bean, and {@code afterDelivery} returns normally.
     */
    void failNextBeforeDeliverySilently() {
        silentBeforeDeliveryFailures.incrementAndGet();
    }

    /**
     * Makes the next {@code n} commits fail as when the transaction manager cannot complete the
     * transaction (a resource unreachable at prepare): the branch is rolled back and
     * {@code afterDelivery} throws.
     */
    void failNextCommits(int n) {
        failCommit.set(n);
    }

    List<XAResource> xaResourcesGiven() {
        return xaResourcesGiven;
    }

    List<String> protocolErrors() {
        return protocolErrors;
    }

    int commits() {
        return commits.get();
    }

    int rollbacks() {
        return rollbacks.get();
    }

    int released() {
        return released.get();
    }

    @Override
    public MessageEndpoint createEndpoint(XAResource xaResource) throws UnavailableException {
        xaResourcesGiven.add(xaResource == null ? NO_RESOURCE : xaResource);
        Class<?> listener = batchBean != null ? BatchRecordListener.class : RecordListener.class;
        return (MessageEndpoint) Proxy.newProxyInstance(FakeEndpointFactory.class.getClassLoader(),
                new Class<?>[]{MessageEndpoint.class, listener}, new Endpoint(xaResource));
    }

    @Override
    public MessageEndpoint createEndpoint(XAResource xaResource, long timeout) throws UnavailableException {
        return createEndpoint(xaResource);
    }

    @Override
    public boolean isDeliveryTransacted(Method method) {
        return transacted;
    }

    @Override
    public String getActivationName() {
        return "fake-" + Integer.toHexString(System.identityHashCode(this));
    }

    @Override
    public Class<?> getEndpointClass() {
        return batchBean != null ? BatchRecordListener.class : RecordListener.class;
    }

    /** Stands for "createEndpoint(null)" in {@link #xaResourcesGiven()}. */
    static final XAResource NO_RESOURCE = (XAResource) Proxy.newProxyInstance(FakeEndpointFactory.class.getClassLoader(),
            new Class<?>[]{XAResource.class}, (p, m, a) -> m.getName().equals("toString") ? "no XAResource" : null);

    private record TestXid(int getFormatId, byte[] getGlobalTransactionId, byte[] getBranchQualifier) implements Xid {
        static TestXid next() {
            byte[] gtrid = ByteBuffer.allocate(12).putInt(0x54524942).putLong(XIDS.incrementAndGet()).array();
            return new TestXid(0x1234, gtrid, new byte[]{1});
        }
    }

    /** One endpoint instance: at most one delivery (one transaction) at a time. */
    private final class Endpoint implements InvocationHandler {
        private final XAResource xa;
        private Delivery delivery;
        private Xid xid;
        private boolean beanThrew;
        private boolean releasedFlag;
        /** This delivery's beforeDelivery failed silently: no transaction, no bean. */
        private boolean noInstance;

        Endpoint(XAResource xa) {
            this.xa = xa;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            switch (method.getName()) {
                case "toString":
                    return "FakeEndpoint@" + Integer.toHexString(System.identityHashCode(this));
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "equals":
                    return proxy == args[0];
                case "beforeDelivery":
                    beforeDelivery();
                    return null;
                case "afterDelivery":
                    afterDelivery();
                    return null;
                case "release":
                    if (releasedFlag) protocolErrors.add("release() called twice");
                    releasedFlag = true;
                    released.incrementAndGet();
                    return null;
                case "onRecord":
                case "onRecords":
                    invokeBean(method, args[0]);
                    return null;
                default:
                    throw new UnsupportedOperationException(method.toString());
            }
        }

        private void beforeDelivery() throws ResourceException {
            if (releasedFlag) protocolErrors.add("beforeDelivery after release");
            if (delivery != null) protocolErrors.add("beforeDelivery twice without afterDelivery");
            if (failBeforeDelivery.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new ResourceException("test: cannot begin a transaction");
            }
            noInstance = silentBeforeDeliveryFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
            delivery = new Delivery(xa != null);
            if (noInstance) return;
            beanThrew = false;
            if (xa != null) {
                xid = TestXid.next();
                try {
                    xa.start(xid, XAResource.TMNOFLAGS);
                } catch (XAException e) {
                    delivery = null;
                    xid = null;
                    throw new ResourceException("start failed: " + e.errorCode, e);
                }
            }
        }

        @SuppressWarnings("unchecked")
        private void invokeBean(Method method, Object arg) {
            if (releasedFlag) protocolErrors.add(method.getName() + " after release");
            if (delivery == null) protocolErrors.add(method.getName() + " outside beforeDelivery/afterDelivery");
            Delivery d = delivery != null ? delivery : new Delivery(false);
            if (noInstance) throw new IllegalStateException("test: no bean instance for this delivery (invocation closed)");
            try {
                if (batchBean != null) batchBean.onRecords((List<TributaryRecord>) arg, d);
                else recordBean.onRecord((TributaryRecord) arg, d);
            } catch (RuntimeException | Error e) {
                beanThrew = true;
                throw e;
            }
        }

        private void afterDelivery() throws ResourceException {
            Delivery d = delivery;
            Xid x = xid;
            delivery = null;
            xid = null;
            if (d == null) {
                protocolErrors.add("afterDelivery without beforeDelivery");
                return;
            }
            if (noInstance) {
                noInstance = false;
                return;
            }
            boolean rollback = beanThrew || d.rollbackOnly;
            if (xa == null) {
                if (!rollback) {
                    commits.incrementAndGet();
                    d.onCommit.forEach(Runnable::run);
                } else {
                    rollbacks.incrementAndGet();
                }
                return;
            }
            try {
                xa.end(x, XAResource.TMSUCCESS);
                if (rollback) {
                    xa.rollback(x);
                    rollbacks.incrementAndGet();
                    return;
                }
                if (failCommit.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    xa.rollback(x);
                    rollbacks.incrementAndGet();
                    throw new ResourceException("test: the transaction could not commit; rolled back");
                }
                int vote;
                try {
                    vote = xa.prepare(x);
                } catch (XAException e) {
                    rollbacks.incrementAndGet();
                    throw new ResourceException("prepare failed (" + e.errorCode + "): transaction rolled back", e);
                }
                if (vote != XAResource.XA_RDONLY) xa.commit(x, false);
                commits.incrementAndGet();
                d.onCommit.forEach(Runnable::run);
            } catch (XAException e) {
                throw new ResourceException("completion failed: " + e.errorCode, e);
            }
        }
    }
}
