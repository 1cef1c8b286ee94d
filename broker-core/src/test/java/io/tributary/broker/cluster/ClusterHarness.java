package io.tributary.broker.cluster;

import io.tributary.broker.Broker;
import io.tributary.broker.BrokerConfig;
import io.tributary.broker.testing.Poll;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Starts, stops and restarts the nodes of an in-JVM cluster on loopback: each node has its own
 * data directory, Kafka listener and JGroups port; all share one voter list.
 */
final class ClusterHarness implements AutoCloseable {
    private final Path root;
    private final int size;
    private final int[] jgroupsPorts;
    private final int[] kafkaPorts;
    private final Broker[] nodes;
    private final Map<String, String> extra;
    private final java.util.function.IntFunction<Map<String, String>> perNode;
    private final String listenerName;

    ClusterHarness(Path root, int size, Map<String, String> extra) throws IOException {
        this(root, size, extra, id -> Map.of(), null);
    }

    /**
     * @param perNode      settings of one node (its key store, say), over {@code extra}
     * @param listenerName the name of every node's listener ({@code SSL}), or null for a bare
     *                     {@code HOST:PORT} (PLAINTEXT)
     */
    ClusterHarness(Path root, int size, Map<String, String> extra,
                   java.util.function.IntFunction<Map<String, String>> perNode, String listenerName) throws IOException {
        this.perNode = perNode;
        this.listenerName = listenerName;
        this.root = root;
        this.size = size;
        int[] ports = freePorts(2 * size);
        this.jgroupsPorts = java.util.Arrays.copyOfRange(ports, 0, size);
        this.kafkaPorts = java.util.Arrays.copyOfRange(ports, size, 2 * size);
        this.nodes = new Broker[size];
        this.extra = extra;
    }

    /**
     * {@code n} distinct free loopback ports, none of them in the range JGroups' FD_SOCK2 takes
     * above another (its port plus 100 to 104), so any of them may serve as a JGroups port. They are
     * taken between 20000 and 32000, below the ephemeral range: a port a restarted node binds again
     * must not meanwhile have become the local port of some client connection.
     */
    static int[] freePorts(int n) throws IOException {
        int[] ports = new int[n];
        java.util.Random random = java.util.concurrent.ThreadLocalRandom.current();
        int found = 0;
        for (int attempt = 0; found < n; attempt++) {
            if (attempt > 10_000) throw new IOException("no " + n + " free loopback ports between 20000 and 32000");
            int candidate = 20_000 + random.nextInt(12_000);
            boolean clashes = false;
            for (int i = 0; i < found; i++) {
                int distance = Math.abs(candidate - ports[i]);
                if (distance == 0 || (distance >= 100 && distance < 105)) clashes = true;
            }
            if (!clashes && free(candidate)) ports[found++] = candidate;
        }
        return ports;
    }

