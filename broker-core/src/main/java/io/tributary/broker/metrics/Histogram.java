package io.tributary.broker.metrics;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * A distribution of durations, reported in milliseconds as Kafka's request-time histograms
 * ({@code TotalTimeMs}, {@code LocalTimeMs}, ...). JMX attributes, as Yammer's histograms: {@code Count},
 * {@code Min}, {@code Max}, {@code Mean}, {@code StdDev}, {@code 50thPercentile}, {@code 75thPercentile},
 * {@code 95thPercentile}, {@code 98thPercentile}, {@code 99thPercentile}, {@code 999thPercentile}.
 *
 * <p>What the numbers cover: {@code Count}, {@code Min}, {@code Max}, {@code Mean} and {@code StdDev}
 * every value since the histogram was created (as Yammer's do); the percentiles the recent values,
 * those of the current window and the one before it, a window closing at the first read after it
 * is {@value #WINDOW_SECONDS} s old (so, scraped regularly, the last 30 to 60 seconds; Yammer's
 * reservoir favours the last five minutes instead). Values are kept in buckets of microseconds,
 * exact below 16 µs and then eight per power of two, so a percentile is within 1/16 (6.25 %) of the
 * true value; it is clamped to {@code [Min, Max]}.
 *
 * <p>Thread safety: {@link #record} takes no lock and allocates nothing (one increment of a bucket
 * in an {@link AtomicLongArray}, three adder additions, two accumulators that only write on a new
 * minimum or maximum). Reads and window rotation are serialized by this object's monitor; a value
 * recorded while the windows rotate lands in one of them.
 */
public final class Histogram implements Metric {
    static final int WINDOW_SECONDS = 30;
    private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(WINDOW_SECONDS);
    /** Microsecond values below this have a bucket each; above, eight buckets per power of two. */
    private static final int LINEAR = 16;
    private static final int SUB_BUCKETS = 8;
    /** The largest exponent kept apart (2^36 µs is about 19 hours); larger values share the last buckets. */
    private static final int MAX_EXPONENT = 35;
    static final int BUCKETS = LINEAR + (MAX_EXPONENT - 3) * SUB_BUCKETS;
    private static final List<String> ATTRIBUTES = List.of("Count", "Min", "Max", "Mean", "StdDev",
            "50thPercentile", "75thPercentile", "95thPercentile", "98thPercentile", "99thPercentile", "999thPercentile");
    private static final double[] QUANTILES = {0.5, 0.75, 0.95, 0.98, 0.99, 0.999};

    private final LongSupplier nanoClock;
    private final LongAdder count = new LongAdder();
    private final LongAdder sumNanos = new LongAdder();
    /** Sum of the squares of the values in milliseconds. */
    private final DoubleAdder sumSquaresMs = new DoubleAdder();
    private final LongAccumulator min = new LongAccumulator(Math::min, Long.MAX_VALUE);
    private final LongAccumulator max = new LongAccumulator(Math::max, Long.MIN_VALUE);
    /** The window values are recorded into; swapped with {@link #previous} under the monitor. */
    private volatile AtomicLongArray current = new AtomicLongArray(BUCKETS);
    private AtomicLongArray previous = new AtomicLongArray(BUCKETS);
    private long currentSince;

    public Histogram() {
        this(System::nanoTime);
    }

    /** With the clock windows are measured on; tests pass one they move. */
    public Histogram(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.currentSince = nanoClock.getAsLong();
    }

    /** Records one duration, in nanoseconds (a negative one counts as 0). */
    public void record(long nanos) {
        long v = Math.max(0, nanos);
        current.incrementAndGet(bucket(v / 1000));
        count.increment();
        sumNanos.add(v);
        double ms = v / 1e6;
        sumSquaresMs.add(ms * ms);
        min.accumulate(v);
        max.accumulate(v);
    }

    static int bucket(long micros) {
        if (micros < LINEAR) return (int) Math.max(0, micros);
        int exponent = 63 - Long.numberOfLeadingZeros(micros);
        if (exponent > MAX_EXPONENT) return BUCKETS - 1;
        int sub = (int) (micros >>> (exponent - 3)) & (SUB_BUCKETS - 1);
        return LINEAR + (exponent - 4) * SUB_BUCKETS + sub;
    }

    /** The middle of bucket {@code index}, in microseconds. */
    static double bucketMiddle(int index) {
        if (index < LINEAR) return index;
        int exponent = (index - LINEAR) / SUB_BUCKETS + 4;
        int sub = (index - LINEAR) % SUB_BUCKETS;
        long width = 1L << (exponent - 3);
        return (SUB_BUCKETS + sub) * (double) width + (width - 1) / 2.0;
    }

    public long count() {
        return count.sum();
    }

    /** The smallest value recorded, in milliseconds (0 when none was). */
    public double min() {
        return count.sum() == 0 ? 0.0 : min.get() / 1e6;
    }

    public double max() {
        return count.sum() == 0 ? 0.0 : max.get() / 1e6;
    }

    public double mean() {
        long n = count.sum();
        return n == 0 ? 0.0 : sumNanos.sum() / 1e6 / n;
    }

    /** The sample standard deviation, in milliseconds (0 for fewer than two values). */
    public double stdDev() {
        long n = count.sum();
        if (n < 2) return 0.0;
        double sum = sumNanos.sum() / 1e6;
        double variance = (sumSquaresMs.sum() - sum * sum / n) / (n - 1);
        return variance <= 0 ? 0.0 : Math.sqrt(variance);
    }

    /** The {@code quantile} (0 to 1) of the recent values, in milliseconds; 0 when there were none. */
    public synchronized double percentile(double quantile) {
        rotateIfDue();
        AtomicLongArray a = current;
        AtomicLongArray b = previous;
        long total = 0;
        for (int i = 0; i < BUCKETS; i++) total += a.get(i) + b.get(i);
        if (total == 0) return 0.0;
        long rank = (long) Math.ceil(quantile * total);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += a.get(i) + b.get(i);
            if (seen >= Math.max(1, rank)) {
                double ms = bucketMiddle(i) / 1000.0;
                return Math.min(max(), Math.max(min(), ms));
            }
        }
        return max();
    }

    /** Called with the monitor held. */
    private void rotateIfDue() {
        long now = nanoClock.getAsLong();
        if (now - currentSince < WINDOW_NANOS) return;
        AtomicLongArray recycled = previous;
        for (int i = 0; i < BUCKETS; i++) recycled.set(i, 0);
        // Two windows' worth of silence empties both.
        previous = now - currentSince >= 2 * WINDOW_NANOS ? clear(current) : current;
        current = recycled;
        currentSince = now;
    }

    private static AtomicLongArray clear(AtomicLongArray a) {
        for (int i = 0; i < a.length(); i++) a.set(i, 0);
        return a;
    }

    @Override
    public String kind() {
        return "histogram";
    }

    @Override
    public List<String> attributeNames() {
        return ATTRIBUTES;
    }

    @Override
    public Object attribute(String name) {
        return switch (name) {
            case "Count" -> count();
            case "Min" -> min();
            case "Max" -> max();
            case "Mean" -> mean();
            case "StdDev" -> stdDev();
            case "50thPercentile" -> percentile(QUANTILES[0]);
            case "75thPercentile" -> percentile(QUANTILES[1]);
            case "95thPercentile" -> percentile(QUANTILES[2]);
            case "98thPercentile" -> percentile(QUANTILES[3]);
            case "99thPercentile" -> percentile(QUANTILES[4]);
            case "999thPercentile" -> percentile(QUANTILES[5]);
            default -> throw new IllegalArgumentException("A histogram has no attribute " + name + " (it has " + ATTRIBUTES + ")");
        };
    }
}
