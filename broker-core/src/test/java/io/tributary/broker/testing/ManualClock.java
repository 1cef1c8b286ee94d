package io.tributary.broker.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that stands still until a test moves it, forward or to any instant. Thread-safe: the time
 * is one atomic value, shared by the views {@link #withZone} returns.
 */
public final class ManualClock extends Clock {
    /** Where the tests' clocks start unless told otherwise: 2023-11-14T22:13:20Z. */
    public static final long T0 = 1_700_000_000_000L;

    private final AtomicLong millis;
    private final ZoneId zone;

    /** A clock at {@link #T0}. */
    public ManualClock() {
        this(T0);
    }

    public ManualClock(long startMillis) {
        this(new AtomicLong(startMillis), ZoneOffset.UTC);
    }

    private ManualClock(AtomicLong millis, ZoneId zone) {
        this.millis = millis;
        this.zone = zone;
    }

    /** Moves the clock forward and returns the new time in milliseconds. */
    public long advance(Duration duration) {
        return millis.addAndGet(duration.toMillis());
    }

    /** Moves the clock forward by {@code ms} milliseconds and returns the new time. */
    public long advanceMillis(long ms) {
        return millis.addAndGet(ms);
    }

    /** Puts the clock at {@code epochMillis}, also backwards. */
    public void setMillis(long epochMillis) {
        millis.set(epochMillis);
    }

    @Override
    public long millis() {
        return millis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    /** The same clock (moving with this one) in another zone. */
    @Override
    public Clock withZone(ZoneId zone) {
        return zone.equals(this.zone) ? this : new ManualClock(millis, zone);
    }
}
