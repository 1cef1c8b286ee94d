package io.tributary.ra;

import org.h2.jdbcx.JdbcDataSource;

import javax.sql.XAConnection;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** H2 file databases left as a crash between prepare and commit leaves them. */
final class UndecidedOffsetWrites {
    private UndecidedOffsetWrites() {
    }

    /** The URL of the database at {@code file}, kept open until the JVM ends. */
    static String url(Path file) {
        return "jdbc:h2:file:" + file + ";DB_CLOSE_DELAY=-1";
    }

    /**
     * A database where the offsets of g/orders partitions 0 to {@code partitions - 1} are 5, each
     * with a prepared, undecided write of 9 in a transaction of its own.
     */
    static JdbcDataSource database(Path file, int partitions) throws Exception {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(url(file));
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute(OffsetDatabase.OffsetTable.CREATE);
            for (int p = 0; p < partitions; p++) OffsetDatabase.OffsetTable.write(c, "g", "orders", p, 5);
        }
        for (int p = 0; p < partitions; p++) {
            byte[] gtrid = {1, 2, (byte) p};
            Xid xid = new Xid() {
                public int getFormatId() { return 7; }
                public byte[] getGlobalTransactionId() { return gtrid; }
                public byte[] getBranchQualifier() { return new byte[]{4}; }
            };
            XAConnection xa = ds.getXAConnection();
            XAResource r = xa.getXAResource();
            r.start(xid, XAResource.TMNOFLAGS);
            OffsetDatabase.OffsetTable.writeGuarded(xa.getConnection(), "g", "orders", p, 5, 9);
            r.end(xid, XAResource.TMSUCCESS);
            assertEquals(XAResource.XA_OK, r.prepare(xid));
        }
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("SHUTDOWN IMMEDIATELY");
        } catch (SQLException closedUnderUs) {
            // expected: the database went away with the statement
        }
        return ds;
    }

    static int inDoubt(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.IN_DOUBT")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
