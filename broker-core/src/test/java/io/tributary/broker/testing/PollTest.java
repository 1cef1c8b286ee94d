package io.tributary.broker.testing;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PollTest {
    @Test
    void untilReturnsOnceTheConditionHoldsAndChecksItAgainEveryInterval() throws Exception {
        AtomicInteger checks = new AtomicInteger();
        Poll.until("the third check", Duration.ofSeconds(10), Duration.ofMillis(1), () -> checks.incrementAndGet() == 3);
        assertEquals(3, checks.get());
    }

    @Test
    void timeoutFailsNamingWhatWasAwaitedAndWhatWasLastSeen() {
        AssertionError e = assertThrows(AssertionError.class, () -> Poll.until("the moon to turn blue",
                () -> "last seen: grey", Duration.ofMillis(30), Duration.ofMillis(5), () -> false));
        assertEquals("Timed out after 30 ms waiting for the moon to turn blue; last seen: grey", e.getMessage());
        AssertionError plain = assertThrows(AssertionError.class,
                () -> Poll.until("a sunny day", Duration.ofMillis(10), () -> false));
        assertEquals("Timed out after 10 ms waiting for a sunny day", plain.getMessage());
    }

    @Test
    void withinAnswersInsteadOfFailing() throws Exception {
        assertFalse(Poll.within(Duration.ofMillis(20), Duration.ofMillis(5), () -> false));
        assertTrue(Poll.within(Duration.ZERO, Duration.ofMillis(5), () -> true), "a condition that holds at once is seen");
    }

    @Test
    void anExceptionOfTheConditionEndsTheWaitUnchanged() {
        IOException broken = new IOException("disk gone");
        assertSame(broken, assertThrows(IOException.class, () -> Poll.until("a file", Duration.ofSeconds(10), () -> {
            throw broken;
        })));
    }
}
