package io.tributary.ra.inbound;

import io.tributary.ra.OffsetDatabase;

import jakarta.transaction.Status;
import jakarta.transaction.TransactionSynchronizationRegistry;

import javax.sql.DataSource;
import javax.transaction.xa.XAResource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * Offsets in an application's JTA datasource (looked up by JNDI name). Its connections enlist
 * themselves in the bean's transaction, so no XAResource is handed to the container; whether a
 * delivery committed is read back from the table afterwards. Whether a transaction is active is
 * asked of the server's {@link TransactionSynchronizationRegistry} (from the adapter's
 * {@code BootstrapContext}); a server that offers none cannot be asked, and the delivery trusts
 * {@code beforeDelivery}.
 */
final class DataSourceOffsetSink implements OffsetSink {
    private final DataSource dataSource;
    private final TransactionSynchronizationRegistry transactions;

    DataSourceOffsetSink(DataSource dataSource, TransactionSynchronizationRegistry transactions) throws SQLException {
        this.dataSource = dataSource;
        this.transactions = transactions;
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute(OffsetDatabase.OffsetTable.CREATE);
        }
    }

    @Override
    public XAResource xaResource() {
        return null;
    }

    @Override
    public boolean inTransaction() {
        return transactions == null || transactions.getTransactionStatus() == Status.STATUS_ACTIVE;
    }

    @Override
    public void writeInTransaction(String group, String topic, Map<Integer, Long> firstOffsets,
                                   Map<Integer, Long> nextOffsets) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            for (Map.Entry<Integer, Long> e : nextOffsets.entrySet()) {
                OffsetDatabase.OffsetTable.writeGuarded(c, group, topic, e.getKey(), firstOffsets.get(e.getKey()),
                        e.getValue());
            }
        }
    }

    @Override
    public void writeNow(String group, String topic, Map<Integer, Long> nextOffsets) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean auto = c.getAutoCommit();
            for (Map.Entry<Integer, Long> e : nextOffsets.entrySet()) {
                OffsetDatabase.OffsetTable.writePortable(c, group, topic, e.getKey(), e.getValue());
            }
            if (!auto) c.commit();
        }
    }

    @Override
    public boolean committed(String group, String topic, Map<Integer, Long> nextOffsets) throws SQLException {
        Map<Integer, Long> stored = read(group, topic);
        for (Map.Entry<Integer, Long> e : nextOffsets.entrySet()) {
            if (!e.getValue().equals(stored.get(e.getKey()))) return false;
        }
        return true;
    }

    @Override
    public Map<Integer, Long> read(String group, String topic) throws SQLException {
        return read(group, topic, () -> true);
    }

    @Override
    public Map<Integer, Long> read(String group, String topic, java.util.function.BooleanSupplier keepWaiting)
            throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return OffsetDatabase.OffsetTable.read(c, group, topic, keepWaiting);
        }
    }

    @Override
    public void close() {
    }
}
