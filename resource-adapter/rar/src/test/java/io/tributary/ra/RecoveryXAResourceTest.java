package io.tributary.ra;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The adapter's recovery resource, driven as a transaction manager drives it after a crash. */
class RecoveryXAResourceTest {
    @TempDir
    Path dir;

    @Test
    void everyBranchRecoveryRollsBackIsRolledBack() throws Exception {
        Path file = dir.resolve("offsets");
        UndecidedOffsetWrites.database(file, 3);
        try (OffsetDatabase db = new OffsetDatabase(UndecidedOffsetWrites.url(file))) {
            XAResource recovery = db.recoveryResource();
            Xid[] inDoubt = recovery.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN);
            assertEquals(3, inDoubt.length, "branches reported for recovery");
            for (Xid xid : inDoubt) recovery.rollback(xid);
            try (Connection c = db.open()) {
                assertEquals(0, UndecidedOffsetWrites.inDoubt(c), "branches in doubt after recovery");
            }
            assertEquals(Map.of(0, 5L, 1, 5L, 2, 5L), db.read("g", "orders"));
        }
    }
}
