package io.tributary.it;

import io.tributary.it.beans.ClusterStore;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.h2.tools.Server;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Two Payara Micro servers deploy {@code tributary.rar} in one cluster (nodes 1 and 2) with a
 * controller-only standalone broker (node 3) as the third voter of the metadata quorum. The
 * {@link ClusterStore} MDB group, deployed on both, consumes topic {@code cluster} (4 partitions,
 * replication factor 2, {@code min.insync.replicas=1}) into a shared H2 database in server mode,
 * which also holds the group's offsets. While a Kafka producer ({@code acks=all}, idempotent) keeps
 * sending, the server that coordinates the group is stopped cleanly (SIGTERM, Payara's orderly
 * shutdown); its partitions move to the other server, and every acknowledged record ends up in
 * the database exactly once.
 *
 * <p>Why these topic settings: replication factor 2 puts a copy of every partition on both
 * servers (the controller hosts none), so the survivor has every acknowledged record;
 * {@code min.insync.replicas=1} lets {@code acks=all} writes go on while the ISR is the survivor
 * alone (with 2 every write would be refused until the stopped server returned).
 * {@code offsets.topic.replication.factor=2} for the same reason: only two nodes host partitions.
 *
 * <p>Everything listens on 127.0.0.1: Kafka 19111–19113, JGroups 17811–17813, HTTP 18081–18082,
 * Hazelcast 6920 and 6930 (a cluster name of its own per server, so the two data grids stay
 * apart), H2 19120. Logs and data are under {@code target/cluster-run/}.
 */
class ClusterIT {
    private static final String HOST = "127.0.0.1";
    private static final int[] KAFKA = {0, 19111, 19112, 19113};
    private static final int[] JGROUPS = {0, 17811, 17812, 17813};
    private static final int[] HTTP = {0, 18081, 18082};
    private static final int[] HAZELCAST = {0, 6920, 6930};
    private static final int H2_PORT = 19120;
    private static final String DB_PASSWORD = "cluster";
    private static final int PARTITIONS = 4;
    private static final String BOOTSTRAP = HOST + ":" + KAFKA[1] + "," + HOST + ":" + KAFKA[2];
    private static final String VOTERS = "1@" + HOST + ":" + JGROUPS[1] + ",2@" + HOST + ":" + JGROUPS[2]
            + ",3@" + HOST + ":" + JGROUPS[3];
    /** Gap between two sends: about 50 records a second, well within what one server consumes alone. */
    private static final long SEND_INTERVAL_MS = 20;
    /** How long records keep being sent after the stopped server has exited. */
    private static final Duration SEND_AFTER_STOP = Duration.ofSeconds(20);

    private final List<Process> started = new ArrayList<>();
    private Server h2;
    private Path runDir;
    private String dbUrl;

    @AfterEach
    void stopEverything() throws InterruptedException {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
        if (h2 != null) h2.stop();
    }

