package io.tributary.broker.quota;

import org.apache.kafka.common.TopicPartition;

import java.util.function.LongSupplier;

/**
 * One side of Kafka's replication quotas on this broker, as its {@code ReplicationQuotaManager}: the
 * leader side ({@code leader.replication.throttled.rate}, bytes per second this broker sends to
 * followers of throttled partitions) or the follower side ({@code
 * follower.replication.throttled.rate}, bytes per second it copies for throttled partitions). The
 * partitions it applies to are the {@link ThrottledReplicas} of the topic configs
 * {@code leader.replication.throttled.replicas} / {@code follower.replication.throttled.replicas}.
 *
 * <p>The rule ({@link #shouldThrottle}), Kafka's {@code shouldLeaderThrottle} and {@code
 * shouldFollowerThrottle}: a partition is left out of replication while it is throttled, its
 * follower is not in sync, and the bytes recorded ({@link #record}, every byte replicated for a
 * throttled partition, whether or not the quota was exceeded) measure above the rate. The rate is
 * Kafka's {@code SimpleRate} over {@code replication.quota.window.num} windows of {@code
 * replication.quota.window.size.seconds}: over the time the samples span, at least one window. An
 * in-sync replica is never throttled, so {@code acks=all} producers do not wait for a quota; a replica
 * that is catching up gets about the rate on average, in steps of what one fetch returns. The
 * default bound, {@link Long#MAX_VALUE}, throttles nothing (what is recorded is still measured).
 *
 * <p>Thread-safe: the bound and the throttled partitions are volatile snapshots replaced whole;
 * the rate guards itself ({@link SampledRate}'s monitor, a few arithmetic operations, no I/O).
 */
public final class ReplicationQuota {
    /** Kafka's default of both rates: no limit. */
    public static final long UNLIMITED = Long.MAX_VALUE;

    private final String metricType;
    private final SampledRate rate;
    private final QuotaConfig windows;
    private final LongSupplier clockMs;
    private volatile long bound = UNLIMITED;
    private volatile ThrottledReplicas throttled = ThrottledReplicas.NONE;

    /**
     * @param metricType the {@code type} of the byte-rate metric, Kafka's {@code LeaderReplication} or
     *                   {@code FollowerReplication}
     */
    public ReplicationQuota(String metricType, QuotaConfig windows, LongSupplier clockMs) {
        this.metricType = metricType;
        this.clockMs = clockMs;
        this.windows = windows;
        this.rate = SampledRate.simple(windows, clockMs.getAsLong());
    }

    public String metricType() {
        return metricType;
    }

    /** Sets the rate, in bytes per second (takes effect at the next decision). */
    public void updateBound(long bytesPerSecond) {
        if (bytesPerSecond < 0) throw new IllegalArgumentException("A replication rate cannot be negative: " + bytesPerSecond);
        this.bound = bytesPerSecond;
    }

    /** The rate in bytes per second, {@link #UNLIMITED} when none is set. */
    public long bound() {
        return bound;
    }

    /** Replaces the throttled partitions (takes effect at the next decision). */
    public void updateThrottled(ThrottledReplicas replicas) {
        this.throttled = replicas;
    }

    /** Whether {@code tp} is throttled on this broker (Kafka's {@code isThrottled}). */
    public boolean isThrottled(TopicPartition tp) {
        return throttled.isThrottled(tp);
    }

    /** Whether the bytes recorded measure above the bound now (Kafka's {@code isQuotaExceeded}). */
    public boolean isQuotaExceeded() {
        long b = bound;
        if (b == UNLIMITED) return false;
        return rate.rate(clockMs.getAsLong()) > b;
    }

    /**
     * How long, in ms, until the bytes recorded so far measure at the bound again if nothing more
     * is recorded; 0 when the quota is not exceeded. With a bound of 0, the time the samples take
     * to expire at the latest.
     */
    public long throttleTimeMs() {
        long b = bound;
        if (b == UNLIMITED) return 0;
        long now = clockMs.getAsLong();
        if (b == 0) return rate.rate(now) > 0 ? windows.windowMs() * windows.windowNum() : 0;
        return rate.msUntilAtMost(b, now);
    }

    /**
     * Whether replication of {@code tp} is to be held back now: it is throttled, its replica is not
     * in sync and the quota is exceeded.
     */
    public boolean shouldThrottle(TopicPartition tp, boolean replicaInSync) {
        return !replicaInSync && isThrottled(tp) && isQuotaExceeded();
    }

    /** Adds {@code bytes} replicated for throttled partitions, even beyond the quota. */
    public void record(long bytes) {
        if (bytes > 0) rate.record(bytes, clockMs.getAsLong());
    }

    /** The measured rate, bytes per second. */
    public double rate() {
        return rate.rate(clockMs.getAsLong());
    }
}
