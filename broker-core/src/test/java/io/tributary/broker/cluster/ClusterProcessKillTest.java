package io.tributary.broker.cluster;

import io.tributary.broker.client.BrokerProcess;
import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.testing.Poll;
import io.tributary.broker.testing.SuiteTags;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 6, must-show 3: three brokers, each its own JVM ({@code BrokerMain}) with its own data
 * directory and ports on 127.0.0.1; a topic with replication factor 3 and
 * {@code min.insync.replicas=2}; an idempotent {@code acks=all} producer and a consumer in this JVM
 * running all the time ({@link FailoverWorkload}) while the process leading a partition is killed
 * with SIGKILL and started again, several times, alternating between the partitions (so the
 * preferred leaders of both, on different nodes, are killed). Afterwards every process is stopped
 * with SIGTERM and each data directory is opened here, offline, for the checks of
 * {@link ReplicatedFailoverTest} ({@link ReplicaVerifier}): every acknowledged record present
 * exactly once and in order on every replica, all replicas identical, and the consumer saw
 * nothing that was later lost.
 *
 * <p>Only processes started here are ever signalled ({@link BrokerProcess}); their output is under
 * {@code target/broker-processes/}.
 */
@Tag(SuiteTags.PROCESS)
@Tag(SuiteTags.CRASH)
class ClusterProcessKillTest {
    static final String TOPIC = "transfers";
    static final int PARTITIONS = 2;
    static final int NODES = 3;
    static final int KILLS = 4;
    /** Exit codes as {@link Process#exitValue()} reports them: 128 + 9, 128 + 15. */
    static final int SIGKILL_EXIT = 137;
    static final int SIGTERM_EXIT = 143;
    /** How often the cluster's state is asked for while waiting on it. */
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);

    @TempDir
    Path dir;

    private final BrokerProcess[] nodes = new BrokerProcess[NODES];
    private int[] kafkaPorts;
    private int[] jgroupsPorts;

    @AfterEach
    void killLeftovers() throws InterruptedException {
        for (BrokerProcess b : nodes) {
            if (b != null) b.close();
        }
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void acknowledgedRecordsSurviveSigkillOfTheLeaderProcess() throws Exception {
        int[] ports = ClusterHarness.freePorts(2 * NODES);
        kafkaPorts = java.util.Arrays.copyOfRange(ports, 0, NODES);
        jgroupsPorts = java.util.Arrays.copyOfRange(ports, NODES, 2 * NODES);
        long t0 = System.nanoTime();
        startAll();
        log("3 broker processes up in %d ms", (System.nanoTime() - t0) / 1_000_000);

        FailoverWorkload load = new FailoverWorkload(bootstrap(), TOPIC, PARTITIONS);
        try (Admin admin = admin()) {
            createTopic(admin);
            awaitStableLeaders(admin);
            load.start();
            try {
                load.awaitAcked(500);
                for (int round = 0; round < KILLS; round++) {
                    TopicPartition tp = new TopicPartition(TOPIC, round % PARTITIONS);
                    int leader = awaitStableLeaders(admin).get(tp.partition());
                    long before = load.acked();
                    long killedAt = System.nanoTime();
                    int exit = nodes[leader - 1].kill();
                    nodes[leader - 1] = null;
                    assertEquals(SIGKILL_EXIT, exit, "exit code of the SIGKILLed leader of " + tp);
                    int newLeader = awaitLeaderOtherThan(admin, tp, leader);
                    long electedMs = (System.nanoTime() - killedAt) / 1_000_000;
                    load.awaitAcked(before + 300);
                    log("round %d: SIGKILL of node %d (leader of %s); node %d named leader after %d ms; "
                                    + "%d records acknowledged %d ms after the kill", round + 1, leader, tp, newLeader,
                            electedMs, load.acked() - before, (System.nanoTime() - killedAt) / 1_000_000);
                    long restartAt = System.nanoTime();
                    nodes[leader - 1] = start(leader);
                    awaitStableLeaders(admin);
                    log("round %d: node %d restarted and back in every ISR after %d ms", round + 1, leader,
                            (System.nanoTime() - restartAt) / 1_000_000);
                    load.awaitAcked(load.acked() + 300);
                }
            } finally {
                load.stop();
            }
            assertTrue(load.failures().isEmpty(), "the producer gave up on records: " + load.failures());
            awaitReplicated(admin, load);
        }
        stopAll();

        for (int p = 0; p < PARTITIONS; p++) {
            Map<Integer, List<String>> replicas = new HashMap<>();
            for (int id = 1; id <= NODES; id++) replicas.put(id, readOffline(id, new TopicPartition(TOPIC, p)));
            ReplicaVerifier.verify(load, p, replicas);
            log("%s-%d: %d records on each replica, %d acknowledged, %d consumed", TOPIC, p,
                    replicas.get(1).size(), load.ackedValues(p).size(), load.consumed(p).size());
        }
        log("done in %d s", (System.nanoTime() - t0) / 1_000_000_000);
    }

    // ---------------------------------------------------------------------------------------------
    // Processes
    // ---------------------------------------------------------------------------------------------

    private Path dataDir(int nodeId) {
        return dir.resolve("node-" + nodeId);
    }

    private String voters() {
        StringJoiner j = new StringJoiner(",");
        for (int i = 0; i < NODES; i++) j.add((i + 1) + "@127.0.0.1:" + jgroupsPorts[i]);
        return j.toString();
    }

    private String bootstrap() {
        StringJoiner j = new StringJoiner(",");
        for (int i = 0; i < NODES; i++) j.add("127.0.0.1:" + kafkaPorts[i]);
        return j.toString();
    }

    private BrokerProcess start(int nodeId) throws Exception {
        Map<String, String> props = new HashMap<>();
        props.put("node.id", String.valueOf(nodeId));
        // Overrides BrokerProcess's --listen 127.0.0.1:0: a node keeps its address across restarts.
        props.put("listeners", "127.0.0.1:" + kafkaPorts[nodeId - 1]);
        props.put("controller.quorum.voters", voters());
        props.put("cluster.name", "process-kill-test");
        props.put("replica.lag.time.max.ms", "3000");
        props.put("cluster.failure.detection.timeout.ms", "2000");
        props.put("offsets.topic.num.partitions", "3");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "4");
        return BrokerProcess.start(dataDir(nodeId), props);
    }

    /** Starts every node at once: a node's start completes only with a quorum. */
    private void startAll() throws Exception {
        List<CompletableFuture<BrokerProcess>> starts = new ArrayList<>();
        for (int id = 1; id <= NODES; id++) {
            int n = id;
            starts.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return start(n);
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            }));
        }
        Exception failed = null;
        for (int id = 1; id <= NODES; id++) {
            try {
                nodes[id - 1] = starts.get(id - 1).get(120, TimeUnit.SECONDS);
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                if (failed == null) failed = e;
            }
        }
        if (failed != null) throw failed;
    }

    /**
     * SIGTERM to every node at once; each must exit through its clean shutdown. The signal goes
     * through {@link ProcessHandle#destroy()}, which (unlike {@link Process#destroy()}, used by
     * {@link BrokerProcess#stop()}) leaves the child's output stream open, so its shutdown log
     * reaches {@link BrokerProcess#logFile()}; {@code stop()} then only collects the exit code.
     */
    private void stopAll() throws Exception {
        List<CompletableFuture<Integer>> stops = new ArrayList<>();
        for (BrokerProcess b : nodes) {
            stops.add(CompletableFuture.supplyAsync(() -> {
                try {
                    ProcessHandle handle = ProcessHandle.of(b.pid()).orElseThrow();
                    handle.destroy();
                    handle.onExit().get(90, TimeUnit.SECONDS);
                    Poll.within(Duration.ofSeconds(5), Duration.ofMillis(20),
                            () -> Files.readString(b.logFile()).contains("# exited with"));
                    return b.stop();
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            }));
        }
        for (int id = 1; id <= NODES; id++) {
            BrokerProcess b = nodes[id - 1];
            assertEquals(SIGTERM_EXIT, stops.get(id - 1).get(90, TimeUnit.SECONDS),
                    "exit code of node " + id + " after SIGTERM; output in " + b.logFile());
            assertTrue(Files.exists(dataDir(id).resolve(".clean_shutdown")),
                    "node " + id + " shut down cleanly; output in " + b.logFile());
        }
    }

    /** The values of node {@code nodeId}'s replica of {@code tp}, read from its data directory. */
    private List<String> readOffline(int nodeId, TopicPartition tp) throws Exception {
        assertTrue(Files.isDirectory(dataDir(nodeId).resolve(tp.topic() + "-" + tp.partition())),
                "node " + nodeId + " has a replica of " + tp);
        try (LogManager logs = new LogManager(dataDir(nodeId).toFile(), Clock.systemUTC())) {
            return ReplicaLogs.values(logs.getOrCreate(tp, LogConfig.brokerDefaults(Map.of())));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Cluster state, through the Admin client (the test has no other view into the processes)
    // ---------------------------------------------------------------------------------------------

    private Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "50");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        p.put(AdminClientConfig.METADATA_MAX_AGE_CONFIG, "1000");
        return Admin.create(p);
    }

    /** Creates the topic once all the brokers are registered (retried: the quorum may still be settling). */
    private void createTopic(Admin admin) throws InterruptedException {
        AtomicReference<Throwable> last = new AtomicReference<>();
        Poll.until("topic " + TOPIC + " created", () -> "last error: " + last.get(), Duration.ofSeconds(60),
                POLL_INTERVAL, () -> {
            try {
                if (admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size() < NODES) return false;
                admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) NODES)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get(15, TimeUnit.SECONDS);
                return true;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException) return true;
                last.set(e.getCause());
                return false;
            } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
                last.set(e);
                return false;
            }
        });
    }

    /** The partitions of the topic as the cluster describes them now, or null if it cannot say. */
    private static List<TopicPartitionInfo> describe(Admin admin) {
        try {
            TopicDescription d = admin.describeTopics(List.of(TOPIC)).allTopicNames().get(10, TimeUnit.SECONDS).get(TOPIC);
            return d == null ? null : d.partitions();
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * Waits until every node runs, every partition has all its replicas in the ISR and is led by
     * its preferred (first) replica, where leadership settles once a returning node has caught up;
     * returns the leader of each partition.
     */
    private List<Integer> awaitStableLeaders(Admin admin) throws InterruptedException {
        AtomicReference<List<Integer>> leaders = new AtomicReference<>();
        AtomicReference<List<TopicPartitionInfo>> seen = new AtomicReference<>();
        Poll.until("every replica in the ISR under its preferred leader", () -> "last seen: " + seen.get(),
                Duration.ofSeconds(90), POLL_INTERVAL, () -> {
            for (BrokerProcess b : nodes) {
                if (b == null || !b.isAlive()) throw new AssertionError("a broker process died: " + b);
            }
            List<TopicPartitionInfo> parts = describe(admin);
            seen.set(parts);
            if (parts == null || parts.size() != PARTITIONS) return false;
            List<Integer> out = new ArrayList<>();
            for (TopicPartitionInfo p : parts) {
                Node leader = p.leader();
                if (leader == null || leader.isEmpty() || p.isr().size() < NODES) return false;
                if (leader.id() != p.replicas().get(0).id()) return false;
                out.add(leader.id());
            }
            leaders.set(out);
            return true;
        });
        return leaders.get();
    }

    /**
     * Waits until the cluster names a leader of {@code tp} other than {@code old}, with {@code old}
     * out of the ISR, and returns it.
     */
    private int awaitLeaderOtherThan(Admin admin, TopicPartition tp, int old) throws InterruptedException {
        AtomicReference<Integer> leader = new AtomicReference<>();
        AtomicReference<TopicPartitionInfo> seen = new AtomicReference<>();
        Poll.until("a new leader of " + tp + " without node " + old + " in the ISR", () -> "last seen: " + seen.get(),
                Duration.ofSeconds(60), POLL_INTERVAL, () -> {
            List<TopicPartitionInfo> parts = describe(admin);
            if (parts == null) return false;
            seen.set(parts.get(tp.partition()));
            Node l = parts.get(tp.partition()).leader();
            if (l == null || l.isEmpty() || l.id() == old) return false;
            if (parts.get(tp.partition()).isr().stream().anyMatch(n -> n.id() == old)) return false;
            leader.set(l.id());
            return true;
        });
        return leader.get();
    }

    /**
     * Waits until, with the producer stopped, every replica is in the ISR and the high watermark
     * of each partition covers every acknowledged record: the high watermark is the smallest log
     * end offset in the ISR, so then every follower holds the leader's whole log.
     */
    private void awaitReplicated(Admin admin, FailoverWorkload load) throws InterruptedException {
        awaitStableLeaders(admin);
        AtomicReference<Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo>> seen = new AtomicReference<>();
        Poll.until("high watermarks covering every acknowledged record", () -> "last seen: " + seen.get(),
                Duration.ofSeconds(60), POLL_INTERVAL, () -> {
            Map<TopicPartition, OffsetSpec> query = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) query.put(new TopicPartition(TOPIC, p), OffsetSpec.latest());
            try {
                seen.set(admin.listOffsets(query).all().get(10, TimeUnit.SECONDS));
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            for (int p = 0; p < PARTITIONS; p++) {
                if (seen.get().get(new TopicPartition(TOPIC, p)).offset() < load.ackedValues(p).size()) return false;
            }
            return true;
        });
        awaitStableLeaders(admin);
    }

    private static void log(String format, Object... args) {
        System.out.printf("ClusterProcessKillTest: " + format + "%n", args);
    }
}
