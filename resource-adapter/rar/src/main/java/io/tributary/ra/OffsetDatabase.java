package io.tributary.ra;

import org.h2.jdbcx.JdbcDataSource;

import javax.sql.XAConnection;
import java.io.File;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The adapter's own H2 database of consumer offsets: table {@code TRIBUTARY_OFFSETS} with one row
 * per (group, topic, partition) holding the next offset to deliver. Rows are written inside the
 * bean's XA transaction through {@link #openXa()}; they are read when partitions are assigned.
 *
 * <p>Thread-safe: each caller uses its own connection.
 */
public final class OffsetDatabase implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(OffsetDatabase.class.getName());
    public static final String TABLE = "TRIBUTARY_OFFSETS";

    private final JdbcDataSource dataSource;
    private final Connection keepOpen;
    private XAConnection recovery;
    private Connection recoveryHandle;

    public OffsetDatabase(String url) throws SQLException {
        this.dataSource = new JdbcDataSource();
        dataSource.setURL(url);
        this.keepOpen = dataSource.getConnection();
        try (Statement s = keepOpen.createStatement()) {
            s.execute(OffsetTable.CREATE);
        }
    }

    /**
     * {@code jdbc:h2:file:<dir>/offsets;DB_CLOSE_DELAY=-1}: an embedded file database that every
     * connection in this JVM with the same URL shares. A relative directory is written as
     * {@code ./<dir>}, so an application datasource can name the same database with the same URL
     * (the examples use {@code jdbc:h2:file:./tributary-data/offsets;DB_CLOSE_DELAY=-1}).
     */
    public static String defaultUrl(File dataDirectory) {
        String dir = dataDirectory.isAbsolute() ? dataDirectory.getPath() : "./" + dataDirectory.getPath();
        return "jdbc:h2:file:" + dir + "/offsets;DB_CLOSE_DELAY=-1";
    }

    public String url() {
        return dataSource.getURL();
    }

    /** An XAResource for transaction recovery; its connection stays open until {@link #close()}. */
    public synchronized javax.transaction.xa.XAResource recoveryResource() throws SQLException {
        if (recovery == null) {
            recovery = dataSource.getXAConnection();
            recoveryHandle = recovery.getConnection();
        }
        return new RecoveryXAResource(recovery.getXAResource(), recoveryHandle);
    }

    public XAConnection openXa() throws SQLException {
        return dataSource.getXAConnection();
    }

    public Connection open() throws SQLException {
        return dataSource.getConnection();
    }

    /** The stored next offsets of {@code group} for the partitions of {@code topic}. */
    public Map<Integer, Long> read(String group, String topic) throws SQLException {
        return read(group, topic, () -> true);
    }

    /** As {@link OffsetTable#read(Connection, String, String, BooleanSupplier)}. */
    public Map<Integer, Long> read(String group, String topic, BooleanSupplier keepWaiting) throws SQLException {
        try (Connection c = open()) {
            return OffsetTable.read(c, group, topic, keepWaiting);
        }
    }

    @Override
    public void close() {
        try {
            if (recovery != null) recovery.close();
            keepOpen.close();
        } catch (SQLException ignored) {
            // Closing the last connection; nothing to recover.
        }
    }

    /** The SQL of the offset table, shared by the adapter's database and an application datasource. */
    public static final class OffsetTable {
        public static final String CREATE = "CREATE TABLE IF NOT EXISTS " + TABLE + " (GROUP_ID VARCHAR(255) NOT NULL, "
                + "TOPIC VARCHAR(255) NOT NULL, PARTITION_ID INT NOT NULL, NEXT_OFFSET BIGINT NOT NULL, "
                + "PRIMARY KEY (GROUP_ID, TOPIC, PARTITION_ID))";
        private static final String MERGE = "MERGE INTO " + TABLE
                + " (GROUP_ID, TOPIC, PARTITION_ID, NEXT_OFFSET) KEY (GROUP_ID, TOPIC, PARTITION_ID) VALUES (?, ?, ?, ?)";
        private static final String UPDATE = "UPDATE " + TABLE + " SET NEXT_OFFSET = ? WHERE GROUP_ID = ? AND TOPIC = ? AND PARTITION_ID = ?";
        private static final String INSERT = "INSERT INTO " + TABLE + " (GROUP_ID, TOPIC, PARTITION_ID, NEXT_OFFSET) VALUES (?, ?, ?, ?)";
        private static final String SELECT = "SELECT PARTITION_ID, NEXT_OFFSET FROM " + TABLE + " WHERE GROUP_ID = ? AND TOPIC = ?";

        private OffsetTable() {
        }

        /**
         * The stored next offsets of {@code group} on {@code topic}, once the database holds no
         * transaction in doubt (see {@link InDoubtTransactions}).
         */
        public static Map<Integer, Long> read(Connection c, String group, String topic) throws SQLException {
            return read(c, group, topic, () -> true);
        }

        /**
         * As {@link #read(Connection, String, String)}, but gives up waiting for in-doubt
         * transactions, with an {@link SQLException}, as soon as {@code keepWaiting} turns false (the
         * endpoint is being deactivated and must not hold up the adapter's stop).
         */
        public static Map<Integer, Long> read(Connection c, String group, String topic, BooleanSupplier keepWaiting)
                throws SQLException {
            return read(c, group, topic, keepWaiting, InDoubtTransactions.WAIT_MS);
        }

        static Map<Integer, Long> read(Connection c, String group, String topic, BooleanSupplier keepWaiting,
                                       long inDoubtWaitMs) throws SQLException {
            InDoubtTransactions.awaitResolved(c, "the offsets of group " + group + " on " + topic, keepWaiting,
                    inDoubtWaitMs);
            Map<Integer, Long> m = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement(SELECT)) {
                ps.setString(1, group);
                ps.setString(2, topic);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) m.put(rs.getInt(1), rs.getLong(2));
                }
            }
            return m;
        }

        /** Writes the next offset with H2's MERGE (insert or update). */
        public static void write(Connection c, String group, String topic, int partition, long nextOffset) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(MERGE)) {
                ps.setString(1, group);
                ps.setString(2, topic);
                ps.setInt(3, partition);
                ps.setLong(4, nextOffset);
                ps.executeUpdate();
            }
        }

        private static final String GUARDED_UPDATE = "UPDATE " + TABLE + " SET NEXT_OFFSET = ? WHERE GROUP_ID = ? AND TOPIC = ? "
                + "AND PARTITION_ID = ? AND NEXT_OFFSET <= ?";
        private static final String SELECT_ONE = "SELECT NEXT_OFFSET FROM " + TABLE
                + " WHERE GROUP_ID = ? AND TOPIC = ? AND PARTITION_ID = ?";

        /**
         * Stores {@code nextOffset} for a delivery of the records from {@code firstOffset} on, only if
         * the stored next offset is not past {@code firstOffset}: no other delivery has stored those
         * records already. Inside the bean's transaction this fences any second consumer of the
         * partition (a member that has not yet noticed a rebalance, a delivery racing transaction
         * recovery): the row lock makes it wait for the first, and the check makes it fail.
         *
         * @throws AlreadyDeliveredException when the stored offset is past {@code firstOffset}
         */
        public static void writeGuarded(Connection c, String group, String topic, int partition, long firstOffset,
                                        long nextOffset) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(GUARDED_UPDATE)) {
                ps.setLong(1, nextOffset);
                ps.setString(2, group);
                ps.setString(3, topic);
                ps.setInt(4, partition);
                ps.setLong(5, firstOffset);
                if (ps.executeUpdate() > 0) return;
            }
            try (PreparedStatement ps = c.prepareStatement(SELECT_ONE)) {
                ps.setString(1, group);
                ps.setString(2, topic);
                ps.setInt(3, partition);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) throw new AlreadyDeliveredException(group, topic, partition, rs.getLong(1), firstOffset);
                }
            }
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                ps.setString(1, group);
                ps.setString(2, topic);
                ps.setInt(3, partition);
                ps.setLong(4, nextOffset);
                ps.executeUpdate();
            }
        }

        /** Portable insert-or-update for other databases. */
        public static void writePortable(Connection c, String group, String topic, int partition, long nextOffset) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(UPDATE)) {
                ps.setLong(1, nextOffset);
                ps.setString(2, group);
                ps.setString(3, topic);
                ps.setInt(4, partition);
                if (ps.executeUpdate() > 0) return;
            }
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                ps.setString(1, group);
                ps.setString(2, topic);
                ps.setInt(3, partition);
                ps.setLong(4, nextOffset);
                ps.executeUpdate();
            }
        }
    }
}
