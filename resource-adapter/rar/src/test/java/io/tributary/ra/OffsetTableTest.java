package io.tributary.ra;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The guarded offset write that keeps a second consumer of a partition from storing records twice. */
class OffsetTableTest {
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
}
