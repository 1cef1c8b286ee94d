package io.tributary.it;

import io.tributary.broker.testing.ApacheKafka;
import io.tributary.it.client.ExamplesApp;
import io.tributary.it.client.KafkaSide;
import io.tributary.it.crash.CommitCrash;
import io.tributary.it.crash.CrashResource;
import io.tributary.it.crash.CrashServer;
import io.tributary.it.crash.PayaraMicroServer;
import io.tributary.it.crash.WildFlyServer;
import io.tributary.it.kafka.ScenarioKafka;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

import javax.sql.XAConnection;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kills the application server (SIGKILL; Payara Micro and WildFly, each a process of its own) while
 * the examples' message-driven beans are consuming — {@code OrderStore} (consume and store) and
 * {@code OrderConfirmations} (consume, store and send in one transaction) — restarts it on the same
 * working and server directories, and checks what a user would: every order is in each table
 * exactly once, and every confirmation is on {@code orders.confirmed} exactly once for a
 * {@code read_committed} consumer — none lost, none twice (a second insert would fail the primary
 * key and end on the dead-letter topic, which stays empty). The server keeps its transaction log
 * and recovers transactions the kill left prepared, as a production server must: those the log
 * decided are completed, and, on Payara Micro, one prepared without a decision — always added while
 * the server is down, since a kill lands between two prepares only now and then — is rolled back
 * (by the adapter, where H2 ignores the transaction manager's rollback), so the database is left
 * with no transaction in doubt. Then the server is crashed once more after its transaction manager
 * decided to commit a transaction that sent a record and before the commit reached Kafka
 * ({@link CommitCrash}): after the restart, the server's recovery commits the Kafka transaction left
 * prepared, and the record is visible once. Payara Micro runs it with the embedded node, WildFly with
 * the adapter pointed at Apache Kafka ({@link ScenarioKafka}, started by the test) instead.
 */
class CrashRecoveryIT {
    private static final int ORDERS = 3_000;
    private static final int ORDERS_ON_KAFKA = 2_000;
    private static final String DECIDED_TOPIC = "decided-before-the-crash";
    private static final String DECIDED_VALUE = "committed-by-recovery";
    private static final String UNDECIDED_ORDER = "undecided-order";
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void onPayaraMicro() throws Exception {
        Path workDir = ExamplesApp.freshDirectory("crash-run");
        try (CrashServer server = new PayaraMicroServer(workDir)) {
            killMidStreamThenCrashInCommit(server, workDir, ORDERS);
        }
    }

    /**
     * The same on WildFly (the cheaper of the two to restart) with the adapter's
     * {@code bootstrapServers} pointing at Apache Kafka, the topics created beforehand: Kafka's
     * transaction coordinator holds the transactions the kill and the crash in the commit leave
     * open, and the server's recovery (WildFly's, through the adapter's {@code getXAResources})
     * completes them there. Fewer orders: the kill still lands mid-stream. The embedded node's
     * crash runs on Payara Micro only, so that the suite stays within its time: the recovery path
     * of the adapter is the same code on both servers, only the transaction coordinator differs.
     */
    @Test
    void onWildFlyWithApacheKafka() throws Exception {
        Path workDir = ExamplesApp.freshDirectory("crash-run-wildfly-kafka");
        try (ApacheKafka kafka = ScenarioKafka.start(workDir.resolve("kafka"), 0);
             CrashServer server = new WildFlyServer(workDir, kafka.bootstrap())) {
            killMidStreamThenCrashInCommit(server, workDir, ORDERS_ON_KAFKA);
        }
    }


    /** The examples war as built, with {@link CrashResource} added, under the name that gives its context root. */
    private static Path examplesWithCrashResource(Path workDir) {
        Path examples = Path.of(System.getProperty("payara.dir")).resolve("tributary-examples.war");
        Path war = workDir.resolve("tributary-examples.war");
        ShrinkWrap.createFromZipFile(WebArchive.class, examples.toFile())
                .addClasses(CommitCrash.class, CommitCrash.HaltOnCommit.class, CrashResource.class)
                .as(ZipExporter.class).exportTo(war.toFile(), true);
        return war;
    }

    private void killMidStreamThenCrashInCommit(CrashServer server, Path workDir, int orders) throws Exception {
        Path war = examplesWithCrashResource(workDir);
        server.start(war, "server-1");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (ExamplesApp.count(server.examplesUrl(), "stored") < 0 && System.nanoTime() < deadline) Thread.sleep(200);
        assertEquals(orders, KafkaSide.sendOrders(server.bootstrap(), "crash", orders));

        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        long stored;
        long confirmed;
        do {
            Thread.sleep(20);
            stored = ExamplesApp.count(server.examplesUrl(), "stored");
            confirmed = ExamplesApp.count(server.examplesUrl(), "confirmed");
        } while ((stored < 1 || confirmed < orders / 10) && System.nanoTime() < deadline);
        server.kill();
        assertTrue(stored > 0 && stored < orders, "killed while storing (" + stored + " of " + orders + " stored)");
        assertTrue(confirmed > 0 && confirmed < orders, "killed while confirming (" + confirmed + " of " + orders + " confirmed)");
        String database = "jdbc:h2:file:" + workDir.resolve("tributary-data/offsets");
        if (server.jtsServerName().isPresent()) prepareUndecidedInsert(database, server.jtsServerName().get());

        server.start(war, "server-2");
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        do {
            Thread.sleep(500);
            stored = ExamplesApp.count(server.examplesUrl(), "stored");
            confirmed = ExamplesApp.count(server.examplesUrl(), "confirmed");
        } while ((stored < orders || confirmed < orders) && System.nanoTime() < deadline);
        assertEquals(orders, stored, "every order stored after the restart");
        assertEquals(orders, confirmed, "every order confirmed after the restart");
        Thread.sleep(2000);
        assertEquals(orders, ExamplesApp.count(server.examplesUrl(), "stored"), "and none stored twice");
        assertEquals(orders, ExamplesApp.count(server.examplesUrl(), "confirmed"), "and none confirmed twice");
        assertTrue(KafkaSide.readAll(server.bootstrap(), "orders.DLT").isEmpty(), "no order failed (a duplicate would have)");
        Map<String, Long> confirmations = KafkaSide.readAll(server.bootstrap(), "orders.confirmed", "read_committed").stream()
                .collect(Collectors.groupingBy(r -> r.get("@key"), Collectors.counting()));
        assertEquals(orders, confirmations.size(), "a confirmation of every order visible to read_committed");
        assertEquals(Set.of(1L), Set.copyOf(confirmations.values()), "each confirmation once");

        // The transaction manager decides to commit a send, and the server dies before the commit reaches Kafka.
        try {
            http.send(HttpRequest.newBuilder(URI.create(server.examplesUrl() + "/api/crash-in-commit?topic=" + DECIDED_TOPIC
                    + "&value=" + DECIDED_VALUE)).POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(60))
                    .build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException expected) {
            // the server halted before answering
        }
        assertTrue(server.awaitExit(60), "the server halted in the commit");
        assertTrue(Files.readString(server.log("server-2")).contains("CommitCrash: the transaction manager decided to commit"),
                "halted by the resource enlisted to crash it (server-2.log)");

        server.start(war, "server-3");
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        List<String> decided;
        do {
            Thread.sleep(500);
            decided = values(server, DECIDED_TOPIC);
        } while (decided.isEmpty() && System.nanoTime() < deadline);
        assertEquals(List.of(DECIDED_VALUE), decided, "recovery committed the prepared Kafka transaction");
        assertTrue(Files.readString(server.log("server-3")).contains("Recovery committed Kafka transaction"),
                "the adapter completed it for the transaction manager's recovery (server-3.log)");
        assertEquals(orders, ExamplesApp.count(server.examplesUrl(), "stored"), "nothing stored twice after the second restart");

        assertTrue(server.stop(), "the server stops on SIGTERM");
        try (Connection c = DriverManager.getConnection(database); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.IN_DOUBT")) {
                rs.next();
                assertEquals(0, rs.getInt(1), "transactions left in doubt after recovery");
            }
            try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM ORDERS WHERE ID = '" + UNDECIDED_ORDER + "'")) {
                rs.next();
                assertEquals(0, rs.getInt(1), "the undecided insert was rolled back");
            }
        }
    }


    private static List<String> values(CrashServer server, String topic) {
        return KafkaSide.readAll(server.bootstrap(), topic, "read_committed").stream().map(r -> r.get("@value")).toList();
    }

    /**
     * Leaves in the (stopped) server's database a branch of the kind a crash between two prepares
     * leaves: prepared, under a transaction id of this server's transaction manager (format "JTS",
     * the server's name), with no record in the
     * transaction log. The database is shut down as abruptly as the server was.
     */
    private static void prepareUndecidedInsert(String url, String serverName) throws Exception {
        byte[] server = serverName.getBytes(StandardCharsets.US_ASCII);
        // Laid out as the transaction manager's own: the transaction's id (a counter and the
        // server name) as the global id, the server name and branch number as the qualifier.
        byte[] globalId = ByteBuffer.allocate(8 + server.length).put(new byte[]{1, 2, 0, 0})
                .putInt((int) System.nanoTime()).put(server).array();
        byte[] qualifier = ByteBuffer.allocate(server.length + 2).put(server).put((byte) ',').put((byte) 1).array();
        Xid xid = new Xid() {
            public int getFormatId() { return 0x4A5453; }
            public byte[] getGlobalTransactionId() { return globalId; }
            public byte[] getBranchQualifier() { return qualifier; }
        };
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(url);
        XAConnection xa = ds.getXAConnection();
        XAResource r = xa.getXAResource();
        r.start(xid, XAResource.TMNOFLAGS);
        try (Statement s = xa.getConnection().createStatement()) {
            s.executeUpdate("INSERT INTO ORDERS (ID, CUSTOMER, AMOUNT_CENTS, SOURCE_PARTITION, SOURCE_OFFSET) "
                    + "VALUES ('" + UNDECIDED_ORDER + "', 'nobody', 1, -1, -1)");
        }
        r.end(xid, XAResource.TMSUCCESS);
        assertEquals(XAResource.XA_OK, r.prepare(xid));
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("SHUTDOWN IMMEDIATELY");
        } catch (SQLException closed) {
            // the database went away with the statement
        }
    }
}
