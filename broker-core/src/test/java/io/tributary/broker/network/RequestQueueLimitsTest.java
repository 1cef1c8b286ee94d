package io.tributary.broker.network;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestQueueLimitsTest {
    @Test
    void aRequestWaitsOnceTheBytesAreTakenAndIsWokenWhenAnAnsweredRequestGivesThemBack() {
        RequestQueueLimits limits = new RequestQueueLimits(500, 1000);
        AtomicInteger woken = new AtomicInteger();
        assertTrue(limits.admit(600, woken::incrementAndGet));
        // Not strict: 600 < 1000, so one more goes although it passes the bound.
        assertTrue(limits.admit(600, woken::incrementAndGet));
        assertEquals(-200, limits.availableBytes());
        assertFalse(limits.admit(10, woken::incrementAndGet));
        limits.dequeued();
        limits.dequeued();
        assertEquals(0, woken.get(), "the bytes are still held until the requests are answered");
        limits.released(600);
        assertEquals(1, woken.get(), "600 of 1000 bytes held: room again");
        limits.released(600);
        assertEquals(1, woken.get(), "nobody waits any more");
        assertEquals(0, limits.usedBytes());
        assertTrue(limits.admit(10, woken::incrementAndGet));
    }

    @Test
    void aRequestWaitsWhileQueuedMaxRequestsAreQueuedAndIsWokenWhenOneIsTakenUp() {
        RequestQueueLimits limits = new RequestQueueLimits(2, Long.MAX_VALUE);
        AtomicInteger woken = new AtomicInteger();
        assertTrue(limits.admit(1, woken::incrementAndGet));
        assertTrue(limits.admit(1, woken::incrementAndGet));
        assertFalse(limits.admit(1, woken::incrementAndGet));
        assertFalse(limits.admit(1, woken::incrementAndGet));
        assertEquals(2, limits.queuedRequests());
        limits.dequeued();
        assertEquals(2, woken.get(), "every waiting connection tries again");
        assertTrue(limits.depletedMillis() >= 0);
    }

    @Test
    void boundsBelowOneAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RequestQueueLimits(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new RequestQueueLimits(1, 0));
    }
}
