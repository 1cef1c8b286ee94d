package io.tributary.broker.testing;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Waiting in a test for something that another thread, process or node brings about. The
 * condition is checked at once and then every interval (50 ms unless given) until it holds; once
 * the timeout has passed and it still does not hold, {@code until} fails with an
 * {@link AssertionError} that names what it waited for (and what it last saw, if the caller says),
 * while {@code within} returns false for callers that decide themselves. A condition may throw:
 * its exception ends the wait and reaches the caller unchanged.
 */
public final class Poll {
    /** How often a condition is checked unless the caller says otherwise. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(50);

    /** A condition to wait for; may throw a checked exception, which the wait passes on. */
    @FunctionalInterface
    public interface Condition<E extends Exception> {
        boolean holds() throws E;
    }

    private Poll() {
    }

    /** Waits until {@code condition} holds; fails after {@code timeout} naming {@code what}. */
    public static <E extends Exception> void until(String what, Duration timeout, Condition<E> condition)
            throws E, InterruptedException {
        until(what, () -> null, timeout, DEFAULT_INTERVAL, condition);
    }

    /** As {@link #until(String, Duration, Condition)}, checking every {@code interval}. */
    public static <E extends Exception> void until(String what, Duration timeout, Duration interval, Condition<E> condition)
            throws E, InterruptedException {
        until(what, () -> null, timeout, interval, condition);
    }

    /**
     * As {@link #until(String, Duration, Duration, Condition)}; the failure also says what
     * {@code lastSeen} returns then (the state the condition last looked at, the last error).
     */
    public static <E extends Exception> void until(String what, Supplier<String> lastSeen, Duration timeout, Duration interval,
                                                   Condition<E> condition) throws E, InterruptedException {
        if (!within(timeout, interval, condition)) {
            String seen = lastSeen.get();
            throw new AssertionError("Timed out after " + timeout.toMillis() + " ms waiting for " + what
                    + (seen == null ? "" : "; " + seen));
        }
    }

    /** Waits until {@code condition} holds, checking every {@code interval}; false if it still does not after {@code timeout}. */
    public static <E extends Exception> boolean within(Duration timeout, Duration interval, Condition<E> condition)
            throws E, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() - deadline > 0) return false;
            Thread.sleep(interval.toMillis());
        }
        return true;
    }
}
