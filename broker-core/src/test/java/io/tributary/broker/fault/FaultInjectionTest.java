package io.tributary.broker.fault;

import io.tributary.broker.fault.FaultChecks.Check;
import io.tributary.broker.fault.FaultSchedule.Profile;
import io.tributary.broker.fault.FaultWorkload.Ack;
import io.tributary.broker.testing.SuiteTags;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The fault-injection suite: three broker processes, each on its own loopback address
 * ({@link LoopbackCluster}), a topic of 3 partitions with replication factor 3 and
 * {@code min.insync.replicas=2}, several idempotent {@code acks=all} producers and a consumer
 * running the whole time ({@link FaultWorkload}), while a seeded schedule of faults
 * ({@link FaultSchedule}) kills nodes with SIGKILL (one, the leader of a partition, two at once),
 * pauses one with SIGSTOP beyond failure detection, and drops packets with iptables
 * ({@link NetworkFaults}): one node isolated, a "bridge", clients cut off from one node, every
 * node isolated. After each fault heals, the cluster must have every replica back in the ISR
 * within 60 s. At the end every node is stopped with SIGTERM, every data directory read offline
 * and {@link FaultChecks} run; the report ({@link FaultReport}) goes to stdout and
 * {@code target/fault-report.md}.
 *
 * <p>System properties: {@code fault.profile} ({@code short}, the default, 8 faults, one of each kind;
 * {@code long}, 104), {@code fault.seed} (replays a run; printed at the start), {@code fault.count}
 * (overrides the profile's count), {@code fault.failureDetectionMs} and {@code fault.replicaLagMs}
 * (3000 each), {@code fault.iptables} ({@code iptables}; or {@code iptables-legacy}),
 * {@code fault.hosts} ({@code 127.0.0.11,127.0.0.12,127.0.0.13}), {@code fault.clientHost}
 * ({@code 127.0.0.1}, where the test's clients connect from).
 *
 * <p>Needs root and iptables: without them the test is skipped, unless the environment variable
 * {@code TRIBUTARY_REQUIRE_FAULT_TOOLS=true}, when it fails. One run per host at a time
 * ({@link FaultHostLock}: a second run waits). Only processes started here are signalled, by PID;
 * the iptables chain is removed in cleanup whatever happened.
 */
@Tag(SuiteTags.PROCESS)
@Tag(SuiteTags.CRASH)
class FaultInjectionTest {
    static final int NODES = FaultCluster.NODES;
    static final int PARTITIONS = FaultCluster.PARTITIONS;
    static final String RECOVERY = "every replica back in the ISR within " + FaultInjector.RECOVERY_LIMIT_MS
            + " ms of each heal, and acknowledgements resumed";
    static final String ISOLATABLE = "node-to-node connections come from node addresses (iptables can cut them)";

    @TempDir
    Path dir;

    @Test
    void acknowledgedRecordsSurviveKillsPausesAndNetworkPartitions() {
        String iptables = System.getProperty("fault.iptables", "iptables");
        FaultCluster.assumeFaultTools(iptables);
        Profile profile = Profile.parse(System.getProperty("fault.profile", "short"));
        long seed = Long.getLong("fault.seed", new Random().nextLong());
        int count = Integer.getInteger("fault.count", profile.faults());
        Duration limit = Duration.ofMinutes(30).plusSeconds(30L * count);
        assertTimeoutPreemptively(limit, () -> run(iptables, profile, seed, count),
                () -> "the run took longer than " + limit.toMinutes() + " min (seed " + seed + ")");
    }

    private void run(String iptables, Profile profile, long seed, int count) throws Exception {
        long fd = Long.getLong("fault.failureDetectionMs", 3000);
        long lag = Long.getLong("fault.replicaLagMs", 3000);
        List<String> hosts = List.of(System.getProperty("fault.hosts", String.join(",", FaultCluster.HOSTS)).split(","));
        String clientHost = System.getProperty("fault.clientHost", "127.0.0.1");
        String replay = "-Dfault.profile=" + profile.name().toLowerCase(java.util.Locale.ROOT) + " -Dfault.seed=" + seed
                + (count != profile.faults() ? " -Dfault.count=" + count : "");
        List<Fault> schedule = FaultSchedule.generate(seed, count, NODES, PARTITIONS, fd);
        log("seed %d (replay with %s); %d faults:", seed, replay, schedule.size());
        schedule.forEach(f -> log("  %s", f));

        Map<String, List<String>> problems = new LinkedHashMap<>();
        for (String name : List.of(RECOVERY, ISOLATABLE, FaultCluster.WORKLOAD, FaultCluster.CAUGHT_UP,
                FaultCluster.CLEAN_STOP)) problems.put(name, new ArrayList<>());
        try (FaultCluster f = FaultCluster.start(dir, iptables, hosts, Map.of(
                "cluster.name", "fault-injection",
                "cluster.failure.detection.timeout.ms", String.valueOf(fd),
                "replica.lag.time.max.ms", String.valueOf(lag)), seed)) {
            log("3 brokers up on %s (Kafka port %d, JGroups port %d)", hosts, f.cluster().kafkaPort(),
                    f.cluster().jgroupsPort());
            problems.get(ISOLATABLE).addAll(f.connectionsNotFromNodeAddresses("after startup"));
            FaultTimeline timeline = new FaultTimeline();
            FaultWorkload workload = f.startWorkload();

            injectAll(schedule, new FaultInjector(f.cluster(), f.network(), f.health(), workload, clientHost), timeline,
                    problems.get(RECOVERY));
            problems.get(ISOLATABLE).addAll(f.connectionsNotFromNodeAddresses("after the faults"));
            f.finish(problems);

            List<Check> results = new ArrayList<>();
            results.add(new Check(RECOVERY, problems.get(RECOVERY)));
            List<Ack> acks = workload.acks();
            results.addAll(f.verifyOffline(acks, timeline));
            for (String name : List.of(ISOLATABLE, FaultCluster.WORKLOAD, FaultCluster.CAUGHT_UP, FaultCluster.CLEAN_STOP)) {
                results.add(new Check(name, problems.get(name)));
            }

            Path file = report(f, results, acks, timeline, new FaultReport.Settings(
                    profile.name().toLowerCase(java.util.Locale.ROOT), seed, fd, lag, FaultCluster.PRODUCERS, PARTITIONS,
                    replay));
            List<String> failed = new ArrayList<>();
            for (Check c : results) {
                if (!c.passed()) failed.add(c.name() + ": " + c.problems().get(0) + (c.problems().size() > 1
                        ? " (and " + (c.problems().size() - 1) + " more)" : ""));
            }
            if (!failed.isEmpty()) {
                fail(failed.size() + " checks failed (seed " + seed + ", replay with " + replay + "; report in " + file
                        + "):\n- " + String.join("\n- ", failed));
            }
        }
    }

    /** Injects the faults in order; stops at the first one the cluster did not recover from. */
    private void injectAll(List<Fault> schedule, FaultInjector injector, FaultTimeline timeline, List<String> problems)
            throws Exception {
        for (Fault fault : schedule) {
            log("injecting %s", fault);
            FaultOutcome o = injector.inject(fault);
            timeline.add(o);
            log("%s: healed after %d ms, full ISR %s ms after the heal%s", o.describe(),
                    (o.healedNanos() - o.appliedNanos()) / 1_000_000,
                    o.healToFullIsrMs() < 0 ? "never" : String.valueOf(o.healToFullIsrMs()),
                    o.problem() == null ? "" : "; PROBLEM: " + o.problem());
            if (o.problem() != null) {
                problems.add(o.describe() + " (" + timeline.at(o.appliedNanos()) + "): " + o.problem()
                        + ". Later faults not injected.");
                return;
            }
        }
    }

    /** Prints the report and writes it to {@code target/fault-report.md}; returns the file. */
    private Path report(FaultCluster f, List<Check> results, List<Ack> acks, FaultTimeline timeline,
                        FaultReport.Settings settings) throws java.io.IOException {
        FaultWorkload workload = f.workload();
        long consumed = 0;
        for (int p = 0; p < PARTITIONS; p++) consumed += workload.consumed(p).stream().filter(Objects::nonNull).count();
        List<FaultWorkload.SendFailure> failures = workload.failures();
        List<String> facts = new ArrayList<>();
        facts.add(acks.size() + " records acknowledged, " + failures.size() + " client-visible send failures, "
                + consumed + " records consumed, " + workload.producerRestarts()
                + " producers replaced after a non-retriable error");
        if (!failures.isEmpty()) {
            facts.add("first client-visible failures: " + failures.stream().limit(3)
                    .map(x -> x.value() + " " + timeline.context(x.nanos()) + ": " + x.error()).toList());
        }
        facts.add("broker logs: " + Path.of("target", "broker-processes").toAbsolutePath() + " ("
                + f.cluster().incarnations().size() + " processes; the last of each node: " + lastIncarnations(f.cluster())
                + ")");
        String markdown = new FaultReport(settings, timeline, acks, failures).render(results, facts);
        Path file = Path.of("target", "fault-report.md").toAbsolutePath();
        FaultReport.write(file, markdown);
        System.out.println(markdown);
        log("report written to %s", file);
        return file;
    }

    private static String lastIncarnations(LoopbackCluster cluster) {
        Map<String, String> last = new java.util.TreeMap<>();
        for (String s : cluster.incarnations()) last.put(s.substring(0, s.indexOf(':')), s);
        return String.join("; ", last.values());
    }

    private static void log(String format, Object... args) {
        System.out.printf("FaultInjectionTest: " + format + "%n", args);
    }
}
