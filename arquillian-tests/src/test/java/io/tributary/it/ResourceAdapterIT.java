package io.tributary.it;

import io.tributary.api.OutgoingRecord;
import io.tributary.api.SentRecord;
import io.tributary.api.TributaryConnection;
import io.tributary.api.TributaryConnectionFactory;
import io.tributary.examples.Order;
import io.tributary.examples.OrderService;
import io.tributary.examples.RestApplication;
import io.tributary.examples.TributaryResources;
import io.tributary.it.beans.Deliveries;
import io.tributary.it.client.KafkaSide;
import jakarta.annotation.Resource;
import jakarta.inject.Inject;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.Archive;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.sql.DataSource;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The adapter in an application server, started once for all of these: the examples' EJB sends
 * through the injected factory, their MDBs store orders exactly once with offsets in the same
 * transaction, failing records are redelivered and dead-lettered, partitions are consumed in
 * parallel, the HTTP quick-start works, and a consumer killed by an unexpected exception is
 * reported through the adapter's MBeans (every server) and {@code /health/ready} and
 * {@code /metrics} (Payara Micro) until it comes back. The build runs this class on Payara Micro (rar + war)
 * and on WildFly twice (the EAR; rar + war): see {@link ScenarioDeployments} and the failsafe
 * executions of this module.
 */
