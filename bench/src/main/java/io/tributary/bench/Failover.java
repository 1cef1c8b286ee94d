package io.tributary.bench;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.StringJoiner;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * Failover time of a 3-node Tributary cluster (issue 6, must-show 5), run by {@code bench/failover.sh}.
 *
 * <p>Starts three broker processes ({@code java -jar tributary-broker.jar}) on 127.0.0.1, creates a
 * topic with one partition, replication factor 3 and {@code min.insync.replicas=2}, and keeps an
 * idempotent {@code acks=all} producer writing to it from this JVM. Each round stops the process
 * leading the partition (SIGKILL or SIGTERM) and measures the time from the signal to the first
 * acknowledgement of a record sent after the signal: the time the partition could take no
 * {@code acks=all} write. It also notes when the cluster (as an Admin client sees it) names the
 * new leader, and whether the stopped node was the controller (Raft leader of the metadata
 * quorum). The node is then started again and the next round waits until every replica is back
 * in the ISR under the preferred leader.
 *
 * <p>Only processes started here are ever signalled, by their {@link Process} handle.
 */
public final class Failover {
    private static final String TOPIC = "failover";

    private final Options opts;
    private final Process[] nodes = new Process[3];
    private int[] kafkaPorts;
    private int[] jgroupsPorts;

    private final AtomicLong signalNanos = new AtomicLong(Long.MAX_VALUE);
    /** The partition whose leader the current round stops; -1 between rounds. */
    private volatile int target = -1;
    private final AtomicLong firstAckAfterSignal = new AtomicLong();
    private final AtomicLong lastAckNanos = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<String> lastFailure = new AtomicReference<>();
    private final AtomicBoolean running = new AtomicBoolean(true);

    private Failover(Options opts) {
        this.opts = opts;
    }

    /**
     * @param partitions of the topic; with 3 (the default) each node is the preferred leader of one,
     *                   so odd rounds can stop the controller (the leader of the partition it leads)
     *                   and even rounds a node that is not the controller
     */
    record Options(Path jar, Path work, int rounds, int partitions, List<String> modes, String javaOpts,
                   Map<String, String> brokerProps, Map<String, String> producerProps) {
    }

    record Round(String mode, int round, int partition, int node, boolean controller, long electedMs, long writeMs) {
    }

