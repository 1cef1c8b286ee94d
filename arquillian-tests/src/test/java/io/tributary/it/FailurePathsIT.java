package io.tributary.it;

import io.tributary.it.beans.Deliveries;
import io.tributary.it.beans.OutageStore;
import io.tributary.it.beans.RejectingStore;
import io.tributary.it.beans.SlowRetryStore;
import io.tributary.it.client.ContinuousProducer;
import io.tributary.it.client.GroupMembership;
import io.tributary.it.client.KafkaSide;
import io.tributary.it.client.OutageDatabase;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.Archive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The adapter's failure paths on a real server (Payara Micro only: the build's WildFly runs select
 * ResourceAdapterIT alone), three scenarios run side by side to keep the class at about the length
 * of its database outage (about 1.5 minutes):
 * <ol>
 *   <li><b>A 10-minute backoff keeps the group membership.</b> {@link SlowRetryStore} fails its record
 *       with an application exception; the redelivery waits 10 minutes, the consumer's
 *       {@code max.poll.interval.ms} is 10 s. While the other scenarios run (well over 3 × 10 s), Kafka's
 *       {@code Admin.describeConsumerGroups} keeps reporting the same member, the group {@code STABLE} and the
 *       partition assigned to it, the consumer's coordinator metrics count no rebalance, and the adapter's
 *       MBean says {@code PAUSED} with the partition in {@code PausedPartitions}; the bean was invoked once.</li>
 *   <li><b>A database stopped for a minute under load.</b> {@link OutageStore} stores one row per record
 *       (primary key the record's key) in an H2 TCP server this class runs on 127.0.0.1:{@value OutageStore#PORT}
 *       (files under {@code target/failure-paths/}), offsets in the same database. A Kafka producer sends about
 *       50 records a second throughout; the database server is stopped for 60 s and started again on the same
 *       port and files. Meanwhile the activation is paused by an outage (not ready only while a consumer
 *       restarts), and after it every acknowledged record has its row exactly once, the offset rows are at
 *       the log end, nothing went to the dead-letter topic, and the activation runs again.</li>
 *   <li><b>A non-retryable exception dead-letters at once.</b> {@link RejectingStore} throws a
 *       {@code nonRetryableExceptions} class for one record, with {@code maxRedeliveries} 3: the record is in
 *       {@code rejecting.DLT} after one delivery attempt, with the exception in its headers, and the records
 *       after it are delivered.</li>
 * </ol>
 * Methods without {@link RunAsClient} run in the server and read the adapter's MBeans and what the
 * beans counted; the others run in the test's JVM, which holds the database server and the Kafka clients.
 */
@ExtendWith(ArquillianExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public class FailurePathsIT {
    private static final Duration OUTAGE = Duration.ofSeconds(60);
    /** Records sent to {@link OutageStore}'s topic: one each 20 ms, about 50 a second. */
    private static final long SEND_INTERVAL_MS = 20;

    // The test's JVM (RunAsClient methods).
    private static OutageDatabase database;
    private static ContinuousProducer producer;
    private static GroupMembership slowRetryGroupAtStart;
    private static long slowRetryPausedAtNanos;
    private static long outageStartedAtNanos;
    private static long outageEndedAtNanos;

    // The server (in-container methods).
    private static double slowRetryRebalancesAtStart;
    private static long outageStoreDeliveredBeforeOutage;

    /** The examples' war with the failure-path beans; first starts the database server {@link OutageStore} needs. */
    @Deployment
    public static Archive<?> deployment() throws Exception {
        Path dir = Path.of(System.getProperty("payara.dir", "target/payara")).getParent().resolve("failure-paths");
        deleteTree(dir);
        database = new OutageDatabase(OutageStore.PORT, dir.resolve("h2"), "sa", "outage");
        database.start();
        database.execute("CREATE TABLE " + OutageStore.TABLE + " (ID VARCHAR(64) PRIMARY KEY, SOURCE_PARTITION INT, SOURCE_OFFSET BIGINT)");
        return ScenarioDeployments.failurePaths();
    }

    @AfterAll
    static void stopClients() throws Exception {
        // Set in the test's JVM only.
        if (producer != null) producer.close();
        if (database != null) database.stop();
    }

    @Test
    @Order(1)
    @RunAsClient
    void startTheThreeScenarios() throws Exception {
        KafkaSide.send(bootstrap(), SlowRetryStore.TOPIC, 0, List.of("needs-ten-minutes"));
        KafkaSide.send(bootstrap(), RejectingStore.TOPIC, 0, List.of("ok-1", "reject", "ok-2", "ok-3"));
        producer = new ContinuousProducer(bootstrap(), OutageStore.TOPIC, "order", SEND_INTERVAL_MS).start();
    }

    @Test
    @Order(2)
    void theSlowRetryRecordFailedOnceAndItsPartitionIsPaused() throws Exception {
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName slowRetry = activation(jmx, SlowRetryStore.TOPIC);
        waitUntil(Duration.ofSeconds(60), () -> "PAUSED".equals(attribute(jmx, slowRetry, "State")));
        assertEquals("PAUSED", jmx.getAttribute(slowRetry, "State"));
        assertEquals(List.of("slow-retry-0"), Arrays.asList((String[]) jmx.getAttribute(slowRetry, "PausedPartitions")));
        assertEquals(1, Deliveries.attempts(SlowRetryStore.TOPIC, 0, 0));
        slowRetryRebalancesAtStart = rebalances(jmx);
    }

    @Test
    @Order(3)
    @RunAsClient
    void theSlowRetryConsumerIsAStableMemberHoldingThePausedPartition() throws Exception {
        slowRetryPausedAtNanos = System.nanoTime();
        slowRetryGroupAtStart = GroupMembership.describe(bootstrap(), SlowRetryStore.TOPIC);
        assertEquals("STABLE", slowRetryGroupAtStart.state(), slowRetryGroupAtStart.toString());
        assertEquals(1, slowRetryGroupAtStart.members().size(), slowRetryGroupAtStart.toString());
        assertTrue(slowRetryGroupAtStart.members().values().iterator().next().contains("slow-retry-0"), slowRetryGroupAtStart.toString());
    }

    @Test
    @Order(4)
    @RunAsClient
    void theDatabaseServerStops() throws Exception {
        waitUntil(Duration.ofSeconds(60), () -> rows() >= 100);
        assertTrue(rows() >= 100, "the outage store stores before the outage: " + rows() + " rows");
        database.stop();
        outageStartedAtNanos = System.nanoTime();
    }

    @Test
    @Order(5)
    void duringTheOutageDeliveryPausesWithTheErrorAndNothingIsDeadLettered() throws Exception {
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName outage = activation(jmx, OutageStore.TOPIC);
        waitUntil(Duration.ofSeconds(30), () -> (Long) attribute(jmx, outage, "OutagePauses") > 0
                && "PAUSED".equals(attribute(jmx, outage, "State")));
        assertTrue((Long) jmx.getAttribute(outage, "OutagePauses") > 0, "deliveries failed for an outage");
        assertEquals("PAUSED", jmx.getAttribute(outage, "State"), Arrays.toString((String[]) jmx.getAttribute(outage, "ConsumerStates")));
        assertTrue(((String[]) jmx.getAttribute(outage, "PausedPartitions")).length > 0);
        String error = (String) jmx.getAttribute(outage, "LastError");
        assertTrue(error != null && error.contains("Connection"), error);
        outageStoreDeliveredBeforeOutage = (Long) jmx.getAttribute(outage, "Delivered");
        Thread.sleep(5000);
        assertEquals(outageStoreDeliveredBeforeOutage, jmx.getAttribute(outage, "Delivered"), "nothing is delivered while the database is down");
        assertEquals(0L, jmx.getAttribute(outage, "DeadLettered"));
    }

    @Test
    @Order(6)
    @RunAsClient
    void theDatabaseServerStartsAgainAfterAMinuteWhileRecordsKeepComing() throws Exception {
        long left = OUTAGE.toMillis() - Duration.ofNanos(System.nanoTime() - outageStartedAtNanos).toMillis();
        if (left > 0) Thread.sleep(left);
        database.start();
        outageEndedAtNanos = System.nanoTime();
        Thread.sleep(5000);
        producer.close();
    }

    @Test
    @Order(7)
    @RunAsClient
    void afterTheOutageEveryRecordIsStoredExactlyOnceAndNoneIsDeadLettered() throws Exception {
        Set<String> sent = producer.acknowledged();
        waitUntil(Duration.ofSeconds(90), () -> rows() >= sent.size());
        log("all %d records stored %d s after the database came back", sent.size(), (System.nanoTime() - outageEndedAtNanos) / 1_000_000_000);
        assertEquals(sent.size(), rows(), "one row per acknowledged record");
        assertEquals(sent, database.strings("SELECT ID FROM " + OutageStore.TABLE));
        Map<Integer, Long> logEnd = producer.logEnd();
        waitUntil(Duration.ofSeconds(10), () -> logEnd.equals(offsetRows()));
        assertEquals(logEnd, offsetRows(), "the offset rows are at the log end");
        assertTrue(KafkaSide.readAll(bootstrap(), OutageStore.TOPIC + ".DLT").isEmpty(), "nothing was dead-lettered");
    }

    @Test
    @Order(8)
    void afterTheOutageTheActivationRunsAndCountedItsPauses() throws Exception {
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName outage = activation(jmx, OutageStore.TOPIC);
        waitUntil(Duration.ofSeconds(10), () -> "RUNNING".equals(attribute(jmx, outage, "State")));
        assertEquals("RUNNING", jmx.getAttribute(outage, "State"));
        assertEquals(true, jmx.getAttribute(outage, "Ready"));
        assertEquals(0L, jmx.getAttribute(outage, "DeadLettered"));
        assertTrue((Long) jmx.getAttribute(outage, "Delivered") > outageStoreDeliveredBeforeOutage);
    }

    @Test
    @Order(9)
    @RunAsClient
    void theSlowRetryConsumerIsStillTheSameStableMemberWithThePartitionAfterThreeMaxPollIntervals() throws Exception {
        long waited = Duration.ofNanos(System.nanoTime() - slowRetryPausedAtNanos).toMillis();
        if (waited < 3 * SlowRetryStore.MAX_POLL_INTERVAL_MS + 1000) {
            Thread.sleep(3 * SlowRetryStore.MAX_POLL_INTERVAL_MS + 1000 - waited);
        }
        log("slow-retry group checked %d s after its record failed", Duration.ofNanos(System.nanoTime() - slowRetryPausedAtNanos).toSeconds());
        assertEquals(slowRetryGroupAtStart, GroupMembership.describe(bootstrap(), SlowRetryStore.TOPIC),
                "same member, group stable, same assignment");
    }

    @Test
    @Order(10)
    void theSlowRetryRecordStillWaitsForItsBackoffWithoutARebalance() throws Exception {
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName slowRetry = activation(jmx, SlowRetryStore.TOPIC);
        assertEquals("PAUSED", jmx.getAttribute(slowRetry, "State"));
        assertEquals(List.of("slow-retry-0"), Arrays.asList((String[]) jmx.getAttribute(slowRetry, "PausedPartitions")));
        assertEquals(0, jmx.getAttribute(slowRetry, "Restarts"));
        assertEquals(1, Deliveries.attempts(SlowRetryStore.TOPIC, 0, 0), "no redelivery before the 10 minutes");
        assertEquals(slowRetryRebalancesAtStart, rebalances(jmx), "no rebalance of the consumer");
    }

    @Test
    @Order(11)
    @RunAsClient
    void theRejectedRecordIsInTheDeadLetterTopicAfterOneAttempt() {
        List<Map<String, String>> dead = KafkaSide.readAll(bootstrap(), RejectingStore.TOPIC + ".DLT");
        assertEquals(1, dead.size(), dead.toString());
        Map<String, String> rejected = dead.get(0);
        assertEquals("reject", rejected.get("@value"));
        assertEquals("1", rejected.get("tributary.dlt.offset"));
        assertEquals("1", rejected.get("tributary.dlt.attempts"));
        assertTrue(rejected.get("tributary.dlt.stacktrace").contains("RejectedRecordException: record at offset 1 is rejected for good"),
                rejected.get("tributary.dlt.stacktrace"));
    }

    @Test
    @Order(12)
    void theRejectedRecordWasDeliveredOnceAndTheRecordsAfterItWereDelivered() throws Exception {
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName rejecting = activation(jmx, RejectingStore.TOPIC);
        assertEquals(1, Deliveries.attempts(RejectingStore.TOPIC, 0, 1), "one attempt of the rejected record");
        for (long offset : new long[]{0, 2, 3}) assertEquals(1, Deliveries.attempts(RejectingStore.TOPIC, 0, offset));
        assertEquals(1L, jmx.getAttribute(rejecting, "DeadLettered"));
        assertEquals(3L, jmx.getAttribute(rejecting, "Delivered"));
        assertEquals(0L, jmx.getAttribute(rejecting, "Redelivered"));
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static String bootstrap() {
        return System.getProperty("tributary.bootstrap");
    }

    private static long rows() {
        try {
            return database.count("SELECT COUNT(*) FROM " + OutageStore.TABLE);
        } catch (java.sql.SQLException e) {
            return -1;
        }
    }

    private static Map<Integer, Long> offsetRows() {
        try {
            return database.offsetRows(OutageStore.TOPIC, OutageStore.TOPIC);
        } catch (java.sql.SQLException e) {
            return Map.of();
        }
    }

    /** Rebalances of the slow-retry consumer so far, from its Kafka coordinator metrics. */
    private static double rebalances(MBeanServer jmx) throws Exception {
        ObjectName name = ObjectName.getInstance("kafka.consumer:type=consumer-coordinator-metrics,client-id=tributary-"
                + SlowRetryStore.TOPIC + "-0");
        return (Double) jmx.getAttribute(name, "rebalance-total");
    }

    private static ObjectName activation(MBeanServer jmx, String group) throws Exception {
        Set<ObjectName> names = new HashSet<>(jmx.queryNames(ObjectName.getInstance("io.tributary:type=Activation,*"), null));
        for (ObjectName n : names) {
            if (group.equals(jmx.getAttribute(n, "GroupId"))) return n;
        }
        throw new AssertionError("No activation MBean of group " + group + ": " + names);
    }

    private static Object attribute(MBeanServer jmx, ObjectName name, String attribute) {
        try {
            return jmx.getAttribute(name, attribute);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void waitUntil(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) Thread.sleep(250);
    }

    private static void log(String format, Object... args) {
        System.out.printf("[FailurePathsIT] " + format + "%n", args);
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        if (!java.nio.file.Files.exists(dir)) return;
        try (var walk = java.nio.file.Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(java.io.File::delete);
        }
    }
}
