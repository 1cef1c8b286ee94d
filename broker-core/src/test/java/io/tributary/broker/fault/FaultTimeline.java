package io.tributary.broker.fault;

import java.util.ArrayList;
import java.util.List;

/**
 * The faults of a run in the order they were injected, on the {@link System#nanoTime()} clock,
 * and the run's start; answers "which fault was going on, or was the last one, at this moment"
 * so that a check naming a record can name the fault too. Appended to by the one test thread;
 * read after the run.
 */
public final class FaultTimeline {
    private final long startNanos;
    private final long startWallMillis;
    private final List<FaultOutcome> outcomes = new ArrayList<>();

    public FaultTimeline() {
        this.startNanos = System.nanoTime();
        this.startWallMillis = System.currentTimeMillis();
    }

    public void add(FaultOutcome outcome) {
        outcomes.add(outcome);
    }

    public List<FaultOutcome> outcomes() {
        return List.copyOf(outcomes);
    }

    public long startNanos() {
        return startNanos;
    }

    /**
     * {@code nanos} as seconds since the start of the run and as local wall-clock time (as in the
     * broker logs), e.g. {@code +83.214 s (07:42:19.123)}.
     */
    public String at(long nanos) {
        long wall = startWallMillis + (nanos - startNanos) / 1_000_000;
        return String.format(java.util.Locale.ROOT, "+%.3f s (%s)", (nanos - startNanos) / 1e9,
                WALL.format(java.time.Instant.ofEpochMilli(wall)));
    }

    private static final java.time.format.DateTimeFormatter WALL =
            java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(java.time.ZoneId.systemDefault());

    /** The local wall-clock time the run started, e.g. {@code 2026-12-06T07:40:08.123}. */
    public String startedAt() {
        return java.time.LocalDateTime.ofInstant(java.time.Instant.ofEpochMilli(startWallMillis),
                java.time.ZoneId.systemDefault()).toString();
    }

    /**
     * Where {@code nanos} falls among the faults: during one (from its injection to recovery),
     * or after which one, e.g. {@code "+83.214 s, during #7 ISOLATE_NODE (node 2, 4200 ms)"}.
     */
    public String context(long nanos) {
        FaultOutcome last = null;
        for (FaultOutcome o : outcomes) {
            if (o.appliedNanos() <= nanos) last = o;
        }
        if (last == null) return at(nanos) + ", before the first fault";
        String phase = nanos <= last.healedNanos() ? "during" : nanos <= last.endNanos() ? "recovering from" : "after";
        return at(nanos) + ", " + phase + " " + last.describe();
    }
}