    public static void main(String[] args) throws Exception {
        Path jar = null;
        Path work = null;
        int rounds = 6;
        int partitions = 3;
        List<String> modes = List.of("kill", "term");
        String javaOpts = "-Xmx512m -Xms512m -XX:+UseG1GC";
        Map<String, String> brokerProps = new LinkedHashMap<>();
        Map<String, String> producerProps = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--jar" -> jar = Path.of(args[++i]);
                case "--work" -> work = Path.of(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--partitions" -> partitions = Integer.parseInt(args[++i]);
                case "--modes" -> modes = List.of(args[++i].split(","));
                case "--java-opts" -> javaOpts = args[++i];
                case "--broker-prop" -> put(brokerProps, args[++i]);
                case "--producer-prop" -> put(producerProps, args[++i]);
                default -> throw new IllegalArgumentException("Unknown argument " + args[i]);
            }
        }
        if (jar == null || work == null) throw new IllegalArgumentException("--jar and --work are required");
        for (String m : modes) {
            if (!m.equals("kill") && !m.equals("term")) throw new IllegalArgumentException("mode " + m + ": kill or term");
        }
        Failover f = new Failover(new Options(jar, work, rounds, partitions, modes, javaOpts, brokerProps, producerProps));
        Runtime.getRuntime().addShutdownHook(new Thread(f::killAll, "failover-cleanup"));
        int exit = f.run();
        System.exit(exit);
    }

    private static void put(Map<String, String> m, String kv) {
        int eq = kv.indexOf('=');
        if (eq <= 0) throw new IllegalArgumentException("expected NAME=VALUE: " + kv);
        m.put(kv.substring(0, eq), kv.substring(eq + 1));
    }

    private int run() throws Exception {
        int[] ports = freePorts(6);
        kafkaPorts = new int[] {ports[0], ports[1], ports[2]};
        jgroupsPorts = new int[] {ports[3], ports[4], ports[5]};
        System.out.println("broker properties: " + brokerProps(1));
        System.out.println("producer properties: " + producerProps());
        List<Thread> starts = new ArrayList<>();
        List<Exception> errors = Collections.synchronizedList(new ArrayList<>());
        for (int id = 1; id <= 3; id++) {
            int n = id;
            Thread t = new Thread(() -> {
                try {
                    start(n);
                } catch (Exception e) {
                    errors.add(e);
                }
            });
            t.start();
            starts.add(t);
        }
        for (Thread t : starts) t.join();
        if (!errors.isEmpty()) throw errors.get(0);

        List<Round> results = new ArrayList<>();
        try (Admin admin = admin()) {
            createTopic(admin);
            Thread producer = new Thread(this::produce, "failover-producer");
            producer.start();
            await("first acknowledgements", 60_000, () -> acked.get() >= 1000);
            for (String mode : opts.modes()) {
                for (int r = 1; r <= opts.rounds(); r++) {
                    results.add(round(admin, mode, r));
                }
            }
            running.set(false);
            producer.join(150_000);
        }
        stopAll();

        System.out.println();
        System.out.printf(Locale.ROOT, "%d records acknowledged, %d failed%s%n", acked.get(), failed.get(),
                failed.get() > 0 ? " (last: " + lastFailure.get() + ")" : "");
        System.out.println("mode (stopped node)      rounds  leader named (ms) min/median/max   first acks=all write (ms) min/median/max");
        for (String mode : opts.modes()) {
            summary(results, mode, "all", r -> true);
            summary(results, mode, "controller", Round::controller);
            summary(results, mode, "not controller", r -> !r.controller());
        }
        return 0;
    }

    private Round round(Admin admin, String mode, int r) throws Exception {
        // Let a leader change that just happened (the preferred leader's return) reach the producer.
        awaitStable(admin);
        Thread.sleep(2_000);
        List<Integer> leaders = awaitStable(admin);
        int controller = admin.describeCluster().controller().get(10, TimeUnit.SECONDS).id();
        // Odd rounds stop the controller (if it leads a partition), even rounds a node that is not.
        int partition = (r - 1) % opts.partitions();
        for (int i = 0; i < leaders.size(); i++) {
            if ((leaders.get(i) == controller) == (r % 2 == 1)) {
                partition = i;
                break;
            }
        }
        int leader = leaders.get(partition);
        await("acknowledgements flowing", 60_000, () -> System.nanoTime() - lastAckNanos.get() < 100_000_000L);
        Process p = nodes[leader - 1];
        firstAckAfterSignal.set(0);
        target = partition;
        java.time.LocalTime wall = java.time.LocalTime.now();
        long t0 = System.nanoTime();
        signalNanos.set(t0);
        if (mode.equals("kill")) p.destroyForcibly();
        else p.destroy();
        long electedAt = 0;
        long deadline = t0 + TimeUnit.SECONDS.toNanos(120);
        while (firstAckAfterSignal.get() == 0 || electedAt == 0) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("no failover within 120 s");
            if (electedAt == 0) {
                // A new leader, with the stopped node out of the ISR: not a stale image from before.
                List<TopicPartitionInfo> parts = partitions(admin, 1_000);
                TopicPartitionInfo now = parts == null ? null : parts.get(partition);
                if (now != null && now.leader() != null && !now.leader().isEmpty() && now.leader().id() != leader
                        && now.isr().stream().noneMatch(n -> n.id() == leader)) {
                    electedAt = System.nanoTime();
                }
            } else {
                Thread.sleep(5);
            }
        }
        long writeMs = (firstAckAfterSignal.get() - t0) / 1_000_000;
        long electedMs = (electedAt - t0) / 1_000_000;
        if (!p.waitFor(60, TimeUnit.SECONDS)) throw new IllegalStateException("node " + leader + " did not exit");
        Round result = new Round(mode, r, partition, leader, controller == leader, electedMs, writeMs);
        System.out.printf(Locale.ROOT, "%s %s round %d: node %d (%s of %s-%d) stopped, exit %d; new leader named "
                        + "after %d ms; first acks=all write after %d ms%n", wall, mode, r, leader,
                controller == leader ? "controller, leader" : "leader", TOPIC, partition, p.exitValue(),
                electedMs, writeMs);
        signalNanos.set(Long.MAX_VALUE);
        target = -1;
        start(leader);
        return result;
    }

    // ---------------------------------------------------------------------------------------------

    private Map<String, String> brokerProps(int nodeId) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("node.id", String.valueOf(nodeId));
        m.put("listeners", "127.0.0.1:" + kafkaPorts[nodeId - 1]);
        m.put("log.dirs", opts.work().resolve("node-" + nodeId).toString());
        StringJoiner voters = new StringJoiner(",");
        for (int i = 0; i < 3; i++) voters.add((i + 1) + "@127.0.0.1:" + jgroupsPorts[i]);
        m.put("controller.quorum.voters", voters.toString());
        m.put("cluster.name", "failover-bench");
        m.putAll(opts.brokerProps());
        return m;
    }

    private void start(int nodeId) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String o : opts.javaOpts().trim().split("\\s+")) if (!o.isEmpty()) cmd.add(o);
        // Milliseconds in the broker logs, to line them up with the rounds.
        cmd.add("-Djava.util.logging.SimpleFormatter.format=%1$tF %1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
        cmd.add("-jar");
        cmd.add(opts.jar().toString());
        for (Map.Entry<String, String> e : brokerProps(nodeId).entrySet()) cmd.add("--" + e.getKey() + "=" + e.getValue());
        File log = opts.work().resolve("node-" + nodeId + ".log").toFile();
        Files.writeString(log.toPath(), "# " + String.join(" ", cmd) + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        long offset = log.length();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
        nodes[nodeId - 1] = p;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            String text = Files.readString(log.toPath());
            if (text.length() > offset && text.substring((int) offset).contains("Tributary broker listening on")) return;
            if (!p.isAlive()) throw new IllegalStateException("node " + nodeId + " exited; see " + log);
            if (System.nanoTime() > deadline) throw new IllegalStateException("node " + nodeId + " not ready; see " + log);
            Thread.sleep(50);
        }
    }

    private void stopAll() throws InterruptedException {
        for (Process p : nodes) if (p != null && p.isAlive()) p.destroy();
        for (Process p : nodes) {
            if (p != null && !p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
        }
    }

    private void killAll() {
        for (Process p : nodes) if (p != null && p.isAlive()) p.destroyForcibly();
    }

    private String bootstrap() {
        StringJoiner j = new StringJoiner(",");
        for (int port : kafkaPorts) j.add("127.0.0.1:" + port);
        return j.toString();
    }

    private Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "20");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
        p.put(AdminClientConfig.METADATA_MAX_AGE_CONFIG, "500");
        return Admin.create(p);
    }

    private Map<String, String> producerProps() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(ProducerConfig.ACKS_CONFIG, "all");
        m.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        m.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        m.putAll(opts.producerProps());
        return m;
    }

    /** Sends records of 100 bytes, ~2 000 a second over the partitions in turn; notes when each is acknowledged. */
    private void produce() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.putAll(producerProps());
        Semaphore inFlight = new Semaphore(10_000);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            long seq = 0;
            while (running.get()) {
                if (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) continue;
                long sentAt = System.nanoTime();
                int partition = (int) (seq % opts.partitions());
                producer.send(new ProducerRecord<>(TOPIC, partition, null, new byte[100]), (md, e) -> {
                    inFlight.release();
                    long now = System.nanoTime();
                    if (e != null) {
                        failed.incrementAndGet();
                        lastFailure.set(String.valueOf(e));
                        return;
                    }
                    acked.incrementAndGet();
                    lastAckNanos.set(now);
                    if (partition == target && sentAt >= signalNanos.get()) firstAckAfterSignal.compareAndSet(0, now);
                });
                if (++seq % 2 == 0) Thread.sleep(1);
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void createTopic(Admin admin) throws Exception {
        await("3 brokers registered", 120_000, () -> {
            try {
                return admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size() == 3;
            } catch (Exception e) {
                return false;
            }
        });
        admin.createTopics(List.of(new NewTopic(TOPIC, opts.partitions(), (short) 3)
                        .configs(Map.of("min.insync.replicas", "2"))))
                .all().get(30, TimeUnit.SECONDS);
    }

    private List<TopicPartitionInfo> partitions(Admin admin, long timeoutMs) {
        try {
            TopicDescription d = admin.describeTopics(List.of(TOPIC)).allTopicNames()
                    .get(timeoutMs, TimeUnit.MILLISECONDS).get(TOPIC);
            return d == null || d.partitions().size() != opts.partitions() ? null : d.partitions();
        } catch (Exception e) {
            return null;
        }
    }

    /** Waits until every partition has all 3 replicas in the ISR under its preferred leader; returns the leaders. */
    private List<Integer> awaitStable(Admin admin) throws InterruptedException {
        AtomicReference<List<Integer>> leaders = new AtomicReference<>();
        await("every replica in the ISR under the preferred leader", 120_000, () -> {
            List<TopicPartitionInfo> parts = partitions(admin, 5_000);
            if (parts == null) return false;
            List<Integer> out = new ArrayList<>();
            for (TopicPartitionInfo p : parts) {
                if (p.leader() == null || p.leader().isEmpty() || p.isr().size() < 3) return false;
                if (p.leader().id() != p.replicas().get(0).id()) return false;
                out.add(p.leader().id());
            }
            leaders.set(out);
            return true;
        });
        return leaders.get();
    }

    private static void await(String what, long timeoutMs, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    private static void summary(List<Round> results, String mode, String which, java.util.function.Predicate<Round> filter) {
        List<Long> elected = new ArrayList<>();
        List<Long> write = new ArrayList<>();
        for (Round r : results) {
            if (!r.mode().equals(mode) || !filter.test(r)) continue;
            elected.add(r.electedMs());
            write.add(r.writeMs());
        }
        if (write.isEmpty()) return;
        System.out.printf(Locale.ROOT, "%-23s  %6d  %s   %s%n", mode + " (" + which + ")", write.size(), stats(elected),
                stats(write));
    }

    private static String stats(List<Long> values) {
        if (values.isEmpty()) return "-";
        List<Long> v = new ArrayList<>(values);
        Collections.sort(v);
        long median = v.size() % 2 == 1 ? v.get(v.size() / 2) : (v.get(v.size() / 2 - 1) + v.get(v.size() / 2)) / 2;
        return String.format(Locale.ROOT, "%6d / %6d / %6d", v.get(0), median, v.get(v.size() - 1));
    }

    static int[] freePorts(int n) throws IOException {
        int[] ports = new int[n];
        List<ServerSocket> open = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                open.add(s);
                ports[i] = s.getLocalPort();
            }
        } finally {
            for (ServerSocket s : open) s.close();
        }
        return ports;
    }
}