    private static boolean free(int port) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (java.net.BindException e) {
            return false;
        }
    }

    String voters() {
        StringJoiner j = new StringJoiner(",");
        for (int i = 0; i < size; i++) j.add((i + 1) + "@127.0.0.1:" + jgroupsPorts[i]);
        return j.toString();
    }

    Map<String, String> config(int nodeId) {
        Map<String, String> m = new HashMap<>();
        m.put("node.id", String.valueOf(nodeId));
        m.put("listeners", (listenerName == null ? "" : listenerName + "://") + "127.0.0.1:" + kafkaPorts[nodeId - 1]);
        m.put("log.dirs", new File(root.toFile(), "node-" + nodeId).getAbsolutePath());
        m.put("controller.quorum.voters", voters());
        m.put("cluster.name", "test-cluster");
        m.put("replica.lag.time.max.ms", "3000");
        m.put("cluster.failure.detection.timeout.ms", "2000");
        m.put("offsets.topic.num.partitions", "3");
        m.put("group.initial.rebalance.delay.ms", "0");
        m.putAll(extra);
        m.putAll(perNode.apply(nodeId));
        // An extra "listeners" may name this node's Kafka port as {port} (for several listeners per node).
        m.put("listeners", m.get("listeners").replace("{port}", String.valueOf(kafkaPorts[nodeId - 1])));
        return m;
    }

    File dataDir(int nodeId) {
        return new File(root.toFile(), "node-" + nodeId);
    }

    /** Starts every node concurrently (each waits for the others to form a quorum). */
    void startAll() throws Exception {
        List<Thread> threads = new ArrayList<>();
        List<Exception> errors = new ArrayList<>();
        for (int id = 1; id <= size; id++) {
            int n = id;
            Thread t = new Thread(() -> {
                try {
                    start(n);
                } catch (Exception e) {
                    synchronized (errors) {
                        errors.add(e);
                    }
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) t.join();
        if (!errors.isEmpty()) throw errors.get(0);
        Poll.until("all brokers registered", Duration.ofSeconds(30), () -> {
            for (int id = 1; id <= size; id++) {
                if (nodes[id - 1] == null) continue;
                var member = nodes[id - 1].cluster().orElseThrow();
                if (member.replication().liveBrokers().size() < size) return false;
            }
            return true;
        });
    }

    Broker start(int nodeId) throws IOException {
        return start(nodeId, Map.of());
    }

    /** Starts node {@code nodeId} with {@code overrides} over its settings (a null value removes one). */
    Broker start(int nodeId, Map<String, String> overrides) throws IOException {
        Map<String, String> m = config(nodeId);
        overrides.forEach((k, v) -> {
            if (v == null) m.remove(k);
            else m.put(k, v);
        });
        Broker b = Broker.start(new BrokerConfig(m));
        nodes[nodeId - 1] = b;
        return b;
    }

    /** The JGroups port of node {@code nodeId}. */
    int jgroupsPort(int nodeId) {
        return jgroupsPorts[nodeId - 1];
    }

    void stop(int nodeId) throws IOException {
        Broker b = nodes[nodeId - 1];
        nodes[nodeId - 1] = null;
        if (b != null) b.close();
    }

    /** Forgets a node that was halted (its resources are already released). */
    void forget(int nodeId) {
        nodes[nodeId - 1] = null;
    }

    Broker node(int nodeId) {
        return nodes[nodeId - 1];
    }

    boolean running(int nodeId) {
        return nodes[nodeId - 1] != null;
    }

    String bootstrap() {
        StringJoiner j = new StringJoiner(",");
        for (int i = 0; i < size; i++) j.add("127.0.0.1:" + kafkaPorts[i]);
        return j.toString();
    }

    int size() {
        return size;
    }

    /** The current leader of {@code tp}, as the running nodes' metadata says. */
    int leaderOf(org.apache.kafka.common.TopicPartition tp) throws InterruptedException {
        int[] leader = {-1};
        Poll.until("a leader for " + tp, Duration.ofSeconds(30), () -> {
            for (int id = 1; id <= size; id++) {
                if (!running(id)) continue;
                var state = node(id).cluster().orElseThrow().quorum().image().partition(tp);
                if (state.isPresent() && state.get().hasLeader()) {
                    leader[0] = state.get().leader();
                    return true;
                }
            }
            return false;
        });
        return leader[0];
    }

    /** Waits until every node runs and every partition of {@code topic} has a leader and a full ISR. */
    void awaitFullIsr(String topic) throws InterruptedException {
        Poll.until("every replica of " + topic + " in the ISR", Duration.ofSeconds(60), () -> {
            for (int id = 1; id <= size; id++) {
                if (!running(id)) return false;
                ClusterImage image = node(id).cluster().orElseThrow().quorum().image();
                TopicImage t = image.topics().get(topic);
                if (t == null) return false;
                for (PartitionRegistration p : t.partitions()) {
                    if (p.isr().size() < size || !p.hasLeader()) return false;
                }
            }
            return true;
        });
    }

    /** Waits until every node's replica of {@code tp} has the same log end, with the high watermark there. */
    void awaitConverged(org.apache.kafka.common.TopicPartition tp) throws InterruptedException {
        Poll.until("replicas of " + tp + " converged", Duration.ofSeconds(60), () -> {
            long leo = -1;
            for (int id = 1; id <= size; id++) {
                var log = node(id).logs().get(tp).orElseThrow();
                if (log.highWatermark() != log.logEndOffset()) return false;
                if (leo == -1) leo = log.logEndOffset();
                else if (leo != log.logEndOffset()) return false;
            }
            return true;
        });
    }

    @Override
    public void close() throws IOException {
        for (int id = size; id >= 1; id--) {
            try {
                stop(id);
            } catch (IOException | RuntimeException e) {
                // keep closing the others
            }
        }
    }

    /** Prints the stacks of every broker and client thread, for a test that is about to fail on a stall. */
    static void printThreads(String what) {
        StringBuilder dump = new StringBuilder();
        Thread.getAllStackTraces().forEach((t, st) -> {
            if (!t.getName().startsWith("tributary") && !t.getName().startsWith("kafka")) return;
            dump.append('\n').append(t.getName()).append(' ').append(t.getState());
            for (int i = 0; i < Math.min(st.length, 16); i++) dump.append("\n    at ").append(st[i]);
        });
        System.err.println("Threads of " + what + ":" + dump);
    }
}
