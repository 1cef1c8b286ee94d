package io.tributary.broker.fault;

import io.tributary.broker.testing.Poll;
import org.apache.kafka.common.TopicPartitionInfo;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Injects one {@link Fault} into a {@link LoopbackCluster}: applies it, holds it, heals it, then
 * waits until the cluster has recovered (every node running, every replica of every partition in
 * the ISR, as the Admin client sees it twice in a row) and the workload acknowledges records on
 * every partition again.
 *
 * <p>Guarantees: healing always happens, even when applying the fault failed half way: every drop
 * rule is removed, every paused node resumed, every node that is down started again (all together,
 * since a node alone cannot start without a quorum). The returned {@link FaultOutcome} carries the
 * times of each step and, if recovery or resumption took longer than {@link #RECOVERY_LIMIT_MS},
 * the reason. Not thread-safe: one test thread drives it.
 */
public final class FaultInjector {
    /** A cluster that has not recovered this long after the heal is broken. */
    public static final long RECOVERY_LIMIT_MS = 60_000;
    /** Quiet time after a recovery, so each fault's unavailable window is its own. */
    private static final long SETTLE_MS = 500;

    private final LoopbackCluster cluster;
    private final NetworkFaults network;
    private final ClusterHealth health;
    private final FaultWorkload workload;
    private final String clientHost;

    public FaultInjector(LoopbackCluster cluster, NetworkFaults network, ClusterHealth health, FaultWorkload workload,
                         String clientHost) {
        this.cluster = cluster;
        this.network = network;
        this.health = health;
        this.workload = workload;
        this.clientHost = clientHost;
    }

    public FaultOutcome inject(Fault fault) throws Exception {
        List<Integer> targets = targets(fault);
        long applied = System.nanoTime();
        String problem = null;
        try {
            apply(fault, targets);
            Thread.sleep(fault.holdMs());
            List<String> dead = cluster.unexpectedlyDead();
            if (!dead.isEmpty()) problem = "a broker process died during the fault: " + dead;
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception | AssertionError e) {
            problem = "applying " + fault + " failed: " + e;
        }
        long healed = System.nanoTime();
        try {
            healEverything();
        } catch (Exception e) {
            return new FaultOutcome(fault, targets, applied, healed, -1, -1,
                    (problem == null ? "" : problem + "; ") + "healing failed: " + e.getMessage());
        }
        Recovery recovery = awaitFullIsr(healed);
        if (recovery.at() < 0) {
            return new FaultOutcome(fault, targets, applied, healed, -1, -1,
                    (problem == null ? "" : problem + "; ") + recovery.problem());
        }
        long remaining = RECOVERY_LIMIT_MS - (System.nanoTime() - healed) / 1_000_000;
        boolean resumed = workload.awaitProgress(recovery.at(), Math.max(remaining, 10_000));
        long resumedAt = resumed ? System.nanoTime() : -1;
        if (!resumed && problem == null) {
            problem = "no record acknowledged on partitions " + workload.partitionsWithoutAckAfter(recovery.at())
                    + " in the " + (System.nanoTime() - recovery.at()) / 1_000_000 + " ms after every replica was "
                    + "back in the ISR (" + (System.nanoTime() - healed) / 1_000_000 + " ms after the heal)";
        }
        Thread.sleep(SETTLE_MS);
        return new FaultOutcome(fault, targets, applied, healed, recovery.at(), resumedAt, problem);
    }

    /** When the cluster was first seen recovered ({@link System#nanoTime()}), or -1 and why not. */
    private record Recovery(long at, String problem) {
    }

    private List<Integer> targets(Fault fault) throws InterruptedException {
        if (fault.kind() != FaultKind.KILL_PARTITION_LEADER) return fault.nodes();
        int[] leader = {-1};
        boolean found = Poll.within(Duration.ofSeconds(10), Duration.ofMillis(100), () -> {
            leader[0] = health.leaderOf(fault.partition());
            return leader[0] > 0;
        });
        if (found) return List.of(leader[0]);
        // The cluster names no leader (it should: it had recovered); kill the partition's preferred one.
        return List.of(1 + fault.partition() % cluster.size());
    }

    private void apply(Fault fault, List<Integer> targets) throws Exception {
        switch (fault.kind()) {
            case KILL_RANDOM_NODE, KILL_PARTITION_LEADER, KILL_TWO_NODES -> {
                for (int id : targets) cluster.kill(id);
            }
            case PAUSE_NODE -> cluster.pause(targets.get(0));
            case ISOLATE_NODE -> {
                int lonely = targets.get(0);
                for (int id = 1; id <= cluster.size(); id++) {
                    if (id != lonely) network.dropBetween(cluster.host(lonely), cluster.host(id));
                }
            }
            case BRIDGE -> network.dropBetween(cluster.host(targets.get(0)), cluster.host(targets.get(1)));
            case CUT_CLIENTS -> network.dropClients(clientHost, cluster.host(targets.get(0)), cluster.kafkaPort());
            case PARTITION_ALL -> {
                for (int a = 1; a <= cluster.size(); a++) {
                    for (int b = a + 1; b <= cluster.size(); b++) network.dropBetween(cluster.host(a), cluster.host(b));
                }
            }
        }
    }

    /** Removes every rule, resumes every paused node, starts every node that is down. */
    public void healEverything() throws Exception {
        network.heal();
        cluster.resumeAllPaused();
        cluster.startDown();
    }

    /**
     * Waits until every node runs and the Admin client sees every replica in the ISR twice in a
     * row; returns when it first saw that, or -1 (and why) after {@link #RECOVERY_LIMIT_MS} from
     * the heal or as soon as a broker process has died.
     */
    private Recovery awaitFullIsr(long healed) throws InterruptedException {
        long deadline = healed + TimeUnit.MILLISECONDS.toNanos(RECOVERY_LIMIT_MS);
        long firstSeen = -1;
        List<TopicPartitionInfo> last = null;
        while (System.nanoTime() < deadline) {
            List<String> dead = cluster.unexpectedlyDead();
            if (!dead.isEmpty()) return new Recovery(-1, "a broker process died: " + dead);
            long asked = System.nanoTime();
            last = health.describe();
            if (health.fullIsr(last)) {
                if (firstSeen >= 0) return new Recovery(firstSeen, null);
                firstSeen = asked;
                Thread.sleep(300);
            } else {
                firstSeen = -1;
                Thread.sleep(100);
            }
        }
        return new Recovery(-1, "not every replica back in the ISR within " + RECOVERY_LIMIT_MS
                + " ms of the heal; last seen: " + ClusterHealth.summary(last));
    }
}
