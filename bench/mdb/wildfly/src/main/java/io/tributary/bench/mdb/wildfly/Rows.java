package io.tributary.bench.mdb.wildfly;

import io.tributary.api.TributaryRecord;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The bean work, the same for every phase: one row per message in {@code BENCH_ROWS} of the XA
 * datasource {@value #DATASOURCE} (H2, a file database under the run's work directory), written
 * inside the caller's container-managed transaction. The key ({@code partition:offset} for a
 * Tributary record, the filler's sequence number for a JMS message) is unique per phase, so a
 * message stored twice fails its transaction instead of adding a row. Stateless; thread-safe.
 */
public final class Rows {
    public static final String DATASOURCE = "java:jboss/datasources/BenchXA";
    static final String INSERT = "INSERT INTO BENCH_ROWS (PHASE, MSG_KEY, PAYLOAD) VALUES (?, ?, ?)";

    private Rows() {
    }

    static void createTable(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS BENCH_ROWS (PHASE VARCHAR(16) NOT NULL, MSG_KEY VARCHAR(32) NOT NULL,"
                    + " PAYLOAD VARBINARY(1024) NOT NULL, PRIMARY KEY (PHASE, MSG_KEY))");
        }
    }

    static long count(DataSource ds, String phase) throws SQLException {
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM BENCH_ROWS WHERE PHASE = ?")) {
            ps.setString(1, phase);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static void insert(DataSource ds, String phase, String key, byte[] payload) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setString(1, phase);
            ps.setString(2, key);
            ps.setBytes(3, payload);
            ps.executeUpdate();
        }
    }

    /** One row per record, as one JDBC batch. */
    static void insertAll(DataSource ds, String phase, List<TributaryRecord> records) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(INSERT)) {
            for (TributaryRecord r : records) {
                ps.setString(1, phase);
                ps.setString(2, r.partition() + ":" + r.offset());
                ps.setBytes(3, r.value());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
