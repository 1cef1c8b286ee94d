package io.tributary.ra;

import io.tributary.api.TributaryConnection;
import io.tributary.ra.outbound.TributaryManagedConnectionFactory;
import jakarta.resource.spi.ManagedConnection;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sends through an outbound connection enlisted in a JTA transaction branch, driven as a
 * transaction manager drives the connection's XAResource (start, end, prepare, commit or rollback,
 * recover), against the adapter's embedded node: {@code read_committed} consumers see the records
 * of a committed branch only, a branch that sent nothing is read-only, and a branch prepared before
 * its producer was lost (the server went down) is listed by recovery and completed as the manager
 * decides, while one that never reached prepare is aborted at once; and that recovery leaves alone
 * the branches of the running server (whichever of its factories asks) and of other servers.
 */
class TransactionalSendTest {
    /** Names of their own per test, so that tests sharing one cluster (Apache Kafka) do not see each other's. */
    private final String topic = "payments-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    private final String prefix = "payments-app-" + java.util.UUID.randomUUID().toString().substring(0, 8);

    @TempDir
    Path dir;

    private final InlineWorkManager workManager = new InlineWorkManager();
    private TributaryResourceAdapter adapter;

    /** A branch id as a transaction manager makes them. */
    private record TestXid(int formatId, byte[] gtrid, byte[] bqual) implements Xid {
        static TestXid of(String name) {
            return new TestXid(4660, name.getBytes(), new byte[]{1});
        }

        public int getFormatId() {
            return formatId;
        }

        public byte[] getGlobalTransactionId() {
            return gtrid;
        }

        public byte[] getBranchQualifier() {
            return bqual;
        }

        boolean sameAs(Xid x) {
            return x.getFormatId() == formatId && Arrays.equals(x.getGlobalTransactionId(), gtrid)
                    && Arrays.equals(x.getBranchQualifier(), bqual);
        }
    }

    /** A second server on the same cluster (node id 1, external mode), when a test starts one. */
    private TributaryResourceAdapter otherServer;
    /** A second adapter instance of the same deployment (as WildFly creates per activation), when a test starts one. */
    private TributaryResourceAdapter twin;

    @AfterEach
    void stop() {
        if (twin != null) twin.stop();
        if (otherServer != null) otherServer.stop();
        if (adapter != null) adapter.stop();
    }

    private int port;

