package io.tributary.ra.inbound;

import io.tributary.ra.OffsetDatabase;

import javax.sql.XAConnection;
import javax.transaction.xa.XAResource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

/**
 * Offsets in the adapter's H2 database. Transacted writes go through an XA connection whose
 * {@link TrackingXAResource} the container enlists, so the outcome is known exactly.
 */
final class H2OffsetSink implements OffsetSink {
    private final OffsetDatabase database;
    private final XAConnection xaConnection;
    private final Connection xaHandle;
    private final TrackingXAResource xaResource;

    H2OffsetSink(OffsetDatabase database) throws SQLException {
        this.database = database;
        this.xaConnection = database.openXa();
        this.xaHandle = xaConnection.getConnection();
        this.xaResource = new TrackingXAResource(xaConnection.getXAResource());
    }

    @Override
    public XAResource xaResource() {
        return xaResource;
    }

    @Override
    public boolean inTransaction() {
        return xaResource.started();
    }

    @Override
    public void writeInTransaction(String group, String topic, Map<Integer, Long> firstOffsets,
                                   Map<Integer, Long> nextOffsets) throws SQLException {
        xaResource.reset();
        for (Map.Entry<Integer, Long> e : nextOffsets.entrySet()) {
            OffsetDatabase.OffsetTable.writeGuarded(xaHandle, group, topic, e.getKey(), firstOffsets.get(e.getKey()),
                    e.getValue());
        }
    }

    @Override
    public void writeNow(String group, String topic, Map<Integer, Long> nextOffsets) throws SQLException {
        try (Connection c = database.open()) {
            c.setAutoCommit(false);
            for (Map.Entry<Integer, Long> e : nextOffsets.entrySet()) {
                OffsetDatabase.OffsetTable.write(c, group, topic, e.getKey(), e.getValue());
            }
            c.commit();
        }
    }

    @Override
    public boolean committed(String group, String topic, Map<Integer, Long> nextOffsets) {
        return xaResource.outcome() == TrackingXAResource.Outcome.COMMITTED;
    }

    @Override
    public Map<Integer, Long> read(String group, String topic) throws SQLException {
        return database.read(group, topic);
    }

    @Override
    public Map<Integer, Long> read(String group, String topic, java.util.function.BooleanSupplier keepWaiting)
            throws SQLException {
        return database.read(group, topic, keepWaiting);
    }

    @Override
    public void close() {
        try {
            xaHandle.close();
            xaConnection.close();
        } catch (SQLException ignored) {
            // The connection is discarded.
        }
    }
}
