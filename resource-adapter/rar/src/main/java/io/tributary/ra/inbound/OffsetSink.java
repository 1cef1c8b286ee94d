package io.tributary.ra.inbound;

import javax.transaction.xa.XAResource;
import java.sql.SQLException;
import java.util.Map;

/**
 * Where one delivery thread stores the next offset of each partition it delivers. Inside a
 * transacted delivery the row is written in the bean's transaction; outside one it is written and
 * committed at once. One instance per delivery thread; not thread-safe.
 */
interface OffsetSink extends AutoCloseable {
    /** The resource to hand to {@code createEndpoint}, or null when the sink enlists by itself. */
    XAResource xaResource();

    /**
     * Between {@code beforeDelivery} and {@code afterDelivery}: whether the container began the
     * delivery's transaction and this sink's writes will be part of it. A container may return from
     * {@code beforeDelivery} without one (Payara does when it cannot create the bean's instance);
     * offsets written then would commit on their own, without the bean's work.
     */
    boolean inTransaction();

    /**
     * Writes offsets as part of the transaction the container started in {@code beforeDelivery}, for
     * the records of each partition from {@code firstOffsets} to just before {@code nextOffsets}.
     *
     * @throws io.tributary.ra.AlreadyDeliveredException when another delivery stored them already
     */
    void writeInTransaction(String group, String topic, Map<Integer, Long> firstOffsets, Map<Integer, Long> nextOffsets)
            throws SQLException;

    /** Writes and commits offsets outside any transaction. */
    void writeNow(String group, String topic, Map<Integer, Long> nextOffsets) throws SQLException;

    /** After {@code afterDelivery}: did the transaction that wrote {@code nextOffsets} commit? */
    boolean committed(String group, String topic, Map<Integer, Long> nextOffsets) throws SQLException;

    Map<Integer, Long> read(String group, String topic) throws SQLException;

    /**
     * The stored offsets, as {@link #read(String, String)}, giving up (with an exception) any wait
     * for in-doubt transactions once {@code keepWaiting} turns false.
     */
    Map<Integer, Long> read(String group, String topic, java.util.function.BooleanSupplier keepWaiting) throws SQLException;

    @Override
    void close();
}
