package io.tributary.broker.quota;

/**
 * Kafka's {@code TokenBucket} for the controller mutation rate (KIP-599): tokens refill at the
 * quota's rate per second up to a burst of {@code rate × windowNum × windowSeconds}; each
 * partition created or deleted takes one, and the balance may go below zero. A client with a
 * negative balance is over its quota; the throttle time is how long the refill takes to bring it
 * back to zero ({@code -tokens / rate} seconds).
 *
 * <p>Thread safety: every method holds this object's monitor (no I/O under it).
 */
final class TokenBucket {
    private final QuotaConfig config;
    private double tokens = Double.NaN;
    private long lastMs;

    TokenBucket(QuotaConfig config, long nowMs) {
        this.config = config;
        this.lastMs = nowMs;
    }

    private void refill(double rate, long nowMs) {
        double burst = rate * config.windowNum() * config.windowSizeSeconds();
        if (Double.isNaN(tokens)) tokens = burst;
        tokens = Math.min(burst, tokens + rate * Math.max(0, nowMs - lastMs) / 1000.0);
        lastMs = nowMs;
    }

    /**
     * Takes {@code permits} tokens; when {@code strict}, only if the balance is not already
     * negative. Returns false (taking nothing) when strict and over the quota.
     */
    synchronized boolean take(double permits, double rate, long nowMs, boolean strict) {
        refill(rate, nowMs);
        if (strict && tokens < 0) return false;
        tokens -= permits;
        return true;
    }

    /** How long until the balance is back to zero; 0 when it is not negative. */
    synchronized long throttleTimeMs(double rate, long nowMs) {
        refill(rate, nowMs);
        return tokens >= 0 ? 0 : Math.round(-tokens / rate * 1000);
    }
}
