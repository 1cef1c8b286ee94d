package io.tributary.broker.cluster;

import io.tributary.broker.testing.Poll;
import io.tributary.broker.testing.SuiteTags;
import io.tributary.broker.testing.TestCertificates;
import io.tributary.broker.txn.TransactionStateStore;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A three-node cluster whose link is secured ({@code cluster.link.security.protocol=SSL}, each node
 * with its own certificate signed by the cluster's authority): replication, failover and
 * transactions across nodes work as on a plain link; the JGroups port of a node speaks only TLS and
 * only to a peer with a trusted certificate; a node with a certificate from another authority, or
 * with no security settings at all, stays out of the view (and the refusal is logged), while the
 * same node with the cluster's credentials joins; plaintext JGroups bytes, random bytes and a silent
 * connection on a node's JGroups port leave the node and the cluster working.
 */
@Tag(SuiteTags.PROCESS)
class SecuredClusterLinkTest {
    private static final String PASSWORD = TestCertificates.PASSWORD;
    @TempDir
    static Path certDir;
    private static TestCertificates certificates;
    private static final Map<Integer, Path> nodeKeys = new HashMap<>();
    private static Path strangerKeys;
    private static Path strangerTrust;

    @TempDir
    Path dir;
    private final List<String> linkLog = new CopyOnWriteArrayList<>();
    /** Held strongly: JUL keeps loggers weakly, and a collected one would lose the handler. */
    private final Logger linkLogger = Logger.getLogger(ClusterLinkTls.class.getName());
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            linkLog.add(r.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    static void certificates() throws Exception {
        certificates = TestCertificates.create(certDir);
        for (int id = 1; id <= 3; id++) nodeKeys.put(id, certificates.keyStore("node-" + id, "CN=node-" + id + ",O=Tributary"));
        // A certificate the cluster does not trust, with the node-3 name; the stranger trusts only itself.
        strangerKeys = certificates.selfSigned("stranger", "CN=node-3,O=Tributary");
        strangerTrust = strangerKeys;
    }

    @BeforeEach
    void captureLinkLog() {
        linkLogger.addHandler(capture);
    }

    @AfterEach
    void stopCapture() {
        linkLogger.removeHandler(capture);
    }

    /** The settings every node shares: a secured link, an SSL listener, the cluster's trust store. */
    private static Map<String, String> secured() {
        return Map.of(
                "cluster.link.security.protocol", "SSL",
                "ssl.keystore.type", "PKCS12",
                "ssl.keystore.password", PASSWORD,
                "ssl.truststore.location", certificates.trustStore().toString(),
                "ssl.truststore.type", "PKCS12",
                "ssl.truststore.password", PASSWORD);
    }

    private ClusterHarness securedCluster(Map<String, String> more) throws IOException {
        Map<String, String> extra = new HashMap<>(secured());
        extra.putAll(more);
        return new ClusterHarness(dir, 3, extra, id -> Map.of("ssl.keystore.location", nodeKeys.get(id).toString()), "SSL");
    }

    /** What a Kafka client needs for the nodes' SSL listeners. */
    private static Map<String, Object> clientTls() {
        return Map.of(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL",
                SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, certificates.trustStore().toString(),
                SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12",
                SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, PASSWORD);
    }

    private static Admin admin(ClusterHarness cluster) {
        Map<String, Object> m = new HashMap<>(clientTls());
        m.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        return Admin.create(m);
    }

    @Test
    @Timeout(400)
    void acknowledgedRecordsSurviveLeaderStopsAndCrashesOverTheSecuredLink() throws Exception {
        try (ClusterHarness cluster = securedCluster(Map.of())) {
            cluster.startAll();
            for (int id = 1; id <= 3; id++) assertSpeaksOnlyMutualTls(cluster.jgroupsPort(id));
            String topic = ReplicatedFailoverTest.TOPIC;
            int partitions = ReplicatedFailoverTest.PARTITIONS;
            try (Admin admin = admin(cluster)) {
                admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 3)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get();
            }
            FailoverWorkload load = new FailoverWorkload(cluster.bootstrap(), topic, partitions, clientTls());
            load.start();
            try {
                load.awaitAcked(500);
                for (int round = 0; round < 2; round++) {
                    int leader = cluster.leaderOf(new TopicPartition(topic, 0));
                    long before = load.acked();
                    if (round == 0) {
                        cluster.stop(leader);
                    } else {
                        cluster.node(leader).halt();
                        cluster.forget(leader);
                    }
                    load.awaitAcked(before + 300);
                    cluster.start(leader);
                    cluster.awaitFullIsr(topic);
                    load.awaitAcked(load.acked() + 300);
                }
            } finally {
                load.stop();
            }
            assertTrue(load.failures().isEmpty(), "the producer gave up on records: " + load.failures());
            ReplicatedFailoverTest.verifyReplicas(cluster, load);
        }
    }

    @Test
    @Timeout(300)
    void transactionMarkersReachLeadersOnOtherNodesOverTls() throws Exception {
        Map<String, String> extra = Map.of("transaction.state.log.num.partitions", "3",
                "transaction.state.log.replication.factor", "3", "transaction.state.log.min.isr", "2");
        try (ClusterHarness cluster = securedCluster(extra)) {
            cluster.startAll();
            String topic = "ledger";
            try (Admin admin = admin(cluster)) {
                admin.createTopics(List.of(new NewTopic(topic, 3, (short) 3))).all().get();
            }
            cluster.awaitFullIsr(topic);
            Set<Integer> leaders = new HashSet<>();
            for (int p = 0; p < 3; p++) leaders.add(cluster.leaderOf(new TopicPartition(topic, p)));
            assertEquals(3, leaders.size(), "one partition led by each node, so markers cross the link");
            Properties p = new Properties();
            p.putAll(clientTls());
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "ledger-writer");
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
            Set<String> expected = new HashSet<>();
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                producer.initTransactions();
                cluster.awaitFullIsr(TransactionStateStore.TOPIC);
                for (int t = 0; t < 3; t++) {
                    producer.beginTransaction();
                    for (int i = 0; i < 30; i++) {
                        String v = "t" + t + "-" + i;
                        producer.send(new ProducerRecord<>(topic, i % 3, "k", v));
                        if (t != 1) expected.add(v);
                    }
                    producer.flush();
                    if (t == 1) producer.abortTransaction();
                    else producer.commitTransaction();
                }
            }
            assertEquals(expected, new HashSet<>(readCommitted(cluster, topic, 3, expected.size())));
        }
    }

    @Test
    @Timeout(300)
    void aNodeWithAnUntrustedCertificateCannotJoinButWithTheClustersCertificateItCan() throws Exception {
        try (ClusterHarness cluster = securedCluster(Map.of())) {
            cluster.start(1);
            cluster.start(2);
            awaitView(cluster, Set.of(1, 2), 1, 2);
            cluster.start(3, Map.of("ssl.keystore.location", strangerKeys.toString(),
                    "ssl.truststore.location", strangerTrust.toString()));
            assertStaysOut(cluster);
            assertTrue(linkLog.stream().anyMatch(m -> m.startsWith("Node 3 (cluster link): refused the certificate of node")
                            && (m.contains("CN=node-1") || m.contains("CN=node-2"))),
                    "node 3 logs why it cannot reach the others: " + linkLog);
            assertTrue(linkLog.stream().anyMatch(m -> m.startsWith("Node 1 (cluster link): refused the certificate")
                            || m.startsWith("Node 2 (cluster link): refused the certificate")),
                    "the cluster's nodes log the stranger's certificate: " + linkLog);
            cluster.stop(3);

            cluster.start(3);
            awaitView(cluster, Set.of(1, 2, 3), 1, 2, 3);
        }
    }

    @Test
    @Timeout(300)
    void aNodeWithoutSecuritySettingsCannotJoinASecuredCluster() throws Exception {
        try (ClusterHarness cluster = securedCluster(Map.of())) {
            cluster.start(1);
            cluster.start(2);
            awaitView(cluster, Set.of(1, 2), 1, 2);
            Map<String, String> plain = new HashMap<>();
            for (String k : secured().keySet()) plain.put(k, null);
            plain.put("ssl.keystore.location", null);
            plain.put("listeners", cluster.config(3).get("listeners").replace("SSL://", ""));
            cluster.start(3, plain);
            assertStaysOut(cluster);
            assertTrue(linkLog.stream().anyMatch(m -> (m.startsWith("Node 1 (cluster link): refused a connection from")
                            || m.startsWith("Node 2 (cluster link): refused a connection from"))
                            && m.contains("the TLS handshake did not complete")),
                    "the cluster's nodes log why they refuse the plaintext node: " + linkLog);
        }
    }

    @Test
    @Timeout(300)
    void plaintextRandomAndSilentConnectionsLeaveASecuredNodeWorking() throws Exception {
        try (ClusterHarness cluster = securedCluster(Map.of())) {
            cluster.startAll();
            int port = cluster.jgroupsPort(1);
            // A silent connection, held open while the rest goes on.
            try (Socket silent = new Socket("127.0.0.1", port)) {
                // What a node without TLS sends first: JGroups' cookie, its version, then an address.
                byte[] jgroups = {'b', 'e', 'l', 'a', 5, 4, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
                assertClosedByPeer(port, jgroups);
                Random random = new Random(14);
                for (int i = 0; i < 5; i++) {
                    byte[] junk = new byte[1 + random.nextInt(64 * 1024)];
                    random.nextBytes(junk);
                    assertClosedByPeer(port, junk);
                }
                // A TLS record header announcing an absurd length, then nothing.
                assertClosedByPeer(port, new byte[] {0x16, 0x03, 0x03, (byte) 0xff, (byte) 0xff, 1, 0, 0});
                assertSpeaksOnlyMutualTls(port);
                assertTrue(linkLog.stream().anyMatch(m -> m.startsWith("Node 1 (cluster link): refused a connection from")),
                        "node 1 logs the connections it refused: " + linkLog);

                // The node is still a member, and replication through it works.
                awaitView(cluster, Set.of(1, 2, 3), 1, 2, 3);
                try (Admin admin = admin(cluster)) {
                    admin.createTopics(List.of(new NewTopic("after-junk", 1, (short) 3))).all().get();
                }
                cluster.awaitFullIsr("after-junk");
                Properties p = new Properties();
                p.putAll(clientTls());
                p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
                p.put(ProducerConfig.ACKS_CONFIG, "all");
                try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                    for (int i = 0; i < 100; i++) producer.send(new ProducerRecord<>("after-junk", "k", "v" + i)).get();
                }
                cluster.awaitConverged(new TopicPartition("after-junk", 0));
                assertEquals(100, cluster.node(1).logs().get(new TopicPartition("after-junk", 0)).orElseThrow().logEndOffset());
            }
        }
    }

    /** Node 3 sees only itself and nodes 1 and 2 see only each other, for longer than discovery and merging take. */
    private static void assertStaysOut(ClusterHarness cluster) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < until) {
            assertEquals(Set.of(1, 2), live(cluster, 1), "node 1's view");
            assertEquals(Set.of(1, 2), live(cluster, 2), "node 2's view");
            assertEquals(Set.of(3), live(cluster, 3), "node 3's view");
            Thread.sleep(200);
        }
    }

    private static Set<Integer> live(ClusterHarness cluster, int id) {
        return cluster.node(id).cluster().orElseThrow().quorum().channel().liveNodes();
    }

    private static void awaitView(ClusterHarness cluster, Set<Integer> view, int... nodes) throws InterruptedException {
        Poll.until("the view " + view, Duration.ofSeconds(30), () -> {
            for (int id : nodes) if (!live(cluster, id).equals(view)) return false;
            return true;
        });
    }

    /** Sends {@code bytes} to the port and expects the node to close the connection rather than answer. */
    private static void assertClosedByPeer(int port, byte[] bytes) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(bytes);
                out.flush();
            } catch (IOException closedWhileWriting) {
                return;
            }
            InputStream in = s.getInputStream();
            try {
                // A TLS server may answer a malformed hello with an alert record; it must then close.
                byte[] buf = new byte[4096];
                int total = 0;
                int n;
                while ((n = in.read(buf)) >= 0) {
                    total += n;
                    assertTrue(total < 64, "the node answered " + total + " bytes to junk");
                }
            } catch (java.net.SocketException reset) {
                // closed with a reset: fine
            }
        }
    }

    /**
     * The port completes a TLS handshake with a client that presents a certificate the cluster
     * trusts, and refuses one that presents none.
     */
    private static void assertSpeaksOnlyMutualTls(int port) throws Exception {
        SSLContext withCert = context(nodeKeys.get(1));
        try (SSLSocket s = (SSLSocket) withCert.getSocketFactory().createSocket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(5000);
            s.startHandshake();
            assertTrue(s.getSession().getPeerCertificates().length > 0);
        }
        SSLContext withoutCert = context(null);
        assertThrows(IOException.class, () -> {
            try (SSLSocket s = (SSLSocket) withoutCert.getSocketFactory().createSocket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                s.setSoTimeout(5000);
                s.startHandshake();
                // With TLS 1.3 the server's refusal of a missing certificate arrives after the client's handshake.
                s.getOutputStream().write(1);
                s.getOutputStream().flush();
                if (s.getInputStream().read() < 0) throw new IOException("closed by the node");
            }
        }, "a client without a certificate is refused");
    }

    private static SSLContext context(Path keyStore) throws Exception {
        KeyManagerFactory keys = null;
        if (keyStore != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keyStore)) {
                ks.load(in, PASSWORD.toCharArray());
            }
            keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(ks, PASSWORD.toCharArray());
        }
        KeyStore ts = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(certificates.trustStore())) {
            ts.load(in, PASSWORD.toCharArray());
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(ts);
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
        return c;
    }

    private static List<String> readCommitted(ClusterHarness cluster, String topic, int partitions, int expected)
            throws InterruptedException {
        Properties p = new Properties();
        p.putAll(clientTls());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int i = 0; i < partitions; i++) tps.add(new TopicPartition(topic, i));
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Poll.until(expected + " committed records (" + values.size() + " so far)", Duration.ofSeconds(60),
                    Duration.ofMillis(1), () -> {
                        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) values.add(r.value());
                        return values.size() >= expected;
                    });
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) values.add(r.value());
        }
        return values;
    }
}
