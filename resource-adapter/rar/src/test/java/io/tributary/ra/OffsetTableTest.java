package io.tributary.ra;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.sql.XAConnection;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guarded offset write that keeps a second consumer of a partition from storing records twice,
 * and the read that waits for transactions a crash left in doubt.
 */
class OffsetTableTest {
    @TempDir
    Path dir;

    @Test
    void aDeliveryStoresItsOffsetOnlyWhenNoOtherDeliveryStoredItsRecords() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:mem:guarded;DB_CLOSE_DELAY=-1");
             Statement s = c.createStatement()) {
            s.execute(OffsetDatabase.OffsetTable.CREATE);
            OffsetDatabase.OffsetTable.writeGuarded(c, "g", "orders", 0, 0, 1);
            OffsetDatabase.OffsetTable.writeGuarded(c, "g", "orders", 0, 1, 5);
            // A gap (compacted records) is fine: the stored offset is not past the delivery's first record.
            OffsetDatabase.OffsetTable.writeGuarded(c, "g", "orders", 0, 7, 8);
            assertEquals(Map.of(0, 8L), OffsetDatabase.OffsetTable.read(c, "g", "orders"));

            AlreadyDeliveredException again = assertThrows(AlreadyDeliveredException.class,
                    () -> OffsetDatabase.OffsetTable.writeGuarded(c, "g", "orders", 0, 6, 8));
            assertEquals(8, again.storedNextOffset());
            assertEquals(6, again.firstOffset());
            assertThrows(AlreadyDeliveredException.class,
                    () -> OffsetDatabase.OffsetTable.writeGuarded(c, "g", "orders", 0, 3, 12));
            assertEquals(Map.of(0, 8L), OffsetDatabase.OffsetTable.read(c, "g", "orders"));

            // Other groups and partitions are independent.
            OffsetDatabase.OffsetTable.writeGuarded(c, "g", "orders", 1, 0, 3);
            OffsetDatabase.OffsetTable.writeGuarded(c, "h", "orders", 0, 0, 2);
            assertEquals(Map.of(0, 8L, 1, 3L), OffsetDatabase.OffsetTable.read(c, "g", "orders"));
        }
    }

    @Test
    void aReadWaitsForInDoubtTransactionsUntilTheyAreResolvedOrTheEndpointStops() throws Exception {
        JdbcDataSource ds = UndecidedOffsetWrites.database(dir.resolve("offsets-1"), 1);
        try (Connection c = ds.getConnection()) {
            // An endpoint being deactivated gives up the wait at once.
            AtomicBoolean running = new AtomicBoolean(true);
            new Thread(() -> {
                sleep(500);
                running.set(false);
            }).start();
            SQLException stopped = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(SQLException.class,
                    () -> OffsetDatabase.OffsetTable.read(c, "g", "orders", running::get)));
            assertTrue(stopped.getMessage().contains("1 in-doubt"), stopped.getMessage());

            // A running one reads once recovery has decided: here, commit.
            new Thread(() -> {
                sleep(500);
                try {
                    XAConnection recovery = ds.getXAConnection();
                    for (Xid x : recovery.getXAResource().recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN)) {
                        recovery.getXAResource().commit(x, false);
                    }
                    recovery.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).start();
            assertEquals(Map.of(0, 9L), assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> OffsetDatabase.OffsetTable.read(c, "g", "orders", () -> true)));
        }
    }

    @Test
    void aTransactionStillInDoubtAfterTheWaitIsRolledBack() throws Exception {
        JdbcDataSource ds = UndecidedOffsetWrites.database(dir.resolve("offsets-2"), 2);
        try (Connection c = ds.getConnection()) {
            // Recovery rolls both back (no decision in its log) on one connection, as a transaction
            // manager does; H2 carries out only the first rollback after its recovery scan.
            XAConnection recovery = ds.getXAConnection();
            for (Xid x : recovery.getXAResource().recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN)) {
                recovery.getXAResource().rollback(x);
            }
            recovery.close();
            assertEquals(1, inDoubt(c), "in doubt after recovery's rollbacks");

            assertEquals(Map.of(0, 5L, 1, 5L), assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> OffsetDatabase.OffsetTable.read(c, "g", "orders", () -> true, 1_000)));
            assertEquals(0, inDoubt(c), "in doubt after the read");
            OffsetDatabase.OffsetTable.writeGuarded(c, "g", "orders", 1, 5, 9);
            assertEquals(Map.of(0, 5L, 1, 9L), OffsetDatabase.OffsetTable.read(c, "g", "orders"));
        }
    }

    private static int inDoubt(Connection c) throws SQLException {
        return UndecidedOffsetWrites.inDoubt(c);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
