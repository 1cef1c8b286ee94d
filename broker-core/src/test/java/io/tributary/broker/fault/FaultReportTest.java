package io.tributary.broker.fault;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The unavailable window: the longest gap between consecutive acknowledgements overlapping a fault. */
class FaultReportTest {
    private static final long MS = 1_000_000L;

    @Test
    void theWindowIsTheLongestGapThatOverlapsTheFaultNotOneBeforeOrAfterIt() {
        // Gaps: 0-900 (before the fault, 900 ms), 1000-1010, 1010-3010 (2000 ms, spans the fault), 3010-3020,
        // 3020-9020 (after it, 6000 ms).
        long[] acks = {0, 900 * MS, 1000 * MS, 1010 * MS, 3010 * MS, 3020 * MS, 9020 * MS};
        FaultReport.Window w = FaultReport.longestGap(acks, 1500 * MS, 3015 * MS);
        assertEquals(2000, w.ms());
        assertFalse(w.open());
    }

    @Test
    void aGapThatStartsBeforeTheFaultAndEndsInsideItCounts() {
        long[] acks = {0, 100 * MS, 5000 * MS};
        assertEquals(4900, FaultReport.longestGap(acks, 200 * MS, 6000 * MS).ms());
    }

    @Test
    void withNoAcknowledgementAfterTheFaultTheWindowIsOpenAndRunsToTheEndOfTheSpan() {
        long[] acks = {0, 100 * MS};
        FaultReport.Window w = FaultReport.longestGap(acks, 200 * MS, 10_100 * MS);
        assertEquals(10_000, w.ms());
        assertTrue(w.open());
        assertEquals("≥10000", w.toString());
    }
}