@ExtendWith(ArquillianExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public class ResourceAdapterIT {
    private static final int ORDERS = 10_000;

    /** The examples as users deploy them, plus the test beans; which packaging depends on the server run. */
    @Deployment
    public static Archive<?> deployment() {
        return ScenarioDeployments.scenarios(ResourceAdapterIT.class);
    }

    @Inject
    OrderService orders;

    @Resource(lookup = TributaryResources.FACTORY)
    TributaryConnectionFactory factory;

    @Resource(lookup = TributaryResources.DATASOURCE)
    DataSource dataSource;

    @ArquillianResource(RestApplication.class)
    URL restBase;

    @Test
    @org.junit.jupiter.api.Order(1)
    void tenThousandOrdersAreStoredExactlyOnceInPartitionOrderWithOffsetRowsAtTheLogEnd() throws Exception {
        // The EJB sends in its JTA transaction: each batch is a Kafka transaction, so a commit marker
        // follows each batch's records in every partition and record offsets are not contiguous.
        Map<Integer, List<Long>> sentOffsets = new HashMap<>();
        for (int chunk = 0; chunk < ORDERS / 1000; chunk++) {
            List<Order> batch = new ArrayList<>();
            for (int i = chunk * 1000; i < (chunk + 1) * 1000; i++) batch.add(new Order("order-" + i, "customer-" + (i % 17), i));
            for (SentRecord s : orders.placeAll(batch)) {
                sentOffsets.computeIfAbsent(s.partition(), p -> new ArrayList<>()).add(s.offset());
            }
        }
        assertEquals(4, sentOffsets.size(), "the orders went to all 4 partitions");
        Map<Integer, Long> logEnd = new HashMap<>();
        sentOffsets.forEach((p, offsets) -> {
            offsets.sort(null);
            logEnd.put(p, offsets.get(offsets.size() - 1) + 1);
        });

        waitUntil(Duration.ofMinutes(4), () -> query("SELECT COUNT(*) FROM ORDERS") >= ORDERS);
        assertEquals(ORDERS, query("SELECT COUNT(DISTINCT ID) FROM ORDERS"));
        assertEquals(ORDERS, query("SELECT COUNT(*) FROM ORDERS"));
        for (Map.Entry<Integer, List<Long>> e : sentOffsets.entrySet()) {
            assertEquals(e.getValue(), offsetsInStoreOrder(e.getKey()),
                    "partition " + e.getKey() + ": one row per record, stored in offset order");
        }
        waitUntil(Duration.ofSeconds(30), () -> logEnd.equals(offsetRows("order-store", "orders")));
        assertEquals(logEnd, offsetRows("order-store", "orders"), "offset rows follow each partition's last record");

        waitUntil(Duration.ofMinutes(2), () -> query("SELECT COUNT(*) FROM ORDER_AUDIT") >= ORDERS);
        assertEquals(ORDERS, query("SELECT COUNT(*) FROM ORDER_AUDIT"), "the batch MDB audited each record once");
        waitUntil(Duration.ofSeconds(30), () -> logEnd.equals(offsetRows("order-audit", "orders")));
        assertEquals(logEnd, offsetRows("order-audit", "orders"));
    }

    @Test
    @org.junit.jupiter.api.Order(2)
    void failingRecordsAreRedeliveredAtTheSameOffsetRolledBackAndThenDeadLettered() throws Exception {
        String[] values = {"ok-1", "poison", "ok-2", "rollback-only", "ok-3"};
        try (TributaryConnection c = factory.getConnection()) {
            for (String v : values) c.send(OutgoingRecord.of("flaky", v, v).toPartition(0)).toCompletableFuture().join();
        }
        waitUntil(Duration.ofMinutes(2), () -> flakyValues().contains("ok-3") && offsetRows("flaky-store", "flaky").getOrDefault(0, 0L) == 5L);
        assertEquals(List.of("ok-1", "ok-2", "ok-3"), flakyValues(), "rows of failed deliveries were rolled back");
        assertEquals(3, Deliveries.attempts("flaky", 0, 1), "poison delivered once and redelivered twice at offset 1");
        assertEquals(3, Deliveries.attempts("flaky", 0, 3), "setRollbackOnly also redelivers, at offset 3");
        assertEquals(1, Deliveries.attempts("flaky", 0, 2));
        assertEquals(Map.of(0, 5L), offsetRows("flaky-store", "flaky"));
    }

    @Test
    @org.junit.jupiter.api.Order(3)
    @RunAsClient
    void theDeadLetterTopicHoldsTheFailedRecordsWithTheReason() {
        List<Map<String, String>> dead = KafkaSide.readAll(System.getProperty("tributary.bootstrap"), "flaky.DLT");
        assertEquals(2, dead.size(), dead.toString());
        Map<String, String> poison = dead.stream().filter(m -> "poison".equals(m.get("@value"))).findFirst().orElseThrow();
        Map<String, String> rolledBack = dead.stream().filter(m -> "rollback-only".equals(m.get("@value"))).findFirst().orElseThrow();
        assertEquals("flaky", poison.get("tributary.dlt.topic"));
        assertEquals("0", poison.get("tributary.dlt.partition"));
        assertEquals("1", poison.get("tributary.dlt.offset"));
        assertEquals("3", poison.get("tributary.dlt.attempts"));
        assertTrue(poison.get("tributary.dlt.stacktrace").contains("poison record at offset 1"), poison.get("tributary.dlt.stacktrace"));
        assertEquals("3", rolledBack.get("tributary.dlt.offset"));
        assertEquals("3", rolledBack.get("tributary.dlt.attempts"));
        assertTrue(KafkaSide.readAll(System.getProperty("tributary.bootstrap"), "orders.DLT").isEmpty(),
                "no order was dead-lettered (a duplicate insert would have been)");
    }

    @Inject
    io.tributary.it.beans.TransactionalSender sender;

    @Test
    @org.junit.jupiter.api.Order(5)
    void sendsInsideATransactionThatRollsBackAreNeverVisible() {
        sender.sendAndCommit("tx-sends", "committed");
        try {
            sender.sendAndThrow("tx-sends", "thrown");
        } catch (jakarta.ejb.EJBException expected) {
            // the container rolled the transaction back
        }
        sender.sendAndSetRollbackOnly("tx-sends", "rollback-only");
        sender.sendAndCommit("tx-sends", "committed-again");
    }

    @Test
    @org.junit.jupiter.api.Order(6)
    @RunAsClient
    void readCommittedConsumersSeeOnlyTheCommittedSends() {
        List<String> seen = KafkaSide.readAll(System.getProperty("tributary.bootstrap"), "tx-sends", "read_committed")
                .stream().map(m -> m.get("@value")).toList();
        assertEquals(List.of("committed", "committed-again"), seen.stream().sorted().toList());
    }

    @Test
    @org.junit.jupiter.api.Order(4)
    void partitionsAreProcessedInParallelAndInOrderWithinEachPartition() throws Exception {
        try (TributaryConnection c = factory.getConnection()) {
            List<java.util.concurrent.CompletableFuture<SentRecord>> sent = new ArrayList<>();
            for (int i = 0; i < 200; i++) sent.add(c.send(OutgoingRecord.of("parallel", "k" + i, "v" + i).toPartition(i % 4)).toCompletableFuture());
            sent.forEach(java.util.concurrent.CompletableFuture::join);
        }
        waitUntil(Duration.ofMinutes(2), () -> Deliveries.PARALLEL.size() >= 200);
        List<Deliveries.Seen> seen = new ArrayList<>(Deliveries.PARALLEL);
        assertEquals(200, seen.size());
        Set<String> threads = new HashSet<>();
        Map<Integer, Long> last = new HashMap<>();
        for (Deliveries.Seen s : seen) {
            threads.add(s.thread());
            Long previous = last.put(s.partition(), s.offset());
            assertTrue(previous == null || s.offset() == previous + 1, "partition " + s.partition() + " delivered in order");
        }
        assertTrue(threads.size() >= 2, "more than one consumer thread: " + threads);
        boolean overlap = false;
        for (Deliveries.Seen a : seen) {
            for (Deliveries.Seen b : seen) {
                if (a.partition() != b.partition() && a.startNanos() < b.endNanos() && b.startNanos() < a.endNanos()) overlap = true;
            }
        }
        assertTrue(overlap, "deliveries of different partitions overlapped in time");
    }

    @Test
    @org.junit.jupiter.api.Order(5)
    @RunAsClient
    void theQuickStartPostsAnOrderOverHttpAndTheMdbStoresIt() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String base = restBase.toString().endsWith("/") ? restBase.toString() : restBase + "/";
        if (!base.endsWith("api/")) base += "api/";
        String id = "quick-" + UUID.randomUUID();
        HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(base + "orders"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"" + id + "\",\"customer\":\"ada\",\"amountCents\":4200}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, posted.statusCode(), posted.body());
        assertTrue(posted.body().contains("\"offset\""), posted.body());
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        HttpResponse<String> stored;
        do {
            Thread.sleep(200);
            stored = http.send(HttpRequest.newBuilder(URI.create(base + "orders/" + id)).build(), HttpResponse.BodyHandlers.ofString());
        } while (stored.statusCode() == 404 && System.nanoTime() < deadline);
        assertEquals(200, stored.statusCode());
        assertTrue(stored.body().contains("ada"), stored.body());
    }

    @Test
    @org.junit.jupiter.api.Order(11)
    @RunAsClient
    void invalidOrdersAreAnsweredWith400AndAJsonErrorNeverAStackTrace() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String base = restBase.toString().endsWith("/") ? restBase.toString() : restBase + "/";
        if (!base.endsWith("api/")) base += "api/";
        Map<String, String> expected = Map.of(
                "{not json", "\"error\":\"the request body is not a JSON order\"",
                "{\"customer\":\"ada\",\"amountCents\":\"many\"}", "\"error\":\"the request body is not a JSON order\"",
                "{\"amountCents\":4200}", "\"field\":\"customer\"",
                "{\"customer\":\"ada\",\"amountCents\":-1}", "\"field\":\"amountCents\"",
                "{\"customer\":\"ada\"}", "\"field\":\"amountCents\"");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "orders"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(e.getKey())).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, r.statusCode(), e.getKey() + " -> " + r.body());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), e.getKey() + " -> " + r.headers());
            assertTrue(r.body().contains(e.getValue()), e.getKey() + " -> " + r.body());
            assertTrue(!r.body().contains("Exception") && !r.body().contains("<html"), "no stack trace, no page: " + r.body());
        }
    }

    // ------------------------------------------- health and metrics (ReceiptStore's consumer cannot start)

    private static final String RECEIPTS_ACTIVATION_QUERY = "io.tributary:type=Activation,*";

    @Test
    @org.junit.jupiter.api.Order(7)
    void aConsumerKilledByAnUnexpectedExceptionIsReportedRetryingThroughJmx() throws Exception {
        javax.management.MBeanServer jmx = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        javax.management.ObjectName adapter = jmx.queryNames(javax.management.ObjectName.getInstance("io.tributary:type=Adapter,*"), null)
                .stream().filter(n -> Boolean.TRUE.equals(attribute(jmx, n, "Started"))).findFirst().orElseThrow();
        assertEquals(true, jmx.getAttribute(adapter, "Ready"), "the embedded node serves");
        javax.management.ObjectName orders = activation(jmx, "order-store");
        assertTrue((Long) jmx.getAttribute(orders, "Delivered") >= ORDERS, "order-store delivered the orders");
        assertEquals(0L, jmx.getAttribute(orders, "DeadLettered"));
        assertEquals(2L, jmx.getAttribute(activation(jmx, "flaky-store"), "DeadLettered"), "flaky-store dead-lettered 2 records");

        javax.management.ObjectName receipts = activation(jmx, "receipt-store");
        try (TributaryConnection c = factory.getConnection()) {
            for (int i = 0; i < 2; i++) c.send(OutgoingRecord.of("receipts", "r" + i, "receipt-" + i).toPartition(0)).toCompletableFuture().join();
        }
        waitUntil(Duration.ofSeconds(60), () -> "RETRYING".equals(attribute(jmx, receipts, "State")));
        assertEquals("RETRYING", jmx.getAttribute(receipts, "State"));
        assertEquals(false, jmx.getAttribute(receipts, "Ready"));
        assertEquals(true, jmx.getAttribute(receipts, "Live"), "it comes back by itself: alive");
        String error = (String) jmx.getAttribute(receipts, "LastError");
        assertTrue(error != null && error.contains("NoOffsetForPartitionException"), error);
    }

    @Test
    @org.junit.jupiter.api.Order(8)
    @RunAsClient
    void readinessOverHttpIsDownWhileTheConsumerRestarts() throws Exception {
        assumeMicroProfile();
        HttpResponse<String> ready = health("ready");
        assertEquals(503, ready.statusCode(), ready.body());
        assertTrue(ready.body().contains("\"DOWN\"") && ready.body().contains("RETRYING")
                && ready.body().contains("NoOffsetForPartitionException"), ready.body());
        HttpResponse<String> live = health("live");
        assertEquals(200, live.statusCode(), "a restarting consumer is alive: " + live.body());
    }

    @Test
    @org.junit.jupiter.api.Order(9)
    void theConsumerComesBackOnceItsOffsetIsStored() throws Exception {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO TRIBUTARY_OFFSETS (GROUP_ID, TOPIC, PARTITION_ID, NEXT_OFFSET) VALUES ('receipt-store', 'receipts', ?, 0)")) {
            // What an operator does: store where the group starts, for every partition of the topic.
            for (int p = 0; p < 4; p++) {
                ps.setInt(1, p);
                ps.executeUpdate();
            }
        }
        javax.management.MBeanServer jmx = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        javax.management.ObjectName receipts = activation(jmx, "receipt-store");
        waitUntil(Duration.ofSeconds(60), () -> Long.valueOf(2).equals(attribute(jmx, receipts, "Delivered")));
        assertEquals(2L, jmx.getAttribute(receipts, "Delivered"), "both receipts delivered after the restart");
        waitUntil(Duration.ofSeconds(10), () -> Boolean.TRUE.equals(attribute(jmx, receipts, "Ready")));
        assertEquals("RUNNING", jmx.getAttribute(receipts, "State"));
        assertTrue((Integer) jmx.getAttribute(receipts, "Restarts") >= 1);
        assertEquals(1, Deliveries.attempts("receipts", 0, 0));
        assertEquals(1, Deliveries.attempts("receipts", 0, 1));
    }

    @Test
    @org.junit.jupiter.api.Order(10)
    @RunAsClient
    void readinessOverHttpIsUpAgainAndTheCountersAreMetrics() throws Exception {
        assumeMicroProfile();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        HttpResponse<String> ready = health("ready");
        while (ready.statusCode() != 200 && System.nanoTime() < deadline) {
            Thread.sleep(250);
            ready = health("ready");
        }
        assertEquals(200, ready.statusCode(), ready.body());
        assertTrue(ready.body().contains("\"UP\""), ready.body());
        HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(serverRoot() + "metrics"))
                .header("Accept", "text/plain").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, metrics.statusCode(), metrics.body());
        assertEquals(2.0, metric(metrics.body(), "tributary_activation_delivered", "receipt-store"), "receipt-store delivered 2");
        assertEquals(2.0, metric(metrics.body(), "tributary_activation_dead_lettered", "flaky-store"));
        assertTrue(metric(metrics.body(), "tributary_activation_delivered", "order-store") >= ORDERS);
        assertEquals(1.0, metric(metrics.body(), "tributary_activation_ready", "receipt-store"));
        // The embedded node's own metrics, under the names the Prometheus JMX exporter gives Kafka's.
        assertTrue(brokerMetric(metrics.body(), "kafka_server_brokertopicmetrics_messagesin_total", "") >= ORDERS,
                "the node took in at least the orders");
        assertEquals(1.0, brokerMetric(metrics.body(), "kafka_controller_kafkacontroller_activecontrollercount", ""));
        assertTrue(brokerMetric(metrics.body(), "kafka_network_requestmetrics_totaltimems_count", "request=\"Produce\"") > 0,
                "produce requests were timed");
        brokerMetric(metrics.body(), "kafka_network_requestmetrics_totaltimems", "quantile=\"0.99\"");
    }

    /** The value of broker metric {@code name} whose labels contain {@code label} (any labels when empty). */
    private static double brokerMetric(String body, String name, String label) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + name + "(\\{([^}]*)\\})?\\s+(\\S+)").matcher(body);
        while (m.find()) {
            if (label.isEmpty() || (m.group(2) != null && m.group(2).contains(label))) return Double.parseDouble(m.group(3));
        }
        throw new AssertionError("No " + name + " with " + label + " in:\n" + body.lines()
                .filter(l -> l.startsWith("kafka_")).limit(60).collect(java.util.stream.Collectors.joining("\n")));
    }

    // ------------------------------------------- a secret from WildFly's credential store (the EAR run)

    /** The clear text the build encrypted into WildFly's credential store ({@code wildfly/credential-store.cli}). */
    private static final String PROBE_SECRET = "credstore-probe-5e1b";

    @Test
    @org.junit.jupiter.api.Order(12)
    void aSecretFromWildFlysCredentialStoreReachesTheAdaptersClientsAndOnlyItsExpressionIsInTheConfiguration() throws Exception {
        String configDir = System.getProperty("jboss.server.config.dir");
        org.junit.jupiter.api.Assumptions.assumeTrue(configDir != null
                        && "tributary-examples".equals(new javax.naming.InitialContext().lookup("java:app/AppName")),
                "the build puts the secret in WildFly's credential store for the run with the EAR only");
        try (TributaryConnection c = factory.getConnection()) {
            c.send(OutgoingRecord.of("secret-probe", "k", "v")).toCompletableFuture().join();
        }
        // clientProperties is client.id=tributary-probe-${tributary.secret.probe} (ScenarioDeployments), the
        // system property is ${ENC::...}: the factory's producer is named after the clear text.
        javax.management.MBeanServer jmx = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        Set<javax.management.ObjectName> named = jmx.queryNames(javax.management.ObjectName.getInstance(
                "kafka.producer:type=app-info,id=tributary-probe-" + PROBE_SECRET), null);
        assertEquals(1, named.size(), "a producer with the secret in its client.id: " + jmx.queryNames(
                javax.management.ObjectName.getInstance("kafka.producer:type=app-info,*"), null));

        String config = java.nio.file.Files.readString(java.nio.file.Path.of(configDir, "standalone-full.xml"));
        assertTrue(java.util.regex.Pattern.compile("<property name=\"tributary\\.secret\\.probe\" value=\"\\$\\{ENC::tributary:[^}\"]+\\}\"/>")
                .matcher(config).find(), "the configuration holds the encrypted expression");
        assertTrue(!config.contains(PROBE_SECRET), "the configuration holds no clear text of the secret");
    }

    /** MicroProfile Health and Metrics: Payara Micro has them; WildFly's standalone-full configuration does not. */
    private static void assumeMicroProfile() {
        org.junit.jupiter.api.Assumptions.assumeFalse(System.getProperty("arquillian.xml", "").contains("wildfly"),
                "MicroProfile Health and Metrics are not in WildFly's standalone-full configuration");
    }

    /** {@code scheme://host:port/} of the server, from the examples' REST base URL. */
    private String serverRoot() {
        return restBase.getProtocol() + "://" + restBase.getHost() + ":" + restBase.getPort() + "/";
    }

    private HttpResponse<String> health(String which) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(serverRoot() + "health/" + which)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The value of an OpenMetrics sample {@code name{…group="<group>"…}}; fails when absent. */
    private static double metric(String body, String name, String group) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + name + "\\{([^}]*)\\}\\s+(\\S+)").matcher(body);
        while (m.find()) {
            if (m.group(1).contains("group=\"" + group + "\"")) return Double.parseDouble(m.group(2));
        }
        throw new AssertionError("No " + name + " of group " + group + " in:\n" + body.lines()
                .filter(l -> l.contains("tributary")).collect(java.util.stream.Collectors.joining("\n")));
    }

    private static javax.management.ObjectName activation(javax.management.MBeanServer jmx, String group) throws Exception {
        for (javax.management.ObjectName n : jmx.queryNames(javax.management.ObjectName.getInstance(RECEIPTS_ACTIVATION_QUERY), null)) {
            if (group.equals(jmx.getAttribute(n, "GroupId"))) return n;
        }
        throw new AssertionError("No activation MBean of group " + group + ": " + jmx.queryNames(
                javax.management.ObjectName.getInstance(RECEIPTS_ACTIVATION_QUERY), null));
    }

    private static Object attribute(javax.management.MBeanServer jmx, javax.management.ObjectName name, String attribute) {
        try {
            return jmx.getAttribute(name, attribute);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private List<Long> offsetsInStoreOrder(int partition) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT SOURCE_OFFSET FROM ORDERS WHERE SOURCE_PARTITION = ? AND ID LIKE 'order-%' ORDER BY STORED_SEQ")) {
            ps.setInt(1, partition);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getLong(1));
            }
        }
        return out;
    }

    private Map<Integer, Long> offsetRows(String group, String topic) {
        Map<Integer, Long> out = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT PARTITION_ID, NEXT_OFFSET FROM TRIBUTARY_OFFSETS WHERE GROUP_ID = ? AND TOPIC = ?")) {
            ps.setString(1, group);
            ps.setString(2, topic);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getInt(1), rs.getLong(2));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private List<String> flakyValues() {
        List<String> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT VAL FROM FLAKY ORDER BY SOURCE_OFFSET")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
        } catch (SQLException e) {
            return out;
        }
        return out;
    }

    private long query(String sql) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void waitUntil(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) Thread.sleep(250);
    }
}
