package io.tributary.broker.metrics;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * A count of events and their rates per second, computed as Yammer's {@code Meter} (which Kafka's
 * {@code ...PerSec} metrics are) computes them: the mean rate since the meter was created, and
 * one-, five- and fifteen-minute exponentially weighted moving averages ticked every 5 seconds.
 * JMX attributes: {@code Count}, {@code EventType}, {@code RateUnit} ({@code SECONDS}),
 * {@code MeanRate}, {@code OneMinuteRate}, {@code FiveMinuteRate}, {@code FifteenMinuteRate}.
 *
 * <p>Thread safety: {@link #mark} takes no lock and allocates nothing (a clock read, a volatile
 * read and two {@link LongAdder} additions). The averages are advanced by whichever thread, marking
 * or reading, first sees a tick due: it wins a compare-and-set on the tick time and is the only
 * writer of the (volatile) averages for that tick. After a pause of many ticks the averages decay
 * in one step, as if each missed tick had seen no event.
 */
public final class Meter implements Metric {
    static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final double TICK_SECONDS = 5.0;
    private static final double M1_ALPHA = alpha(1);
    private static final double M5_ALPHA = alpha(5);
    private static final double M15_ALPHA = alpha(15);
    private static final List<String> ATTRIBUTES = List.of("Count", "EventType", "RateUnit", "MeanRate",
            "OneMinuteRate", "FiveMinuteRate", "FifteenMinuteRate");

    private final String eventType;
    private final LongSupplier nanoClock;
    private final long startNanos;
    private final LongAdder count = new LongAdder();
    /** Events since the last tick. */
    private final LongAdder uncounted = new LongAdder();
    private final AtomicLong lastTick;
    private volatile boolean initialized;
    private volatile double m1;
    private volatile double m5;
    private volatile double m15;

    /** @param eventType what is counted ({@code messages}, {@code bytes}, {@code requests}), as Kafka names it */
    public Meter(String eventType) {
        this(eventType, System::nanoTime);
    }

    /** With the clock ticks are measured on (nanoseconds, as {@link System#nanoTime()}); tests pass one they move. */
    public Meter(String eventType, LongSupplier nanoClock) {
        this.eventType = eventType;
        this.nanoClock = nanoClock;
        this.startNanos = nanoClock.getAsLong();
        this.lastTick = new AtomicLong(startNanos);
    }

    private static double alpha(int minutes) {
        return 1 - Math.exp(-TICK_SECONDS / 60.0 / minutes);
    }

    public void mark() {
        mark(1);
    }

    public void mark(long events) {
        tickIfDue();
        count.add(events);
        uncounted.add(events);
    }

    public long count() {
        return count.sum();
    }

    /** Events per second since the meter was created. */
    public double meanRate() {
        long c = count.sum();
        if (c == 0) return 0.0;
        long elapsed = nanoClock.getAsLong() - startNanos;
        return elapsed <= 0 ? 0.0 : c / (elapsed / 1e9);
    }

    public double oneMinuteRate() {
        tickIfDue();
        return m1;
    }

    public double fiveMinuteRate() {
        tickIfDue();
        return m5;
    }

    public double fifteenMinuteRate() {
        tickIfDue();
        return m15;
    }

    public String eventType() {
        return eventType;
    }

    private void tickIfDue() {
        long last = lastTick.get();
        long now = nanoClock.getAsLong();
        long age = now - last;
        if (age < TICK_NANOS) return;
        if (!lastTick.compareAndSet(last, now - age % TICK_NANOS)) return;
        long ticks = age / TICK_NANOS;
        double instant = uncounted.sumThenReset() / TICK_SECONDS;
        double r1;
        double r5;
        double r15;
        if (initialized) {
            r1 = m1 + M1_ALPHA * (instant - m1);
            r5 = m5 + M5_ALPHA * (instant - m5);
            r15 = m15 + M15_ALPHA * (instant - m15);
        } else {
            r1 = r5 = r15 = instant;
            initialized = true;
        }
        if (ticks > 1) { // the missed ticks saw nothing: each multiplies the average by (1 - alpha)
            r1 *= Math.pow(1 - M1_ALPHA, ticks - 1);
            r5 *= Math.pow(1 - M5_ALPHA, ticks - 1);
            r15 *= Math.pow(1 - M15_ALPHA, ticks - 1);
        }
        m1 = r1;
        m5 = r5;
        m15 = r15;
    }

    @Override
    public String kind() {
        return "meter";
    }

    @Override
    public List<String> attributeNames() {
        return ATTRIBUTES;
    }

    @Override
    public Object attribute(String name) {
        return switch (name) {
            case "Count" -> count();
            case "EventType" -> eventType;
            case "RateUnit" -> TimeUnit.SECONDS;
            case "MeanRate" -> meanRate();
            case "OneMinuteRate" -> oneMinuteRate();
            case "FiveMinuteRate" -> fiveMinuteRate();
            case "FifteenMinuteRate" -> fifteenMinuteRate();
            default -> throw new IllegalArgumentException("A meter has no attribute " + name + " (it has " + ATTRIBUTES + ")");
        };
    }
}
