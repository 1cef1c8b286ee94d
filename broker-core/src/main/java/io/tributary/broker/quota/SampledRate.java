package io.tributary.broker.quota;

/**
 * A rate per second measured as Kafka's {@code Rate} over a {@code SampledStat}: {@code windowNum}
 * samples of {@code windowMs} each in a ring, the first starting at the first record (not when
 * the rate is made: a quota made at start and first used later must not count the idle time before
 * it); a sample older than all of them together is reset
 * before it is read; the rate is the sum of the samples over the time they span, counted as at
 * least {@code windowNum - 1} whole windows (so a new client is not judged on its first burst
 * alone). {@link #throttleTimeMs} is Kafka's {@code QuotaUtils.throttleTime}: how long the client
 * must stay silent for the rate to come back to the bound.
 *
 * <p>{@link #simple} measures as Kafka's {@code SimpleRate} instead, the rate of its replication
 * quotas: the time the samples span, counted as at least one window. A throttle set on a replica
 * that has much to copy then holds from the first second, instead of letting {@code windowNum - 1}
 * seconds' worth through at once.
 *
 * <p>Thread safety: every method holds this object's monitor (no I/O under it; a sample update
 * is a few arithmetic operations).
 */
final class SampledRate {
    private final long windowMs;
    private final double[] values;
    private final long[] starts;
    /** Kafka's SimpleRate (the span counts as at least one window) rather than its Rate. */
    private final boolean simple;
    private int current;
    /** Whether anything was recorded yet: the samples start at the first record (Kafka creates them then). */
    private boolean started;

    SampledRate(QuotaConfig config, long nowMs) {
        this(config, nowMs, false);
    }

    private SampledRate(QuotaConfig config, long nowMs, boolean simple) {
        this.windowMs = config.windowMs();
        this.simple = simple;
        this.values = new double[config.windowNum()];
        this.starts = new long[config.windowNum()];
        java.util.Arrays.fill(starts, nowMs);
    }

    /** A rate measured as Kafka's {@code SimpleRate}: over the time its samples span, at least one window. */
    static SampledRate simple(QuotaConfig config, long nowMs) {
        return new SampledRate(config, nowMs, true);
    }

    /** Adds {@code value} at {@code nowMs} (negative to take back what was recorded) and returns the rate. */
    synchronized double record(double value, long nowMs) {
        if (!started) {
            java.util.Arrays.fill(starts, nowMs);
            started = true;
        }
        purge(nowMs);
        if (nowMs - starts[current] >= windowMs) {
            current = (current + 1) % values.length;
            values[current] = 0;
            starts[current] = nowMs;
        }
        values[current] += value;
        return measure(nowMs);
    }

    synchronized double rate(long nowMs) {
        purge(nowMs);
        return measure(nowMs);
    }

    /** The time over which {@link #rate} divides, in ms (Kafka's {@code Rate.windowSize}). */
    synchronized long windowSizeMs(long nowMs) {
        purge(nowMs);
        return span(nowMs);
    }

    /** How long to throttle a client measured at {@code rate} against {@code bound}; 0 when within it. */
    synchronized long throttleTimeMs(double rate, double bound, long nowMs) {
        if (rate <= bound) return 0;
        return Math.round((rate - bound) / bound * span(nowMs));
    }

    /**
     * For a {@link #simple} rate: how long from {@code nowMs} until the samples kept measure at most
     * {@code bound} (positive) if nothing more is recorded, 0 when they already do. Samples expiring
     * meanwhile only bring that moment closer.
     */
    synchronized long msUntilAtMost(double bound, long nowMs) {
        if (!simple) throw new IllegalStateException("only a simple rate spans exactly the time elapsed");
        purge(nowMs);
        if (measure(nowMs) <= bound) return 0;
        double total = 0;
        for (double v : values) total += v;
        long oldest = nowMs;
        for (long st : starts) oldest = Math.min(oldest, st);
        // The rate is total / elapsed once elapsed passes one window, which it must to come under the bound.
        return Math.max(1, (long) Math.ceil(total * 1000 / bound) - (nowMs - oldest));
    }

    private void purge(long nowMs) {
        long expireAge = windowMs * values.length;
        for (int i = 0; i < values.length; i++) {
            if (nowMs - starts[i] >= expireAge) {
                values[i] = 0;
                starts[i] = nowMs;
            }
        }
    }

    private double measure(long nowMs) {
        if (!started) return 0;
        double total = 0;
        for (double v : values) total += v;
        return total / (span(nowMs) / 1000.0);
    }

    private long span(long nowMs) {
        long oldest = nowMs;
        if (started) for (long s : starts) oldest = Math.min(oldest, s);
        long elapsed = nowMs - oldest;
        if (simple) return Math.max(elapsed, windowMs);
        int fullWindows = (int) (elapsed / windowMs);
        int minFullWindows = values.length - 1;
        if (fullWindows < minFullWindows) elapsed += (minFullWindows - fullWindows) * windowMs;
        return Math.max(elapsed, 1);
    }
}
