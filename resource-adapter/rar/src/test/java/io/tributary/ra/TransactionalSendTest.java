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
 * its producer was lost (a crash) is listed by recovery and completed as the manager decides,
 * while one that never reached prepare is aborted at once.
 */
class TransactionalSendTest {
    private static final String TOPIC = "payments";

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

    @AfterEach
    void stop() {
        if (adapter != null) adapter.stop();
    }

    private void startAdapter() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        adapter = new TributaryResourceAdapter();
        adapter.setDataDirectory(dir.toString());
        adapter.setPort(port);
        adapter.setBrokerProperties("num.io.threads=2;transaction.state.log.num.partitions=2;offsets.topic.num.partitions=2");
        adapter.start(new TestBootstrapContext(workManager));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, adapter.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(20, TimeUnit.SECONDS);
        }
    }

    private TributaryManagedConnectionFactory factory() {
        TributaryManagedConnectionFactory mcf = new TributaryManagedConnectionFactory();
        mcf.setResourceAdapter(adapter);
        mcf.setTransactionalIdPrefix("payments-app");
        return mcf;
    }

    private List<String> read(String isolation) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, adapter.bootstrapServers());
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(TOPIC, 0);
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

    /** Sends {@code values} through a fresh pooled connection enlisted in branch {@code xid}, then ends the branch. */
    private static XAResource sendInBranch(TributaryManagedConnectionFactory mcf, Xid xid, String... values) throws Exception {
        ManagedConnection mc = mcf.createManagedConnection(null, null);
        XAResource xa = mc.getXAResource();
        xa.start(xid, XAResource.TMNOFLAGS);
        try (TributaryConnection connection = (TributaryConnection) mc.getConnection(null, null)) {
            for (String v : values) connection.send(TOPIC, "k", v);
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
            outside.send(TOPIC, "k", "plain").toCompletableFuture().get(10, TimeUnit.SECONDS);
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
        // The server dies: its producers are gone, the Kafka transactions stay open in the broker.

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
}
