package io.tributary.broker.fault;

import io.tributary.broker.fault.FaultChecks.Check;
import io.tributary.broker.fault.FaultWorkload.Ack;
import io.tributary.broker.fault.OfflineReplicas.Replica;
import io.tributary.broker.testing.Poll;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The shared fixture of the fault tests: the host lock, the iptables chain, three broker processes
 * on their own loopback addresses ({@link LoopbackCluster}), the topic (3 partitions, replication
 * factor 3, {@code min.insync.replicas=2}) with every replica in the ISR, and the workload of
 * idempotent {@code acks=all} producers and a consumer; at the end, the workload stopped, the
 * replicas caught up, every node stopped with SIGTERM and every replica read offline for
 * {@link FaultChecks}.
 *
 * <p>{@link #close()} undoes everything whatever happened: the workload is aborted, every process
 * still running is killed by its PID, the chain removed, the lock released, the Kafka clients'
 * logging restored. Not thread-safe: one test thread drives it.
 */
public final class FaultCluster implements AutoCloseable {
    /** The nodes' loopback addresses, node 1 first. */
    public static final List<String> HOSTS = List.of("127.0.0.11", "127.0.0.12", "127.0.0.13");
    public static final String TOPIC = "faults";
    public static final int NODES = 3;
    public static final int PARTITIONS = 3;
    public static final int PRODUCERS = 3;
    /** Each producer sends one record every this many ms, to the partitions in turn. */
    public static final long SEND_INTERVAL_MS = 10;
    public static final String CAUGHT_UP = "replicas caught up before shutdown (full ISR, high watermarks stable and "
            + "covering every acknowledged offset)";
    public static final String CLEAN_STOP = "every node shut down cleanly on SIGTERM";
    public static final String WORKLOAD = "the workload ran to the end (no client thread died, every send completed)";

    /**
     * The Kafka clients' logger: its retry warnings (thousands per fault: every timed-out or
     * redirected produce request) are silenced while the fixture runs (the checks say what
     * matters), unless the system property {@code fault.clients.log} names a level to keep.
     */
    private static final Logger KAFKA_CLIENTS = Logger.getLogger("org.apache.kafka");

    private final Level kafkaClientsLevel = KAFKA_CLIENTS.getLevel();
    private FaultHostLock hostLock;
    private NetworkFaults network;
    private LoopbackCluster cluster;
    private ClusterHealth health;
    private FaultWorkload workload;

    private FaultCluster() {
        KAFKA_CLIENTS.setLevel(Level.parse(System.getProperty("fault.clients.log", "SEVERE")));
    }

    /**
     * Skips the calling test when root or iptables is missing, or fails it when the environment
     * variable {@code TRIBUTARY_REQUIRE_FAULT_TOOLS=true} says the tools must be there.
     */
    public static void assumeFaultTools(String iptables) {
        Optional<String> missing = NetworkFaults.unavailableReason(iptables);
        if (missing.isEmpty()) return;
        if ("true".equalsIgnoreCase(System.getenv("TRIBUTARY_REQUIRE_FAULT_TOOLS"))) {
            fail("TRIBUTARY_REQUIRE_FAULT_TOOLS=true, but fault injection cannot run here: " + missing.get());
        }
        assumeTrue(false, "fault injection needs root and iptables: " + missing.get());
    }

    /**
     * Takes the host, installs the iptables chain, starts the brokers with {@code settings} added,
     * creates the topic and waits until every replica is in the ISR.
     */
    public static FaultCluster start(Path dir, String iptables, List<String> hosts, Map<String, String> settings,
                                     long seed) throws Exception {
        FaultCluster f = new FaultCluster();
        try {
            f.hostLock = FaultHostLock.acquire(Duration.ofMinutes(20));
            f.network = NetworkFaults.install(iptables, hosts.get(0), hosts.get(1));
            Map<String, String> all = new HashMap<>(Map.of(
                    "offsets.topic.num.partitions", "3",
                    "num.network.threads", "2",
                    "num.io.threads", "4"));
            all.putAll(settings);
            f.cluster = new LoopbackCluster(dir, hosts, all, seed);
            f.cluster.startAll();
            f.health = new ClusterHealth(f.cluster.bootstrap(), TOPIC, PARTITIONS, NODES);
            f.health.createTopic();
            f.awaitFullIsr("after startup", 60_000);
            return f;
        } catch (Exception | Error e) {
            f.close();
            throw e;
        }
    }

    public LoopbackCluster cluster() {
        return cluster;
    }

    public NetworkFaults network() {
        return network;
    }

    public ClusterHealth health() {
        return health;
    }

    public FaultWorkload workload() {
        return workload;
    }

    /** Starts the producers and the consumer and waits until every partition acknowledged a record. */
    public FaultWorkload startWorkload() throws InterruptedException {
        long start = System.nanoTime();
        workload = new FaultWorkload(cluster.bootstrap(), TOPIC, PARTITIONS, PRODUCERS, SEND_INTERVAL_MS);
        workload.start();
        if (!workload.awaitProgress(start, 60_000)) {
            throw new AssertionError("the workload acknowledged nothing on partitions "
                    + workload.partitionsWithoutAckAfter(start) + " within 60 s, before any fault");
        }
        return workload;
    }

    /** Waits until every replica is in the ISR; fails after {@code timeoutMs} naming what it saw. */
    public void awaitFullIsr(String when, long timeoutMs) throws InterruptedException {
        AtomicReference<List<TopicPartitionInfo>> seen = new AtomicReference<>();
        Poll.until("every replica in the ISR " + when, () -> "last seen: " + ClusterHealth.summary(seen.get()),
                Duration.ofMillis(timeoutMs), Duration.ofMillis(200), () -> {
            seen.set(health.describe());
            return health.fullIsr(seen.get());
        });
    }

    /**
     * Connections to JGroups ports from a non-node address (which partitions by node address would
     * not cut), as problems; empty when every node binds its outgoing sockets to its own address.
     */
    public List<String> connectionsNotFromNodeAddresses(String when) throws Exception {
        List<String> wrong = cluster.connectionsNotFromNodeAddresses();
        if (wrong.isEmpty()) return List.of();
        return List.of(when + ": " + wrong.size() + " connections to JGroups ports from a non-node address, e.g. "
                + wrong.subList(0, Math.min(4, wrong.size())) + "; partitions by node address do not cut them");
    }

    /**
     * Stops the producers (every send acknowledged or failed), waits for the replicas to catch up,
     * gives the consumer time to read the rest, stops it, and stops every node with SIGTERM.
     * Problems go into {@code problems} under {@link #WORKLOAD}, {@link #CAUGHT_UP} and
     * {@link #CLEAN_STOP} rather than being thrown, so the offline checks still run.
     */
    public void finish(Map<String, List<String>> problems) throws Exception {
        try {
            workload.stopProducers();
        } catch (AssertionError e) {
            problems.computeIfAbsent(WORKLOAD, k -> new ArrayList<>()).add(e.getMessage());
            workload.abort();
        }
        String caughtUp = awaitCaughtUp(workload.acks());
        if (caughtUp != null) problems.computeIfAbsent(CAUGHT_UP, k -> new ArrayList<>()).add(caughtUp);
        Thread.sleep(2000);
        try {
            workload.stopConsumer();
            workload.checkAlive();
        } catch (AssertionError e) {
            problems.computeIfAbsent(WORKLOAD, k -> new ArrayList<>())
                    .add(e.getMessage() + (e.getCause() == null ? "" : ": " + e.getCause()));
        }
        problems.computeIfAbsent(CLEAN_STOP, k -> new ArrayList<>()).addAll(cluster.stopAll());
    }

    /** Reads every replica of every partition from the stopped nodes' data directories and runs {@link FaultChecks}. */
    public List<Check> verifyOffline(List<Ack> acks, FaultTimeline timeline) throws Exception {
        FaultChecks checks = new FaultChecks(timeline, NODES);
        for (int p = 0; p < PARTITIONS; p++) {
            TopicPartition tp = new TopicPartition(TOPIC, p);
            Map<Integer, Replica> replicas = new HashMap<>();
            for (int id = 1; id <= NODES; id++) {
                Replica r = OfflineReplicas.read(id, cluster.dataDir(id), tp);
                if (r != null) replicas.put(id, r);
            }
            int partition = p;
            checks.checkPartition(p, acks.stream().filter(a -> a.partition() == partition).toList(), replicas,
                    workload.consumed(p));
            System.out.printf("FaultCluster: %s: replicas %s%n", tp, replicas.values().stream()
                    .map(r -> "node " + r.nodeId() + " offsets " + r.startOffset() + ".." + r.endOffset()).toList());
        }
        checks.addConsumerConflicts(workload.consumerConflicts());
        return checks.results();
    }

    /**
     * With the producers stopped: waits until every replica is in the ISR and each partition's high
     * watermark covers its highest acknowledged offset and has not moved for three looks a second
     * apart, so every follower holds the leader's whole log. Returns the problem, or null.
     */
    private String awaitCaughtUp(List<Ack> acks) throws InterruptedException {
        Map<Integer, Long> needed = new HashMap<>();
        for (Ack a : acks) needed.merge(a.partition(), a.offset() + 1, Math::max);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Map<Integer, Long> previous = null;
        int stable = 0;
        String last = "nothing seen";
        while (System.nanoTime() < deadline) {
            List<TopicPartitionInfo> parts = health.describe();
            Map<Integer, Long> hw = health.highWatermarks();
            boolean full = health.fullIsr(parts);
            last = ClusterHealth.summary(parts) + "; high watermarks " + hw + ", acknowledged up to " + needed;
            boolean covered = hw != null;
            for (int p = 0; covered && p < PARTITIONS; p++) covered = hw.getOrDefault(p, -1L) >= needed.getOrDefault(p, 0L);
            if (full && covered && hw.equals(previous)) {
                if (++stable >= 3) return null;
            } else {
                stable = 0;
            }
            previous = hw;
            Thread.sleep(1000);
        }
        return "not caught up within 60 s of stopping the producers; last seen: " + last;
    }

    @Override
    public void close() throws Exception {
        List<Throwable> failures = new ArrayList<>();
        if (workload != null) workload.abort();
        if (health != null) health.close();
        try {
            if (cluster != null) cluster.close();
        } catch (Throwable t) {
            failures.add(t);
        }
        try {
            if (network != null) network.close();
        } catch (Throwable t) {
            failures.add(t);
        }
        if (hostLock != null) hostLock.close();
        KAFKA_CLIENTS.setLevel(kafkaClientsLevel);
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError("cleanup failed");
            failures.forEach(e::addSuppressed);
            throw e;
        }
    }
}
