package io.tributary.broker.fault;

import io.tributary.broker.fault.FaultChecks.Check;
import io.tributary.broker.fault.FaultWorkload.Ack;
import io.tributary.broker.fault.FaultWorkload.SendFailure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The report of a run, in Markdown: the unavailable window of each fault, a table per fault kind,
 * the result of every check, and how to replay the run.
 *
 * <p>The unavailable window of a fault is the longest gap between two consecutive
 * acknowledgements of one partition (from any producer) that overlaps the fault's span, from its
 * injection until every partition acknowledged again after recovery; the report gives it per
 * partition (the worst partition) and for the topic as a whole (acknowledgements of all
 * partitions together, i.e. the longest time no write succeeded at all). A window with no
 * acknowledgement after the fault is measured to the end of the span and marked "≥". Windows are
 * measurements, not checks: the checks ({@link FaultChecks}, recovery within 60 s) never depend
 * on timing.
 */
public final class FaultReport {
    /** Run parameters shown at the top of the report. */
    public record Settings(String profile, long seed, long failureDetectionMs, long replicaLagMs, int producers,
                           int partitions, String replay) {
    }

    /** A window in milliseconds; {@code open} when no acknowledgement followed it (measured to the span's end). */
    record Window(long ms, boolean open) {
        @Override
        public String toString() {
            return ms < 0 ? "-" : (open ? "≥" : "") + ms;
        }
    }

    private final Settings settings;
    private final FaultTimeline timeline;
    private final long[][] ackTimesByPartition;
    private final long[] ackTimes;
    private final List<SendFailure> failures;
    private final long endNanos;

    public FaultReport(Settings settings, FaultTimeline timeline, List<Ack> acks, List<SendFailure> failures) {
        this.settings = settings;
        this.timeline = timeline;
        this.failures = failures;
        this.ackTimesByPartition = new long[settings.partitions()][];
        for (int p = 0; p < settings.partitions(); p++) {
            int partition = p;
            ackTimesByPartition[p] = acks.stream().filter(a -> a.partition() == partition).mapToLong(Ack::ackNanos)
                    .sorted().toArray();
        }
        this.ackTimes = acks.stream().mapToLong(Ack::ackNanos).sorted().toArray();
        this.endNanos = System.nanoTime();
    }

    /**
     * The longest gap between consecutive times in {@code times} (sorted) that overlaps
     * {@code [from, to]}; open (measured to {@code to}) if no time follows {@code from}.
     */
    static Window longestGap(long[] times, long from, long to) {
        int n = times.length;
        int k0 = lowerBound(times, from);
        long longest = -1;
        for (int k = Math.max(1, k0); k < n && times[k - 1] <= to; k++) {
            longest = Math.max(longest, times[k] - times[k - 1]);
        }
        boolean open = false;
        if (n == 0 || times[n - 1] < to) {
            long trailing = to - (n == 0 ? from : times[n - 1]);
            if (trailing > longest) {
                longest = trailing;
                open = true;
            }
        }
        return new Window(longest < 0 ? -1 : longest / 1_000_000, open);
    }

