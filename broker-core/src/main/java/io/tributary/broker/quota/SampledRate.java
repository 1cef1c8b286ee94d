package io.tributary.broker.quota;

/**
 * A rate per second measured as Kafka's {@code Rate} over a {@code SampledStat}: {@code windowNum}
 * samples of {@code windowMs} each in a ring; a sample older than all of them together is reset
 * before it is read; the rate is the sum of the samples over the time they span, counted as at
 * least {@code windowNum - 1} whole windows (so a new client is not judged on its first burst
 * alone). {@link #throttleTimeMs} is Kafka's {@code QuotaUtils.throttleTime}: how long the client
 * must stay silent for the rate to come back to the bound.
 *
 * <p>Thread safety: every method holds this object's monitor (no I/O under it; a sample update
 * is a few arithmetic operations).
 */
final class SampledRate {
    private final long windowMs;
    private final double[] values;
    private final long[] starts;
    private int current;

    SampledRate(QuotaConfig config, long nowMs) {
        this.windowMs = config.windowMs();
        this.values = new double[config.windowNum()];
        this.starts = new long[config.windowNum()];
        java.util.Arrays.fill(starts, nowMs);
    }

    /** Adds {@code value} at {@code nowMs} (negative to take back what was recorded) and returns the rate. */
    synchronized double record(double value, long nowMs) {
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
        double total = 0;
        for (double v : values) total += v;
        return total / (span(nowMs) / 1000.0);
    }

    private long span(long nowMs) {
        long oldest = nowMs;
        for (long s : starts) oldest = Math.min(oldest, s);
        long elapsed = nowMs - oldest;
        int fullWindows = (int) (elapsed / windowMs);
        int minFullWindows = values.length - 1;
        if (fullWindows < minFullWindows) elapsed += (minFullWindows - fullWindows) * windowMs;
        return Math.max(elapsed, 1);
    }
}
