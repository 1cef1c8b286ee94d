package io.tributary.broker.fault;

import io.tributary.broker.fault.FaultChecks.Check;
import io.tributary.broker.fault.FaultWorkload.Ack;
import io.tributary.broker.testing.Poll;
import io.tributary.broker.testing.SuiteTags;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rolling restart of all three nodes under load, as an operator does one: SIGTERM to a node,
 * start it again, wait until every replica is back in the ISR under its preferred leader, next
 * node. The idempotent {@code acks=all} producers of {@link FaultWorkload} must see no error at all
 * (each stopping node hands its leaderships over first, so clients only meet retriable
 * {@code NOT_LEADER_OR_FOLLOWER} answers), and afterwards every acknowledged record is on every
 * replica exactly once, in order ({@link FaultChecks}). Runs on {@link FaultCluster}.
 */
@Tag(SuiteTags.PROCESS)
class RollingRestartTest {
    static final List<String> HOSTS = FaultCluster.HOSTS;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void aRollingRestartUnderLoadReachesNoClientAsAnErrorAndLosesNothing() throws Exception {
        String iptables = System.getProperty("fault.iptables", "iptables");
        FaultCluster.assumeFaultTools(iptables);
        try (FaultCluster f = FaultCluster.start(dir, iptables, HOSTS, Map.of("cluster.name", "rolling-restart",
                "cluster.failure.detection.timeout.ms", "3000", "replica.lag.time.max.ms", "3000"), 7L)) {
            FaultWorkload load = f.startWorkload();
            awaitPreferredLeaders(f);
            List<long[]> restarts = new ArrayList<>();
            for (int id = 1; id <= FaultCluster.NODES; id++) {
                long stoppedAt = System.nanoTime();
                String problem = f.cluster().stop(id);
                assertEquals(null, problem, "node " + id + " stopping on SIGTERM");
                f.cluster().start(List.of(id));
                awaitPreferredLeaders(f);
                long back = System.nanoTime();
                assertTrue(load.awaitProgress(back, 30_000), "acknowledgements on every partition after node " + id
                        + " came back");
                restarts.add(new long[] {id, stoppedAt, System.nanoTime()});
            }

            Map<String, List<String>> problems = new LinkedHashMap<>();
            f.finish(problems);
            List<Ack> acks = load.acks();
            List<Check> results = new ArrayList<>(f.verifyOffline(acks, new FaultTimeline()));
            problems.forEach((name, list) -> results.add(new Check(name, list)));
            report(restarts, acks, load.failures().size());
            for (Check c : results) assertTrue(c.passed(), c.name() + ": " + c.problems());
            assertEquals(List.of(), load.failures(), "errors that reached the producers");
            assertEquals(0, load.producerRestarts(), "producers replaced after a non-retriable error");
        }
    }

    /** Every replica in the ISR and every partition led by its preferred (first) replica. */
    private static void awaitPreferredLeaders(FaultCluster f) throws InterruptedException {
        AtomicReference<List<TopicPartitionInfo>> seen = new AtomicReference<>();
        Poll.until("every partition back under its preferred leader with a full ISR",
                () -> "last seen: " + ClusterHealth.summary(seen.get()), Duration.ofSeconds(90), Duration.ofMillis(200), () -> {
            List<TopicPartitionInfo> parts = f.health().describe();
            seen.set(parts);
            return f.health().fullIsr(parts) && parts.stream().allMatch(p -> {
                Node leader = p.leader();
                return leader != null && !leader.isEmpty() && leader.id() == p.replicas().get(0).id();
            });
        });
    }

    /** Prints, per restarted node, the longest gap between acknowledgements of one partition. */
    private static void report(List<long[]> restarts, List<Ack> acks, int failures) {
        for (long[] r : restarts) {
            long worst = -1;
            for (int p = 0; p < FaultCluster.PARTITIONS; p++) {
                int partition = p;
                long[] times = acks.stream().filter(a -> a.partition() == partition).mapToLong(Ack::ackNanos).sorted().toArray();
                worst = Math.max(worst, FaultReport.longestGap(times, r[1], r[2]).ms());
            }
            System.out.printf("RollingRestartTest: node %d: SIGTERM to back under its preferred leaders in %d ms; "
                    + "longest gap between acknowledgements of one partition %d ms%n", r[0], (r[2] - r[1]) / 1_000_000, worst);
        }
        System.out.printf("RollingRestartTest: %d records acknowledged, %d client-visible errors%n", acks.size(), failures);
    }
}