    /** The index of the first element {@code >= key} ({@code times.length} if none). */
    private static int lowerBound(long[] times, long key) {
        int lo = 0;
        int hi = times.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (times[mid] < key) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    private Window partitionWindow(FaultOutcome o) {
        Window worst = new Window(-1, false);
        for (long[] times : ackTimesByPartition) {
            Window w = longestGap(times, o.appliedNanos(), o.endNanos());
            if (w.ms() > worst.ms()) worst = w;
        }
        return worst;
    }

    private long failuresDuring(FaultOutcome o) {
        return failures.stream().filter(f -> f.nanos() >= o.appliedNanos() && f.nanos() <= o.endNanos()).count();
    }

    /**
     * Renders the report.
     *
     * @param checks   the results of every check, run-time ones (recovery) included
     * @param facts    further lines for the summary (counts, logs)
     */
    public String render(List<Check> checks, List<String> facts) {
        StringBuilder md = new StringBuilder();
        boolean passed = checks.stream().allMatch(Check::passed);
        md.append("# Fault injection report\n\n");
        md.append("- Result: **").append(passed ? "all checks passed" : "CHECKS FAILED").append("**\n");
        md.append("- Profile ").append(settings.profile()).append(", seed ").append(settings.seed())
                .append(" (replay: `").append(settings.replay()).append("`)\n");
        md.append("- Started ").append(timeline.startedAt()).append(" (times below: since then, and local time as "
                + "in the broker logs); ").append(timeline.outcomes().size()).append(" faults injected in ")
                .append((endNanos - timeline.startNanos()) / 1_000_000_000).append(" s; cluster.failure.detection.timeout.ms=")
                .append(settings.failureDetectionMs()).append(", replica.lag.time.max.ms=").append(settings.replicaLagMs())
                .append("; ").append(settings.producers()).append(" idempotent acks=all producers, ")
                .append(settings.partitions()).append(" partitions, RF 3, min.insync.replicas=2\n");
        for (String f : facts) md.append("- ").append(f).append('\n');
        md.append('\n');
        md.append("Unavailable window: the longest gap between consecutive acknowledgements of one partition ")
                .append("(any producer) overlapping the fault, from injection until every partition acknowledged again ")
                .append("after recovery; \"whole topic\" counts acknowledgements of all partitions together. ")
                .append("Heal → full ISR: from the start of healing (restart, SIGCONT, rules removed) until the Admin ")
                .append("client saw every replica in the ISR. Failure detection timeout: ")
                .append(settings.failureDetectionMs()).append(" ms.\n\n");

        md.append("| fault kind | count | longest unavailable window, per partition (ms) | median (ms) "
                + "| longest whole-topic window (ms) | heal → full ISR max (ms) | client-visible failures |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|\n");
        Map<FaultKind, List<FaultOutcome>> byKind = new EnumMap<>(FaultKind.class);
        for (FaultOutcome o : timeline.outcomes()) byKind.computeIfAbsent(o.fault().kind(), k -> new ArrayList<>()).add(o);
        for (Map.Entry<FaultKind, List<FaultOutcome>> e : byKind.entrySet()) {
            List<FaultOutcome> list = e.getValue();
            List<Window> windows = list.stream().map(this::partitionWindow).toList();
            long[] ms = windows.stream().mapToLong(Window::ms).sorted().toArray();
            Window longest = windows.stream().max((a, b) -> Long.compare(a.ms(), b.ms())).orElseThrow();
            Window topic = list.stream().map(o -> longestGap(ackTimes, o.appliedNanos(), o.endNanos()))
                    .max((a, b) -> Long.compare(a.ms(), b.ms())).orElseThrow();
            boolean unrecovered = list.stream().anyMatch(o -> o.healToFullIsrMs() < 0);
            long heal = list.stream().mapToLong(FaultOutcome::healToFullIsrMs).max().orElse(-1);
            md.append("| ").append(e.getKey().title()).append(" | ").append(list.size()).append(" | ").append(longest)
                    .append(" | ").append(ms[(ms.length - 1) / 2]).append(" | ").append(topic).append(" | ")
                    .append(unrecovered ? "not recovered" : String.valueOf(heal)).append(" | ")
                    .append(list.stream().mapToLong(this::failuresDuring).sum()).append(" |\n");
        }

        md.append("\n## Checks\n\n");
        for (Check c : checks) {
            md.append("- ").append(c.passed() ? "PASS" : "**FAIL**").append(": ").append(c.name()).append('\n');
            for (String p : c.problems()) md.append("  - ").append(p).append('\n');
        }

        md.append("\n## Faults\n\n");
        md.append("| # | fault | injected at | hold (ms) | window, worst partition (ms) | whole topic (ms) "
                + "| heal → full ISR (ms) | client-visible failures | problem |\n");
        md.append("|---:|---|---:|---:|---:|---:|---:|---:|---|\n");
        for (FaultOutcome o : timeline.outcomes()) {
            md.append("| ").append(o.fault().number()).append(" | ").append(o.describe().replaceFirst("^#\\d+ ", ""))
                    .append(" | ").append(timeline.at(o.appliedNanos())).append(" | ").append(o.fault().holdMs())
                    .append(" | ").append(partitionWindow(o)).append(" | ")
                    .append(longestGap(ackTimes, o.appliedNanos(), o.endNanos())).append(" | ")
                    .append(o.healToFullIsrMs() < 0 ? "not recovered" : String.valueOf(o.healToFullIsrMs())).append(" | ")
                    .append(failuresDuring(o)).append(" | ")
                    .append(o.problem() == null ? "" : o.problem().replace("|", "\\|").replace("\n", " ")).append(" |\n");
        }
        return md.toString();
    }

    /** Writes {@code markdown} to {@code file} (creating its directory). */
    public static void write(Path file, String markdown) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, markdown, StandardCharsets.UTF_8);
    }

}
