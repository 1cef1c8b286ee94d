package io.tributary.ra;

import javax.transaction.xa.Xid;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Transactions an H2 database holds in doubt (prepared, never decided) after a crash, and what a
 * reader of stored offsets does about them.
 *
 * <p>Such a transaction may hold a newer offset for a record whose side effects it also holds, so a
 * reader first waits for the transaction manager's recovery to decide it. Recovery commits what
 * its log decided to commit, which H2 carries out. What it rolls back (a transaction prepared
 * without a logged decision: presumed abort) H2 ignores when the rollback comes, as it does in
 * recovery, on a connection other than the one that prepared it; so whatever is still in doubt
 * after the wait is rolled back here, by name, completing the transaction manager's decision. The
 * records it held are then delivered again, once.
 *
 * <p>Stateless; the methods are thread-safe (two readers may race to roll back the same
 * transaction, and the loser finds it gone).
 */
final class InDoubtTransactions {
    private static final System.Logger LOG = System.getLogger(InDoubtTransactions.class.getName());

    /** How long a reader waits for recovery before rolling back what is still in doubt. */
    static final long WAIT_MS = 60_000;

    private InDoubtTransactions() {
    }

    /**
     * Returns once {@code c}'s database holds no in-doubt transaction; at once for a database
     * other than H2.
     *
     * @param what        what the caller is about to read, for the log
     * @param keepWaiting polled while waiting; false ends the wait with an {@link SQLException}
     * @param waitMs      how long to leave the transactions to recovery before rolling them back
     */
    static void awaitResolved(Connection c, String what, BooleanSupplier keepWaiting, long waitMs) throws SQLException {
        if (!"H2".equals(c.getMetaData().getDatabaseProductName())) return;
        long deadline = System.currentTimeMillis() + waitMs;
        boolean logged = false;
        while (true) {
            List<String> inDoubt = names(c);
            if (inDoubt.isEmpty()) return;
            if (!keepWaiting.getAsBoolean()) {
                throw new SQLException("Stopped waiting for " + inDoubt.size() + " in-doubt transaction(s) in the "
                        + "offset database before reading " + what);
            }
            if (System.currentTimeMillis() > deadline) {
                rollBack(c, inDoubt, waitMs);
                continue;
            }
            if (!logged) {
                LOG.log(System.Logger.Level.INFO, "Waiting for " + inDoubt.size() + " in-doubt transaction(s) in the "
                        + "offset database to be recovered before reading " + what);
                logged = true;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("Interrupted while waiting for in-doubt transactions", e);
            }
        }
    }

    /** Rolls back the branch {@code xid} by name if the database still holds it in doubt. */
    static void rollBackIfInDoubt(Connection c, Xid xid) throws SQLException {
        String name = nameOf(xid);
        if (!names(c).contains(name)) return;
        try (Statement s = c.createStatement()) {
            s.execute("ROLLBACK TRANSACTION \"" + name + "\"");
        }
    }

    /** H2's name of an XA branch: {@code XID|format|qualifier|global id}, the ids in unpadded URL-safe Base64. */
    static String nameOf(Xid xid) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return "XID|" + xid.getFormatId() + "|" + b64.encodeToString(xid.getBranchQualifier()) + "|"
                + b64.encodeToString(xid.getGlobalTransactionId());
    }

    private static List<String> names(Connection c) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT TRANSACTION_NAME FROM INFORMATION_SCHEMA.IN_DOUBT")) {
            while (rs.next()) names.add(rs.getString(1));
        }
        return names;
    }

    private static void rollBack(Connection c, List<String> names, long waitedMs) throws SQLException {
        for (String name : names) {
            LOG.log(System.Logger.Level.WARNING, "Rolling back transaction " + name + ", still in doubt in the offset "
                    + "database " + waitedMs + " ms after recovery could decide it (presumed abort); the records "
                    + "it held will be delivered again");
            try (Statement s = c.createStatement()) {
                s.execute("ROLLBACK TRANSACTION \"" + name.replace("\"", "\"\"") + "\"");
            } catch (SQLException raced) {
                // Decided meanwhile (by recovery or another reader); the next look tells.
                LOG.log(System.Logger.Level.DEBUG, "Rolling back " + name + " failed: " + raced.getMessage());
            }
        }
    }
}
