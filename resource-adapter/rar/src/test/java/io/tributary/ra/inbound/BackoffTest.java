package io.tributary.ra.inbound;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackoffTest {
    @Test
    void eachWaitGrowsByTheMultiplierWithinTwentyPercentJitterUpToTheCap() {
        Backoff b = new Backoff(1000, 10_000, 2.0);
        long[] base = {1000, 2000, 4000, 8000};
        for (int n = 1; n <= base.length; n++) {
            for (int i = 0; i < 200; i++) {
                long d = b.delayMs(n);
                assertTrue(d >= base[n - 1] * 0.8 && d <= base[n - 1] * 1.2, "wait " + n + " = " + d);
            }
        }
        for (int i = 0; i < 200; i++) {
            long d = b.delayMs(5);
            assertTrue(d >= 8000 && d <= 10_000, "capped: " + d);
            assertTrue(b.delayMs(1000) <= 10_000, "no overflow far past the cap");
        }
    }

    @Test
    void theWaitsAreSpread() {
        Backoff b = new Backoff(1000, 60_000, 2.0);
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (int i = 0; i < 50; i++) seen.add(b.delayMs(3));
        assertTrue(seen.size() > 10, "jitter: " + seen);
    }

    @Test
    void zeroMeansNoWaitAndMultiplierOneAFixedWait() {
        assertEquals(0, new Backoff(0, 0, 2.0).delayMs(7));
        for (int i = 0; i < 100; i++) {
            long d = new Backoff(500, 60_000, 1.0).delayMs(9);
            assertTrue(d >= 400 && d <= 600, "fixed: " + d);
        }
    }

    @Test
    void aNonsensicalBackoffIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(1000, 500, 2.0));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(1000, 5000, 0.5));
    }
}
