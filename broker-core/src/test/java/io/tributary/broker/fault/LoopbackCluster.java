package io.tributary.broker.fault;

import io.tributary.broker.client.BrokerProcess;
import io.tributary.broker.testing.Poll;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A cluster of broker processes ({@link BrokerProcess}), node {@code i} (1-based) on its own
 * loopback address {@code hosts[i-1]} (127.0.0.11, .12, .13 by default) for both its Kafka
 * listener and its JGroups address, so iptables rules on source and destination address can cut
 * any link between two nodes, or between the test's clients (127.0.0.1) and one node.
 *
 * <p>Guarantees: a node keeps its address, ports and data directory across restarts; every node
 * uses the same two port numbers (a Kafka port, a JGroups port), chosen once below the kernel's
 * ephemeral range so that no outgoing connection can hold a port a restarting node needs. Brokers
 * run from a copy of the class path's directories taken at construction (see
 * {@link #snapshotClassPath}), immune to a rebuild of the module while they run. Only
 * processes started here are ever signalled, always by their PID; {@link #close()} SIGKILLs every
 * one still running, paused or not, so a failing test leaves no broker behind.
 *
 * <p>Not thread-safe: one test thread drives it (starts of several nodes run in parallel inside
 * one call, because a node's start completes only once it is part of a quorum).
 */
public final class LoopbackCluster implements AutoCloseable {
    /** Exit codes as {@link Process#exitValue()} reports them: 128 + 9, 128 + 15. */
    public static final int SIGKILL_EXIT = 137;
    public static final int SIGTERM_EXIT = 143;

    private final Path dir;
    private final List<String> hosts;
    private final Map<String, String> settings;
    private final int kafkaPort;
    private final int jgroupsPort;
    private final BrokerProcess[] nodes;
    private final boolean[] paused;
    private final List<String> incarnations = new ArrayList<>();
    private final String classPath;

    /**
     * @param hosts    one loopback address per node, node 1 first
     * @param settings broker properties for every node (failure detection, lag time, ...)
     */
    public LoopbackCluster(Path dir, List<String> hosts, Map<String, String> settings, long portSeed) throws IOException {
        this.dir = dir;
        this.hosts = List.copyOf(hosts);
        this.settings = Map.copyOf(settings);
        int[] ports = freePorts(hosts, new Random(portSeed));
        this.kafkaPort = ports[0];
        this.jgroupsPort = ports[1];
        this.nodes = new BrokerProcess[hosts.size()];
        this.paused = new boolean[hosts.size()];
        this.classPath = snapshotClassPath(dir.resolve("classpath"));
    }

    /**
     * This JVM's class path with every directory entry ({@code target/classes}, ...) replaced by a
     * copy under {@code into}: brokers load classes lazily, and a concurrent rebuild of the module
     * (another {@code mvn} in the same tree) would otherwise take classes from under a running
     * broker. Jars are used in place.
     */
    private static String snapshotClassPath(Path into) throws IOException {
        List<String> entries = new ArrayList<>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path source = Path.of(entry);
            if (!Files.isDirectory(source)) {
                entries.add(entry);
                continue;
            }
            Path copy = into.resolve(String.valueOf(n++));
            try (java.util.stream.Stream<Path> files = Files.walk(source)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Path target = copy.resolve(source.relativize(f).toString());
                    if (Files.isDirectory(f)) Files.createDirectories(target);
                    else Files.copy(f, target);
                }
            }
            entries.add(copy.toAbsolutePath().toString());
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    /**
     * Two port numbers free on every host: a Kafka port and a JGroups port whose FD_SOCK2 range
     * (port + 100 to 104) is free as well, between 20000 and 32000 (below the ephemeral range).
     */
    private static int[] freePorts(List<String> hosts, Random random) throws IOException {
        for (int attempt = 0; attempt < 200; attempt++) {
            int kafka = 20_000 + random.nextInt(12_000);
            int jgroups = 20_000 + random.nextInt(11_800);
            if (Math.abs(kafka - jgroups) < 110) continue;
            List<Integer> needed = new ArrayList<>(List.of(kafka, jgroups));
            for (int i = 100; i < 105; i++) needed.add(jgroups + i);
            if (allFree(hosts, needed)) return new int[]{kafka, jgroups};
        }
        throw new IllegalStateException("no free pair of ports on " + hosts + " after 200 attempts");
    }

    private static boolean allFree(List<String> hosts, List<Integer> ports) throws IOException {
        for (String host : hosts) {
            for (int port : ports) {
                try (ServerSocket s = new ServerSocket()) {
                    s.setReuseAddress(false);
                    s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
                } catch (java.net.BindException e) {
                    return false;
                }
            }
        }
        return true;
    }

    public int size() {
        return nodes.length;
    }

    public String host(int nodeId) {
        return hosts.get(nodeId - 1);
    }

    public int kafkaPort() {
        return kafkaPort;
    }

    public int jgroupsPort() {
        return jgroupsPort;
    }

    public Path dataDir(int nodeId) {
        return dir.resolve("node-" + nodeId);
    }

    public String bootstrap() {
        StringJoiner j = new StringJoiner(",");
        for (String h : hosts) j.add(h + ":" + kafkaPort);
        return j.toString();
    }

    private String voters() {
        StringJoiner j = new StringJoiner(",");
        for (int i = 0; i < hosts.size(); i++) j.add((i + 1) + "@" + hosts.get(i) + ":" + jgroupsPort);
        return j.toString();
    }

    /** True when node {@code nodeId}'s process is running (paused counts as running). */
    public boolean isRunning(int nodeId) {
        BrokerProcess b = nodes[nodeId - 1];
        return b != null && b.isAlive();
    }

    /** Nodes whose process is expected to run but has exited, e.g. [2 (exit 1, log ...)]; empty if none. */
    public List<String> unexpectedlyDead() {
        List<String> dead = new ArrayList<>();
        for (int i = 0; i < nodes.length; i++) {
            BrokerProcess b = nodes[i];
            if (b != null && !b.isAlive()) dead.add("node " + (i + 1) + " (" + b + ")");
        }
        return dead;
    }

    /** Nodes with no running process (killed, or died), in id order. */
    public List<Integer> down() {
        List<Integer> out = new ArrayList<>();
        for (int id = 1; id <= nodes.length; id++) if (!isRunning(id)) out.add(id);
        return out;
    }

    /** Starts every node that is {@link #down()} (a dead process is reaped first), all together. */
    public void startDown() throws Exception {
        List<Integer> down = down();
        for (int id : down) {
            if (nodes[id - 1] != null) {
                nodes[id - 1].close();
                nodes[id - 1] = null;
            }
        }
        if (!down.isEmpty()) start(down);
    }

    /** SIGCONT to every node paused with {@link #pause}. */
    public void resumeAllPaused() throws IOException, InterruptedException {
        for (int id = 1; id <= nodes.length; id++) {
            if (paused[id - 1] && isRunning(id)) resume(id);
        }
    }

    /** Starts the given nodes (each must be down) in parallel and waits until all listen. */
    public void start(Collection<Integer> nodeIds) throws Exception {
        Map<Integer, CompletableFuture<BrokerProcess>> starts = new LinkedHashMap<>();
        for (int id : nodeIds) {
            if (nodes[id - 1] != null) throw new IllegalStateException("node " + id + " is already running: " + nodes[id - 1]);
            starts.put(id, CompletableFuture.supplyAsync(() -> {
                try {
                    return BrokerProcess.start(dataDir(id), host(id) + ":" + kafkaPort, props(id), classPath);
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            }, threadPerTask("start-node-" + id)));
        }
        Exception failed = null;
        for (Map.Entry<Integer, CompletableFuture<BrokerProcess>> e : starts.entrySet()) {
            try {
                BrokerProcess b = e.getValue().get(150, TimeUnit.SECONDS);
                nodes[e.getKey() - 1] = b;
                paused[e.getKey() - 1] = false;
                incarnations.add("node " + e.getKey() + ": pid " + b.pid() + ", log " + b.logFile());
            } catch (ExecutionException | java.util.concurrent.TimeoutException ex) {
                Exception cause = ex instanceof ExecutionException && ex.getCause() instanceof Exception c ? c : ex;
                IllegalStateException named = new IllegalStateException("node " + e.getKey() + " did not start: "
                        + cause.getMessage(), cause);
                if (failed == null) failed = named;
                else failed.addSuppressed(named);
            }
        }
        if (failed != null) throw failed;
    }

    /**
     * A thread of its own for each blocking start or stop: the common pool may have fewer threads
     * than nodes, and a node's start blocks until enough others have started to form a quorum.
     */
    private static java.util.concurrent.Executor threadPerTask(String name) {
        return task -> {
            Thread t = new Thread(task, name);
            t.setDaemon(true);
            t.start();
        };
    }

    public void startAll() throws Exception {
        List<Integer> all = new ArrayList<>();
        for (int id = 1; id <= nodes.length; id++) all.add(id);
        start(all);
    }

    private Map<String, String> props(int nodeId) {
        Map<String, String> p = new HashMap<>(settings);
        p.put("node.id", String.valueOf(nodeId));
        p.put("listeners", host(nodeId) + ":" + kafkaPort);
        p.put("controller.quorum.voters", voters());
        return p;
    }

    /** SIGKILL to node {@code nodeId}; returns once it is gone. Fails if its exit code is not 137. */
    public void kill(int nodeId) throws InterruptedException {
        BrokerProcess b = running(nodeId);
        int exit = b.kill();
        nodes[nodeId - 1] = null;
        paused[nodeId - 1] = false;
        if (exit != SIGKILL_EXIT) {
            throw new IllegalStateException("node " + nodeId + " exited with " + exit + ", not " + SIGKILL_EXIT
                    + ", on SIGKILL (it had died before?); output in " + b.logFile());
        }
    }

    /** SIGSTOP: the process stays, frozen; its sockets stay open but nothing answers. */
    public void pause(int nodeId) throws IOException, InterruptedException {
        signal(running(nodeId), "-STOP");
        paused[nodeId - 1] = true;
    }

    /** SIGCONT to a node paused with {@link #pause}. */
    public void resume(int nodeId) throws IOException, InterruptedException {
        signal(running(nodeId), "-CONT");
        paused[nodeId - 1] = false;
    }

    private BrokerProcess running(int nodeId) {
        BrokerProcess b = nodes[nodeId - 1];
        if (b == null || !b.isAlive()) {
            throw new IllegalStateException("node " + nodeId + " is not running" + (b == null ? "" : ": " + b));
        }
        return b;
    }

    private static void signal(BrokerProcess b, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", signal, String.valueOf(b.pid())).redirectErrorStream(true).start();
        String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill " + signal + " " + b.pid() + " failed: " + out.trim());
        }
    }

    /**
     * SIGTERM to every running node at once (SIGCONT first to a paused one); returns a problem
     * per node that did not exit with 143 or left no {@code .clean_shutdown} marker (empty if
     * all shut down cleanly). Afterwards no node runs and every data directory can be opened.
     */
    public List<String> stopAll() throws Exception {
        Map<Integer, CompletableFuture<String>> stops = new LinkedHashMap<>();
        for (int id = 1; id <= nodes.length; id++) {
            if (nodes[id - 1] == null) continue;
            int n = id;
            stops.put(id, CompletableFuture.supplyAsync(() -> {
                try {
                    return stop(n);
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            }, threadPerTask("stop-node-" + id)));
        }
        List<String> problems = new ArrayList<>();
        for (Map.Entry<Integer, CompletableFuture<String>> e : stops.entrySet()) {
            try {
                String problem = e.getValue().get(150, TimeUnit.SECONDS);
                if (problem != null) problems.add(problem);
            } catch (ExecutionException | java.util.concurrent.TimeoutException ex) {
                problems.add("node " + e.getKey() + " did not stop on SIGTERM: " + ex);
            }
        }
        return problems;
    }

    /**
     * SIGTERM to node {@code nodeId} (SIGCONT first if paused) and waits for it to exit; returns the
     * problem if it did not exit with 143 or left no {@code .clean_shutdown} marker, else null.
     * Afterwards the node is down, whatever happened.
     */
    public String stop(int nodeId) throws Exception {
        BrokerProcess b = nodes[nodeId - 1];
        if (b == null) return null;
        try {
            if (paused[nodeId - 1]) resume(nodeId);
            // ProcessHandle.destroy() (unlike Process.destroy() in BrokerProcess.stop()) leaves the output
            // stream open, so the shutdown log reaches the log file; stop() then collects the exit code.
            ProcessHandle handle = ProcessHandle.of(b.pid()).orElse(null);
            if (handle != null) {
                handle.destroy();
                handle.onExit().get(90, TimeUnit.SECONDS);
            }
            Poll.within(Duration.ofSeconds(5), Duration.ofMillis(20),
                    () -> Files.readString(b.logFile()).contains("# exited with"));
            int exit = b.stop();
            if (exit != SIGTERM_EXIT) {
                return "node " + nodeId + " exited with " + exit + " on SIGTERM, not " + SIGTERM_EXIT + "; output in "
                        + b.logFile();
            }
            if (!Files.exists(dataDir(nodeId).resolve(".clean_shutdown"))) {
                return "node " + nodeId + " left no .clean_shutdown marker; output in " + b.logFile();
            }
            return null;
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            b.close();
            return "node " + nodeId + " did not stop on SIGTERM: " + e + "; output in " + b.logFile();
        } finally {
            nodes[nodeId - 1] = null;
            paused[nodeId - 1] = false;
        }
    }

    /** The output file of node {@code nodeId}'s current process. */
    public Path logFile(int nodeId) {
        return running(nodeId).logFile();
    }

    /**
     * Established TCP connections to a node's JGroups ports (the transport's, and FD_SOCK2's at
     * +100 to +104) whose local end is not a node address (e.g. 127.0.0.1): traffic that iptables
     * rules on node addresses would not cut, each prefixed with the protocol it belongs to. Empty
     * when every node binds its outgoing sockets to its own address. Uses {@code ss}.
     */
    public List<String> connectionsNotFromNodeAddresses() throws IOException, InterruptedException {
        Process ss = new ProcessBuilder("ss", "-Htn", "state", "established").redirectErrorStream(true).start();
        String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!ss.waitFor(10, TimeUnit.SECONDS) || ss.exitValue() != 0) {
            throw new IllegalStateException("ss failed: " + out.trim());
        }
        Set<String> nodeHosts = Set.copyOf(hosts);
        List<String> wrong = new ArrayList<>();
        for (String line : out.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 4) continue;
            String local = f[f.length - 2];
            String peer = f[f.length - 1];
            String peerHost = host(peer);
            int peerPort = Integer.parseInt(peer.substring(peer.lastIndexOf(':') + 1));
            String localHost = host(local);
            boolean toTransport = peerPort == jgroupsPort;
            boolean toFdSock = peerPort >= jgroupsPort + 100 && peerPort < jgroupsPort + 105;
            if ((toTransport || toFdSock) && nodeHosts.contains(peerHost) && !nodeHosts.contains(localHost)) {
                wrong.add((toTransport ? "JGroups TCP " : "FD_SOCK2 ") + local + " -> " + peer);
            }
        }
        return wrong;
    }

    /**
     * The IPv4 host of an {@code ss} address: {@code 127.0.0.1:4000} and the IPv4-mapped form Java's
     * dual-stack sockets show, {@code [::ffff:127.0.0.1]:4000}, both give {@code 127.0.0.1}.
     */
    static String host(String ssAddress) {
        String h = ssAddress.substring(0, ssAddress.lastIndexOf(':'));
        if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
        if (h.toLowerCase(java.util.Locale.ROOT).startsWith("::ffff:")) h = h.substring("::ffff:".length());
        return h;
    }

    /** Every process started so far, with its log file, oldest first (for reports). */
    public List<String> incarnations() {
        return List.copyOf(incarnations);
    }

    /** SIGKILLs every node still running, by PID; idempotent. */
    @Override
    public void close() throws InterruptedException {
        for (int i = 0; i < nodes.length; i++) {
            if (nodes[i] != null) {
                nodes[i].close();
                nodes[i] = null;
                paused[i] = false;
            }
        }
    }
}
