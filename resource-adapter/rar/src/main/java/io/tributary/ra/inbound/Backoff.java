package io.tributary.ra.inbound;

import java.util.concurrent.ThreadLocalRandom;

/**
 * A capped exponential backoff with jitter: the {@code n}th wait (from 1) is
 * {@code initialMs × multiplier^(n-1)}, at most {@code maxMs}, randomised by ±20 % (jitter spreads
 * the retries of many consumers that failed together) and never above {@code maxMs}. Immutable.
 */
record Backoff(long initialMs, long maxMs, double multiplier) {
    static final double JITTER = 0.2;

    Backoff {
        if (initialMs < 0) throw new IllegalArgumentException("initialMs must be at least 0, got " + initialMs);
        if (maxMs < initialMs) throw new IllegalArgumentException("maxMs (" + maxMs + ") is below initialMs (" + initialMs + ")");
        if (!(multiplier >= 1)) throw new IllegalArgumentException("multiplier must be at least 1, got " + multiplier);
    }

    /** Milliseconds to wait before retry {@code n} (1 for the first retry). */
    long delayMs(int n) {
        if (initialMs == 0) return 0;
        double base = initialMs * Math.pow(multiplier, Math.max(0, n - 1));
        double capped = Math.min(maxMs, base);
        double jittered = capped * (1 - JITTER + 2 * JITTER * ThreadLocalRandom.current().nextDouble());
        return Math.max(1, Math.min(maxMs, Math.round(jittered)));
    }
}