    private void startAdapter() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        adapter = adapterOnPort();
        try (Admin admin = Admin.create(testClientConfig())) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(20, TimeUnit.SECONDS);
        }
    }

    /** The cluster the adapter points at instead of starting its embedded node, or null for the embedded node. */
    protected String externalBootstrap() {
        return null;
    }

    /** Broker properties of the embedded node's listener on {@code port}; empty for the default (PLAINTEXT). */
    protected String listenerProperties(int port) throws Exception {
        return "";
    }

    /** The adapter's {@code clientProperties}, also used by this test's own clients; empty for PLAINTEXT. */
    protected String clientProperties() throws Exception {
        return "";
    }

    /** A configuration for this test's own clients: the adapter's bootstrap address and client properties. */
    private Map<String, Object> testClientConfig() throws Exception {
        Map<String, Object> config = new java.util.HashMap<>(
                io.tributary.ra.config.ConfigProperties.nameValuePairs("clientProperties", clientProperties()));
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, adapter.bootstrapServers());
        return config;
    }

    private TributaryResourceAdapter adapterOnPort() throws Exception {
        TributaryResourceAdapter a = new TributaryResourceAdapter();
        a.setDataDirectory(dir.toString());
        if (externalBootstrap() != null) {
            a.setBootstrapServers(externalBootstrap());
        } else {
            a.setPort(port);
            String listener = listenerProperties(port);
            a.setBrokerProperties("num.io.threads=2;transaction.state.log.num.partitions=2;offsets.topic.num.partitions=2"
                    + (listener.isEmpty() ? "" : ";" + listener));
        }
        a.setClientProperties(clientProperties());
        a.start(new TestBootstrapContext(workManager));
        return a;
    }

    /** The server goes down and comes back: a new run of the adapter on the same data (its node included). */
    private void restartAdapter() throws Exception {
        adapter.stop();
        adapter = adapterOnPort();
    }

    private TributaryManagedConnectionFactory factory() {
        return factory(adapter);
    }

    private TributaryManagedConnectionFactory factory(TributaryResourceAdapter server) {
        TributaryManagedConnectionFactory mcf = new TributaryManagedConnectionFactory();
        mcf.setResourceAdapter(server);
        mcf.setTransactionalIdPrefix(prefix);
        return mcf;
    }

    private List<String> read(String isolation) throws Exception {
        Map<String, Object> c = testClientConfig();
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            List<String> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (consumer.position(tp) < end && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> out.add(r.value()));
            }
            return out;
        }
    }

    /** What a {@code read_committed} consumer reads (sorted), read again for up to 20 s until it is {@code expected}. */
    private List<String> readCommittedEventually(List<String> expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<String> seen = read("read_committed").stream().sorted().toList();
        while (!seen.equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            seen = read("read_committed").stream().sorted().toList();
        }
        return seen;
    }

    /** Sends {@code values} through a fresh pooled connection enlisted in branch {@code xid}, then ends the branch. */
    private XAResource sendInBranch(TributaryManagedConnectionFactory mcf, Xid xid, String... values) throws Exception {
        ManagedConnection mc = mcf.createManagedConnection(null, null);
        XAResource xa = mc.getXAResource();
        xa.start(xid, XAResource.TMNOFLAGS);
        try (TributaryConnection connection = (TributaryConnection) mc.getConnection(null, null)) {
            for (String v : values) connection.send(topic, "k", v);
        }
        xa.end(xid, XAResource.TMSUCCESS);
        return xa;
    }

    @Test
    void recordsOfACommittedBranchAreVisibleAndThoseOfARolledBackOneNever() throws Exception {
        startAdapter();
        TributaryManagedConnectionFactory mcf = factory();
        TestXid committed = TestXid.of("committed");
        XAResource xa = sendInBranch(mcf, committed, "c1", "c2");
        assertEquals(List.of(), read("read_committed"), "nothing visible before the commit");
        assertEquals(XAResource.XA_OK, xa.prepare(committed));
        xa.commit(committed, false);

        TestXid rolledBack = TestXid.of("rolled-back");
        XAResource other = sendInBranch(mcf, rolledBack, "r1");
        assertEquals(XAResource.XA_OK, other.prepare(rolledBack)); // the record reaches the log ...
        other.rollback(rolledBack);                                 // ... and the manager decides to roll back

        TestXid onePhase = TestXid.of("one-phase");
        sendInBranch(mcf, onePhase, "o1").commit(onePhase, true);

        assertEquals(List.of("c1", "c2", "o1"), read("read_committed"));
        assertTrue(read("read_uncommitted").contains("r1"), "the rolled-back record reached the log");

        TestXid idle = TestXid.of("idle");
        assertEquals(XAResource.XA_RDONLY, sendInBranch(mcf, idle).prepare(idle), "a branch that sent nothing");

        try (TributaryConnection outside = (TributaryConnection) mcf.createManagedConnection(null, null).getConnection(null, null)) {
            outside.send(topic, "k", "plain").toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        assertEquals(List.of("c1", "c2", "o1", "plain"), read("read_committed"), "outside a transaction a send is visible at once");
    }

    @Test
    void recoveryCompletesBranchesPreparedBeforeACrash() throws Exception {
        startAdapter();
        TributaryManagedConnectionFactory before = factory();
        TestXid toCommit = TestXid.of("decided-commit");
        TestXid toRollBack = TestXid.of("decided-rollback");
        XAResource a = sendInBranch(before, toCommit, "kept");
        XAResource b = sendInBranch(before, toRollBack, "dropped");
        assertEquals(XAResource.XA_OK, a.prepare(toCommit));
        assertEquals(XAResource.XA_OK, b.prepare(toRollBack));
        TestXid unprepared = TestXid.of("never-prepared");
        sendInBranch(before, unprepared, "never");
        // The server goes down: its producers are gone, the Kafka transactions stay open in the broker.
        restartAdapter();

        TributaryManagedConnectionFactory after = factory();
        XAResource recovery = after.createManagedConnection(null, null).getXAResource();
        Xid[] inDoubt = recovery.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN);
        assertEquals(2, inDoubt.length, "both prepared branches are in doubt, the unprepared one was aborted");
        assertTrue(Arrays.stream(inDoubt).anyMatch(toCommit::sameAs));
        assertTrue(Arrays.stream(inDoubt).anyMatch(toRollBack::sameAs));
        recovery.commit(toCommit, false);
        recovery.rollback(toRollBack);
        assertEquals(List.of("kept"), read("read_committed"), "no open transaction holds the consumer back");
        assertEquals(0, recovery.recover(XAResource.TMSTARTRSCAN).length, "nothing left in doubt");
    }

    @Test
    void aFactoryGivenItsAdapterBeforeTheAdapterStartsAbortsWhatAnEarlierRunLeftOpen() throws Exception {
        startAdapter();
        TestXid unprepared = TestXid.of("left-open");
        sendInBranch(factory(), unprepared, "never");
        adapter.stop();
        // WildFly's order: the factory gets its adapter, then the adapter starts.
        TributaryResourceAdapter next = new TributaryResourceAdapter();
        next.setDataDirectory(dir.toString());
        if (externalBootstrap() != null) {
            next.setBootstrapServers(externalBootstrap());
        } else {
            next.setPort(port);
            String listener = listenerProperties(port);
            next.setBrokerProperties("num.io.threads=2;transaction.state.log.num.partitions=2;offsets.topic.num.partitions=2"
                    + (listener.isEmpty() ? "" : ";" + listener));
        }
        next.setClientProperties(clientProperties());
        TributaryManagedConnectionFactory early = new TributaryManagedConnectionFactory();
        early.setTransactionalIdPrefix(prefix);
        early.setResourceAdapter(next);
        next.start(new TestBootstrapContext(workManager));
        adapter = next;
        try (TributaryConnection c = (TributaryConnection) early.createManagedConnection(null, null).getConnection(null, null)) {
            c.send(topic, "k", "after").toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        // The scan runs as work of its own: wait for it rather than for the transaction timeout.
        assertEquals(List.of("after"), readCommittedEventually(List.of("after")),
                "the earlier run's open transaction was aborted, so it does not hold the consumer back");
    }

    @Test
    void recoveryLeavesTheRunningFactoryAndOtherServersAlone() throws Exception {
        startAdapter();
        otherServer = new TributaryResourceAdapter();
        otherServer.setBootstrapServers(adapter.bootstrapServers());
        otherServer.setClientProperties(clientProperties());
        otherServer.setNodeId(1);
        otherServer.setDataDirectory(dir.resolve("other-server").toString());
        otherServer.start(new TestBootstrapContext(workManager));

        TributaryManagedConnectionFactory running = factory();
        TestXid inFlight = TestXid.of("in-flight");
        XAResource own = sendInBranch(running, inFlight, "own");           // open, not yet prepared
        TestXid preparedHere = TestXid.of("prepared-here");
        XAResource ownPrepared = sendInBranch(running, preparedHere, "own-prepared");
        assertEquals(XAResource.XA_OK, ownPrepared.prepare(preparedHere)); // prepared, commit still to come
        TributaryManagedConnectionFactory sibling = factory();              // another factory of this server, same prefix
        twin = adapterOnPort();                                             // another adapter instance of the same deployment
        TributaryManagedConnectionFactory twinFactory = factory(twin);
        TributaryManagedConnectionFactory elsewhere = factory(otherServer); // same prefix, another server
        TestXid theirs = TestXid.of("other-server");
        XAResource other = sendInBranch(elsewhere, theirs, "theirs");
        assertEquals(XAResource.XA_OK, other.prepare(theirs));

        // The periodic scans of the running factories and the recovery through the adapter.
        for (TributaryManagedConnectionFactory f : List.of(running, sibling, twinFactory)) {
            assertEquals(0, f.createManagedConnection(null, null).getXAResource()
                    .recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN).length,
                    "neither this run's branches nor another server's are in doubt");
        }
        for (XAResource r : adapter.getXAResources(new jakarta.resource.spi.ActivationSpec[0])) {
            assertEquals(0, r.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN).length, "nothing in doubt here: " + r);
        }

        assertEquals(XAResource.XA_OK, own.prepare(inFlight), "the running branch was not aborted");
        own.commit(inFlight, false);
        ownPrepared.commit(preparedHere, false);
        other.commit(theirs, false);
        // Apache Kafka writes the commit markers after EndTxn answers: the last commit may show a moment later.
        assertEquals(List.of("own", "own-prepared", "theirs"), readCommittedEventually(List.of("own", "own-prepared", "theirs")));
    }
}
