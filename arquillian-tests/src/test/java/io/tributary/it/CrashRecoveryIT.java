package io.tributary.it;

import io.tributary.it.client.KafkaSide;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.sql.XAConnection;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import java.io.File;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kills the Payara Micro process (SIGKILL) while the order-store MDB is consuming, restarts it on
 * the same working directory, and checks what a user would: every order is in the table exactly
 * once — none lost, none stored twice (a second insert would fail the primary key and end on the
 * dead-letter topic, which stays empty). The server keeps its root directory (and so its
 * transaction log) and recovers transactions the kill left prepared, as a production server must:
 * those the log decided are completed, and one prepared without a decision — here always added
 * while the server is down, since a kill lands between two prepares only now and then — is rolled
 * back (by the adapter, where H2 ignores the transaction manager's rollback), so the database is
 * left with no transaction in doubt.
 */
class CrashRecoveryIT {
    private static final int ORDERS = 5_000;
    private static final String BOOTSTRAP = "127.0.0.1:19093";
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopServers() throws InterruptedException {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private Process startPayara(Path workDir, int httpPort, String logName) throws IOException, InterruptedException {
        Path payara = Path.of(System.getProperty("payara.dir"));
        Path preboot = Path.of(System.getProperty("payara.dir")).getParent().resolve("test-classes/payara/recovering-preboot-commands.txt");
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx512m",
                "-Dhazelcast.socket.bind.any=false", "-Dhazelcast.phone.home.enabled=false",
                "-Dtributary.broker.listeners=" + BOOTSTRAP, "-Dtributary.broker.num.partitions=4",
                "-Dtributary.broker.group.initial.rebalance.delay.ms=0",
                "-jar", payara.resolve("payara-micro.jar").toString(),
                "--deploy", payara.resolve("tributary.rar").toString(),
                "--deploy", payara.resolve("tributary-examples.war").toString(),
                "--port", Integer.toString(httpPort),
                "--clustermode", "tcpip:127.0.0.1:6910", "--interfaces", "127.0.0.1",
                "--clustername", "tributary-crash-" + ProcessHandle.current().pid(), "--disablephonehome",
                "--rootdir", workDir.resolve("payara-root").toString(),
                "--prebootcommandfile", preboot.toString()));
        File log = workDir.resolve(logName).toFile();
        Process p = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log).start();
        started.add(p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (System.nanoTime() < deadline) {
            String text = Files.exists(log.toPath()) ? Files.readString(log.toPath()) : "";
            if (text.contains("ready in")) return p;
            if (!p.isAlive()) throw new IllegalStateException("Payara Micro exited; see " + log);
            Thread.sleep(500);
        }
        throw new IllegalStateException("Payara Micro did not start within 240 s; see " + log);
    }

    private static long storedOrders(HttpClient http, int port) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/tributary-examples/api/orders")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) return -1;
            Matcher m = Pattern.compile("\"stored\"\\s*:\\s*(\\d+)").matcher(r.body());
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    @Test
    void killingTheServerMidStreamLosesNoOrderAndStoresNoneTwice() throws Exception {
        Path workDir = Path.of(System.getProperty("payara.dir")).getParent().resolve("crash-run");
        if (Files.exists(workDir)) {
            try (var walk = Files.walk(workDir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
        Files.createDirectories(workDir);
        int port = 18080;
        HttpClient http = HttpClient.newHttpClient();

        Process first = startPayara(workDir, port, "payara-1.log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (storedOrders(http, port) < 0 && System.nanoTime() < deadline) Thread.sleep(200);
        assertEquals(ORDERS, KafkaSide.sendOrders(BOOTSTRAP, "crash", ORDERS));

        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        long before;
        do {
            Thread.sleep(20);
            before = storedOrders(http, port);
        } while (before < ORDERS / 10 && System.nanoTime() < deadline);
        first.destroyForcibly();
        first.waitFor(30, TimeUnit.SECONDS);
        assertTrue(before > 0 && before < ORDERS, "killed while consuming (" + before + " of " + ORDERS + " stored)");
        String database = "jdbc:h2:file:" + workDir.resolve("tributary-data/offsets");
        prepareUndecidedInsert(database);

        Process second = startPayara(workDir, port, "payara-2.log");
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        long after;
        do {
            Thread.sleep(500);
            after = storedOrders(http, port);
        } while (after < ORDERS && System.nanoTime() < deadline);
        assertEquals(ORDERS, after, "every order stored after the restart");
        Thread.sleep(2000);
        assertEquals(ORDERS, storedOrders(http, port), "and none stored twice");
        assertTrue(KafkaSide.readAll(BOOTSTRAP, "orders.DLT").isEmpty(), "no order failed (a duplicate would have)");

        second.destroy();
        assertTrue(second.waitFor(60, TimeUnit.SECONDS), "the server stops on SIGTERM");
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

    private static final String UNDECIDED_ORDER = "undecided-order";

    /**
     * Leaves in the (stopped) server's database a branch of the kind a crash between two prepares
     * leaves: prepared, under a transaction id of this server's transaction manager (format "JTS",
     * server name "vm,server,P100" as Payara Micro names its one instance), with no record in the
     * transaction log. The database is shut down as abruptly as the server was.
     */
    private static void prepareUndecidedInsert(String url) throws Exception {
        byte[] server = "vm,server,P100".getBytes(StandardCharsets.US_ASCII);
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