    @Test
    void stoppingOneServerMovesItsPartitionsToTheOtherAndEveryRecordIsStoredExactlyOnce() throws Exception {
        // ResourceAdapterIT alone runs on WildFly; with -Dit.test=ClusterIT the WildFly executions select this class too.
        Assumptions.assumeTrue(System.getProperty("payara.dir") != null, "Payara Micro runs only");
        long t0 = System.nanoTime();
        Path payara = Path.of(System.getProperty("payara.dir"));
        runDir = payara.getParent().resolve("cluster-run");
        deleteTree(runDir);
        Files.createDirectories(runDir);
        String clusterName = "tributary-cluster-it-" + ProcessHandle.current().pid();

        startDatabase();
        Path war = runDir.resolve("tributary-cluster-it.war");
        ShrinkWrap.create(WebArchive.class, "tributary-cluster-it.war").addClass(ClusterStore.class)
                .as(ZipExporter.class).exportTo(war.toFile(), true);

        startController(clusterName);
        Process[] servers = {null, startPayara(1, clusterName, war), startPayara(2, clusterName, war)};
        awaitReady(servers[1], 1);
        awaitReady(servers[2], 2);
        log("both servers ready after %d s", seconds(t0));

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP))) {
            Producer producer = new Producer();
            producer.start();
            try {
                awaitTopic(admin);
                // Before the stop: the group spans both servers, and each stored records.
                waitFor(Duration.ofMinutes(3), "rows stored by both servers", () -> rowsByServer().keySet().containsAll(Set.of("1", "2")));
                waitFor(Duration.ofSeconds(30), "a stable group of 4 members", () -> groupMembers(admin) == 4);
                Map<String, Set<Integer>> before = partitionsByServer();
                log("before the stop: partitions by server %s, rows %s", before, rowsByServer());
                assertTrue(before.getOrDefault("1", Set.of()).size() > 0 && before.getOrDefault("2", Set.of()).size() > 0,
                        "the group's partitions were split between the servers: " + before);

                int coordinator = admin.describeConsumerGroups(List.of(ClusterStore.GROUP)).all().get()
                        .get(ClusterStore.GROUP).coordinator().id();
                // Stop the server that coordinates the group (so coordination has to move too), cleanly;
                // -Dtributary.it.cluster.stop=other stops the other one (the coordinator stays).
                int stopped = coordinator == 1 || coordinator == 2 ? coordinator : 2;
                if ("other".equals(System.getProperty("tributary.it.cluster.stop"))) stopped = 3 - stopped;
                int survivor = 3 - stopped;
                Set<Integer> moved = partitionsStoredBy(String.valueOf(stopped));
                long lastRowBefore = maxRowId();
                long stopAt = System.nanoTime();
                log("stopping server %d (group coordinator: node %d) with SIGTERM; its partitions %s; %d sent so far",
                        stopped, coordinator, moved, producer.sent.get());
                servers[stopped].destroy();
                if (!servers[stopped].waitFor(120, TimeUnit.SECONDS)) fail("server " + stopped + " did not stop within 120 s");
                // Payara Micro's shutdown hook stops the applications and the adapter, which closes its node; the
                // server's log handlers are closed by then, so the evidence is the node's clean-shutdown marker.
                assertTrue(Files.exists(runDir.resolve("server-" + stopped + "/tributary-data/broker/.clean_shutdown")),
                        "server " + stopped + " stopped cleanly: the adapter closed its node");
                log("server %d exited after %d ms (exit %d)", stopped, (System.nanoTime() - stopAt) / 1_000_000,
                        servers[stopped].exitValue());

                long firstMoved = awaitMovedRows(moved, String.valueOf(survivor), lastRowBefore, stopAt);
                log("first record of a moved partition stored by server %d %d ms after the stop began", survivor, firstMoved);

                Thread.sleep(SEND_AFTER_STOP.toMillis());
            } finally {
                producer.finish();
            }
            log("sent %d, acknowledged %d, failed %d", producer.sent.get(), producer.acked.size(), producer.failed.size());
            assertTrue(producer.failed.isEmpty(), "every send was acknowledged: " + producer.failed);

            Set<String> acked = new TreeSet<>(producer.acked.keySet());
            waitFor(Duration.ofMinutes(3), "every acknowledged record stored", () -> storedKeys().containsAll(acked));
            Thread.sleep(3000); // anything stored twice would have shown by now
            checkExactlyOnce(admin, acked, producer);
        }
        log("ClusterIT took %d s", seconds(t0));
    }

    // ---------------------------------------------------------------- checks

    private void checkExactlyOnce(Admin admin, Set<String> acked, Producer producer) throws Exception {
        try (Connection c = db(); Statement s = c.createStatement()) {
            List<String> duplicates = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT RECORD_KEY, COUNT(*), LISTAGG('row ' || ID || ' ' || SERVER || ':' "
                    + "|| SOURCE_PARTITION || '@' || SOURCE_OFFSET || ' by ' || THREAD, ', ') FROM CLUSTER_ROWS GROUP BY RECORD_KEY HAVING COUNT(*) > 1")) {
                while (rs.next()) duplicates.add(rs.getString(1) + " x" + rs.getInt(2) + " [" + rs.getString(3) + "]");
            }
            assertTrue(duplicates.isEmpty(), "records stored more than once: " + duplicates);
            Set<String> stored = storedKeys();
            Set<String> unexpected = new TreeSet<>(stored);
            unexpected.removeAll(acked);
            assertTrue(unexpected.isEmpty(), "rows of records never acknowledged: " + unexpected);
            assertEquals(acked, stored, "every acknowledged record stored");
        }
        // Each row is where the producer was told the record went, and the offset rows are the log ends.
        Map<Integer, Long> logEnd = new TreeMap<>();
        for (ProducerRecordAt at : producer.acked.values()) logEnd.merge(at.partition(), at.offset() + 1, Math::max);
        try (Connection c = db(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT RECORD_KEY, SOURCE_PARTITION, SOURCE_OFFSET FROM CLUSTER_ROWS")) {
            while (rs.next()) {
                ProducerRecordAt at = producer.acked.get(rs.getString(1));
                assertEquals(at, new ProducerRecordAt(rs.getInt(2), rs.getLong(3)), "row of " + rs.getString(1));
            }
        }
        Map<TopicPartition, org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(
                logEnd.keySet().stream().collect(Collectors.toMap(p -> new TopicPartition(ClusterStore.TOPIC, p),
                        p -> org.apache.kafka.clients.admin.OffsetSpec.latest()))).all().get();
        for (Map.Entry<Integer, Long> e : logEnd.entrySet()) {
            assertEquals(e.getValue(), ends.get(new TopicPartition(ClusterStore.TOPIC, e.getKey())).offset(),
                    "log end of partition " + e.getKey() + " on the survivor");
        }
        waitFor(Duration.ofSeconds(30), "offset rows at the log ends", () -> logEnd.equals(offsetRows()));
        assertEquals(logEnd, offsetRows(), "the group's offset rows are the log end offsets");
        log("exactly once: %d records in %d partitions; rows by server %s", acked.size(), logEnd.size(), rowsByServer());
    }

    /** Waits until the survivor stored a record of a partition the stopped server held; the time since {@code stopAt} in ms. */
    private long awaitMovedRows(Set<Integer> moved, String survivor, long afterRow, long stopAt) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            try (Connection c = db(); PreparedStatement ps = c.prepareStatement("SELECT DISTINCT SOURCE_PARTITION FROM CLUSTER_ROWS "
                    + "WHERE SERVER = ? AND ID > ?")) {
                ps.setString(1, survivor);
                ps.setLong(2, afterRow);
                Set<Integer> now = new TreeSet<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) now.add(rs.getInt(1));
                }
                if (now.containsAll(moved)) return (System.nanoTime() - stopAt) / 1_000_000;
            }
            Thread.sleep(200);
        }
        fail("server " + survivor + " never stored records of partitions " + moved + " after the stop; rows by server "
                + rowsByServer() + "; see the logs in " + runDir);
        return -1;
    }

    // ---------------------------------------------------------------- processes

    private void startDatabase() throws SQLException, IOException {
        // The H2 TCP server binds to this address (read when H2's SysProperties class loads).
        System.setProperty("h2.bindAddress", HOST);
        Path dir = runDir.resolve("h2");
        Files.createDirectories(dir);
        h2 = Server.createTcpServer("-tcpPort", Integer.toString(H2_PORT), "-ifNotExists").start();
        dbUrl = "jdbc:h2:tcp://" + HOST + ":" + H2_PORT + "/" + dir.toAbsolutePath() + "/cluster";
        try (Connection c = db(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE CLUSTER_ROWS (ID BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, RECORD_KEY VARCHAR(64), "
                    + "SOURCE_PARTITION INT, SOURCE_OFFSET BIGINT, SERVER VARCHAR(8), THREAD VARCHAR(128))");
            // The adapter creates it too (IF NOT EXISTS); created here so that four consumers do not race to.
            s.execute("CREATE TABLE TRIBUTARY_OFFSETS (GROUP_ID VARCHAR(255) NOT NULL, TOPIC VARCHAR(255) NOT NULL, "
                    + "PARTITION_ID INT NOT NULL, NEXT_OFFSET BIGINT NOT NULL, PRIMARY KEY (GROUP_ID, TOPIC, PARTITION_ID))");
        }
    }

    private Connection db() throws SQLException {
        return DriverManager.getConnection(dbUrl, "sa", DB_PASSWORD);
    }

    private void startController(String clusterName) throws Exception {
        Path dir = runDir.resolve("controller-3");
        Files.createDirectories(dir);
        Path config = dir.resolve("broker.properties");
        Files.writeString(config, String.join("\n",
                "node.id=3",
                "process.roles=controller",
                "controller.quorum.voters=" + VOTERS,
                "cluster.name=" + clusterName,
                "offsets.topic.replication.factor=2",
                "default.replication.factor=2",
                "num.partitions=" + PARTITIONS, ""));
        Path jar = Path.of(System.getProperty("payara.dir")).resolve("tributary-broker.jar");
        Path log = dir.resolve("broker.log");
        Process p = new ProcessBuilder(javaCommand(), "-Xmx256m", "-jar", jar.toString(), "--listen", HOST + ":" + KAFKA[3],
                "--data", dir.resolve("data").toString(), "--config", config.toString())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        started.add(p);
        waitFor(Duration.ofSeconds(60), "the controller node to start (" + log + ")", () -> {
            if (!p.isAlive()) throw new IllegalStateException("The controller node exited; see " + log);
            return read(log).contains("listening on");
        });
    }

    private Process startPayara(int node, String clusterName, Path war) throws IOException {
        Path payara = Path.of(System.getProperty("payara.dir"));
        Path dir = runDir.resolve("server-" + node);
        Files.createDirectories(dir);
        Path preboot = dir.resolve("preboot-commands.txt");
        // HTTP on loopback; the shared database as a server XA pool, for the MDB's rows and its offsets.
        Files.writeString(preboot, String.join("\n",
                "set configs.config.server-config.network-config.network-listeners.network-listener.http-listener.address=" + HOST,
                "create-jdbc-connection-pool --datasourceclassname org.h2.jdbcx.JdbcDataSource --restype javax.sql.XADataSource "
                        + "--property url=" + dbUrl.replace(":", "\\:") + ":user=sa:password=" + DB_PASSWORD + " tributary-cluster",
                "create-jdbc-resource --connectionpoolid tributary-cluster " + ClusterStore.DATASOURCE, ""));
        List<String> cmd = new ArrayList<>(List.of(javaCommand(), "-Xmx512m",
                "-Dhazelcast.socket.bind.any=false", "-Dhazelcast.phone.home.enabled=false",
                "-Dtributary.it.server=" + node,
                // The embedded node: its own id, Kafka port and data; the cluster's voters (node 3 is the controller).
                "-Dtributary.broker.node.id=" + node,
                "-Dtributary.broker.listeners=" + HOST + ":" + KAFKA[node],
                "-Dtributary.broker.controller.quorum.voters=" + VOTERS,
                "-Dtributary.broker.cluster.name=" + clusterName,
                "-Dtributary.broker.num.partitions=" + PARTITIONS,
                "-Dtributary.broker.default.replication.factor=2",
                "-Dtributary.broker.min.insync.replicas=1",
                "-Dtributary.broker.offsets.topic.replication.factor=2",
                "-Dtributary.broker.group.initial.rebalance.delay.ms=0",
                "-jar", payara.resolve("payara-micro.jar").toString(),
                "--deploy", payara.resolve("tributary.rar").toString(),
                "--deploy", war.toString(),
                "--port", Integer.toString(HTTP[node]),
                "--clustermode", "tcpip:" + HOST + ":" + HAZELCAST[node], "--startport", Integer.toString(HAZELCAST[node]),
                "--interfaces", HOST, "--clustername", clusterName + "-" + node, "--disablephonehome",
                "--rootdir", dir.resolve("payara-root").toString(),
                "--prebootcommandfile", preboot.toString()));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("payara.log").toFile()).start();
        started.add(p);
        return p;
    }

    private void awaitReady(Process p, int node) throws Exception {
        Path log = runDir.resolve("server-" + node + "/payara.log");
        waitFor(Duration.ofMinutes(5), "Payara Micro " + node + " to start (" + log + ")", () -> {
            if (!p.isAlive()) throw new IllegalStateException("Payara Micro " + node + " exited; see " + log);
            return read(log).contains("ready in");
        });
    }

    private static String javaCommand() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    // ---------------------------------------------------------------- the cluster and the database

    /**
     * Waits for topic {@code cluster}, which the MDBs' consumers (or the producer's first send)
     * create through Metadata with the brokers' defaults: 4 partitions, replication factor 2,
     * {@code min.insync.replicas=1}. Not with CreateTopics: Metadata names the Raft leader as the
     * controller, which may be the controller-only node 3 that clients cannot reach, and then the
     * Admin client never finds a node to send CreateTopics to.
     */
    private void awaitTopic(Admin admin) throws Exception {
        org.apache.kafka.common.Node controller = admin.describeCluster().controller().get(30, TimeUnit.SECONDS);
        log("brokers %s, controller %s", admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).stream().map(n -> n.id()).toList(),
                controller == null ? "not among the brokers (a controller-only node)" : "node " + controller.id());
        waitFor(Duration.ofMinutes(2), "topic " + ClusterStore.TOPIC + " with " + PARTITIONS + " partitions of 2 replicas", () -> {
            try {
                TopicDescription d = admin.describeTopics(List.of(ClusterStore.TOPIC)).allTopicNames().get(10, TimeUnit.SECONDS)
                        .get(ClusterStore.TOPIC);
                return d.partitions().size() == PARTITIONS && d.partitions().stream().allMatch(p -> p.replicas().size() == 2
                        && p.leader() != null);
            } catch (Exception e) {
                return false;
            }
        });
        TopicDescription d = admin.describeTopics(List.of(ClusterStore.TOPIC)).allTopicNames().get().get(ClusterStore.TOPIC);
        log("topic %s: %s", ClusterStore.TOPIC, d.partitions().stream().map(p -> p.partition() + " leader " + p.leader().id()
                + " replicas " + p.replicas().stream().map(n -> n.id()).toList() + " isr " + p.isr().stream().map(n -> n.id()).toList())
                .toList());
    }

    private int groupMembers(Admin admin) {
        try {
            ConsumerGroupDescription g = admin.describeConsumerGroups(List.of(ClusterStore.GROUP)).all().get(10, TimeUnit.SECONDS)
                    .get(ClusterStore.GROUP);
            int assigned = 0;
            for (MemberDescription m : g.members()) assigned += m.assignment().topicPartitions().isEmpty() ? 0 : 1;
            return assigned;
        } catch (Exception e) {
            return -1;
        }
    }

    /** Partitions whose most recent row each server stored. */
    private Map<String, Set<Integer>> partitionsByServer() throws SQLException {
        Map<String, Set<Integer>> out = new TreeMap<>();
        try (Connection c = db(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT r.SOURCE_PARTITION, r.SERVER FROM CLUSTER_ROWS r JOIN (SELECT SOURCE_PARTITION, "
                     + "MAX(ID) M FROM CLUSTER_ROWS GROUP BY SOURCE_PARTITION) l ON r.ID = l.M")) {
            while (rs.next()) out.computeIfAbsent(rs.getString(2), k -> new TreeSet<>()).add(rs.getInt(1));
        }
        return out;
    }

    private long maxRowId() throws SQLException {
        try (Connection c = db(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT MAX(ID) FROM CLUSTER_ROWS")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private Set<Integer> partitionsStoredBy(String server) throws SQLException {
        return partitionsByServer().getOrDefault(server, Set.of());
    }

    private Map<String, Long> rowsByServer() {
        Map<String, Long> out = new TreeMap<>();
        try (Connection c = db(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT SERVER, COUNT(*) FROM CLUSTER_ROWS GROUP BY SERVER")) {
            while (rs.next()) out.put(rs.getString(1), rs.getLong(2));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private Set<String> storedKeys() {
        Set<String> out = new TreeSet<>();
        try (Connection c = db(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT RECORD_KEY FROM CLUSTER_ROWS")) {
            while (rs.next()) out.add(rs.getString(1));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private Map<Integer, Long> offsetRows() {
        Map<Integer, Long> out = new TreeMap<>();
        try (Connection c = db(); PreparedStatement ps = c.prepareStatement(
                "SELECT PARTITION_ID, NEXT_OFFSET FROM TRIBUTARY_OFFSETS WHERE GROUP_ID = ? AND TOPIC = ?")) {
            ps.setString(1, ClusterStore.GROUP);
            ps.setString(2, ClusterStore.TOPIC);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getInt(1), rs.getLong(2));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    // ---------------------------------------------------------------- the producer

    record ProducerRecordAt(int partition, long offset) {
    }

    /** Sends key-i / value-i to topic cluster, one every {@link #SEND_INTERVAL_MS}, until finished; records every acknowledgement. */
    private static final class Producer extends Thread {
        final AtomicInteger sent = new AtomicInteger();
        final Map<String, ProducerRecordAt> acked = new ConcurrentHashMap<>();
        final Map<String, String> failed = new ConcurrentHashMap<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final KafkaProducer<String, String> producer;

        Producer() {
            super("cluster-it-producer");
            Map<String, Object> props = new HashMap<>();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "180000");
            props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
            producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
        }

        @Override
        public void run() {
            for (int i = 0; running.get(); i++) {
                String key = String.format("key-%06d", i);
                producer.send(new ProducerRecord<>(ClusterStore.TOPIC, key, "value-" + i), (md, e) -> {
                    if (e == null) acked.put(key, new ProducerRecordAt(md.partition(), md.offset()));
                    else failed.put(key, e.toString());
                });
                sent.incrementAndGet();
                try {
                    Thread.sleep(SEND_INTERVAL_MS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        /** Stops sending and waits for every outstanding acknowledgement. */
        void finish() throws InterruptedException {
            running.set(false);
            join(10_000);
            producer.flush();
            producer.close(Duration.ofSeconds(30));
        }
    }

    // ---------------------------------------------------------------- helpers

    private static void waitFor(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) return;
            Thread.sleep(250);
        }
        fail("Timed out after " + timeout.toSeconds() + " s waiting for " + what);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static long seconds(long since) {
        return (System.nanoTime() - since) / 1_000_000_000L;
    }

    private static void log(String format, Object... args) {
        System.out.printf("[ClusterIT] " + format + "%n", args);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
    }
}
