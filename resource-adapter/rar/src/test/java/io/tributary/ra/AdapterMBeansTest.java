package io.tributary.ra;

import io.tributary.ra.inbound.TributaryActivationSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The adapter's MBeans as a JMX client sees them in the platform MBeanServer: the adapter's
 * readiness, each activation's consumer states, counters and lag, the seek operation, and that
 * they go away when the adapter stops. A real adapter with an embedded node and the
 * {@link FakeEndpointFactory} container, as in {@link TributaryResourceAdapterTest}.
 */
class AdapterMBeansTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

    @TempDir
    Path dir;

    private final InlineWorkManager workManager = new InlineWorkManager();
    private TributaryResourceAdapter ra;
    private KafkaProducer<String, String> producer;

    @AfterEach
    void stop() throws Exception {
        if (producer != null) producer.close(Duration.ofSeconds(5));
        if (ra != null) {
            ra.stop();
            try (Connection c = ra.offsetDatabase().open(); Statement s = c.createStatement()) {
                s.execute("SHUTDOWN");
            } catch (java.sql.SQLException alreadyClosed) {
                // closed by stop
            }
        }
        assertTrue(workManager.awaitIdle(15_000));
    }

    @Test
    void theAdapterAndEachActivationAreMBeansWithStatesCountersLagAndASeekThatReplaysAPartition() throws Exception {
        start();
        ObjectName adapter = single("io.tributary:type=Adapter,*");
        assertEquals(true, JMX.getAttribute(adapter, "Started"));
        assertEquals(true, JMX.getAttribute(adapter, "Embedded"));
        assertEquals(true, JMX.getAttribute(adapter, "ListenerServing"));
        assertEquals(true, JMX.getAttribute(adapter, "ControllerKnown"));
        assertEquals(true, JMX.getAttribute(adapter, "Ready"));
        assertEquals(true, JMX.getAttribute(adapter, "Live"));
        assertEquals(ra.bootstrapServers(), JMX.getAttribute(adapter, "BootstrapServers"));

        ra.embeddedBroker().topics().create("meters", 2, (short) 1, Map.of(), 1);
        produce("meters", 0, 5);
        produce("meters", 1, 3);
        List<String> committed = new CopyOnWriteArrayList<>();
        FakeEndpointFactory factory = FakeEndpointFactory.records(true, (r, d) -> {
            if (r.partition() == 0 && r.offset() == 2) throw new IllegalStateException("meter reading out of range");
            d.afterCommit(() -> committed.add(r.partition() + "@" + r.offset()));
        });
        TributaryActivationSpec spec = spec("meters", "meter-store");
        spec.setMaxRedeliveries(1);
        ra.endpointActivation(factory, spec);

        ObjectName activation = ObjectName.getInstance("io.tributary:type=Activation,name=" + factory.getActivationName());
        assertTrue(JMX.isRegistered(activation), "registered at activation: " + activation);
        assertEquals("meter-store", JMX.getAttribute(activation, "GroupId"));
        assertEquals(1, JMX.getAttribute(adapter, "Activations"));
        await("7 records committed, 1 dead-lettered", () -> attr(activation, "Delivered").equals(7L)
                && attr(activation, "DeadLettered").equals(1L));
        assertEquals(1L, attr(activation, "Redelivered"), "0@2 was delivered twice");
        assertEquals(9L, attr(activation, "DeliveryCount"), "8 first deliveries and 1 redelivery");
        assertEquals(0L, attr(activation, "OutagePauses"));
        double max = (Double) attr(activation, "DeliveryTimeMaxMs");
        double mean = (Double) attr(activation, "DeliveryTimeMeanMs");
        assertTrue(max > 0 && mean > 0 && mean <= max, "mean " + mean + " ms, max " + max + " ms");
        await("running, no partition paused", () -> "RUNNING".equals(attr(activation, "State")));
        assertEquals(true, attr(activation, "Ready"));
        assertEquals(true, attr(activation, "Live"));
        assertTrue(((String) attr(activation, "LastError")).contains("meter reading out of range"), (String) attr(activation, "LastError"));
        await("lag known for both partitions and 0", () -> Map.of("meters-0", 0L, "meters-1", 0L).equals(lag(activation)));
        assertEquals(0L, attr(activation, "TotalLag"));

        // Replay partition 1 from its first record: delivered again, counted again, the stored offset follows.
        String done = (String) JMX.invoke(activation, "seek", new Object[]{"meters", 1, 0L},
                new String[]{String.class.getName(), int.class.getName(), long.class.getName()});
        assertTrue(done.contains("meters-1") && done.contains("offset 0"), done);
        await("partition 1 delivered again", () -> committed.stream().filter("1@0"::equals).count() == 2
                && attr(activation, "Delivered").equals(10L));
        assertEquals(List.of("0@0", "0@1", "0@3", "0@4", "1@0", "1@1", "1@2", "1@0", "1@1", "1@2"), sortedByPartition(committed),
                "each partition in order, partition 1 twice from offset 0");
        await("the stored offset back at the log end", () -> storedOffset("meter-store", "meters", 1) == 3L);
        RuntimeMBeanException notHeld = assertThrows(RuntimeMBeanException.class, () -> JMX.invoke(activation, "seek",
                new Object[]{"meters", 7, 0L}, new String[]{String.class.getName(), int.class.getName(), long.class.getName()}));
        assertTrue(notHeld.getCause().getMessage().contains("No consumer of group meter-store holds meters-7"),
                notHeld.getCause().getMessage());

        ra.endpointDeactivation(factory, spec);
        assertFalse(JMX.isRegistered(activation), "unregistered at deactivation");
        ra.stop();
        assertEquals(Set.of(), JMX.queryNames(ObjectName.getInstance("io.tributary:*"), null), "nothing left after stop");
        ra = null;
    }

    @Test
    void aConsumerKilledByAnUnexpectedExceptionMakesItsActivationNotReadyUntilItIsBack() throws Exception {
        start();
        ra.embeddedBroker().topics().create("receipts", 1, (short) 1, Map.of(), 1);
        produce("receipts", 0, 2);
        FakeEndpointFactory factory = FakeEndpointFactory.records(true, (r, d) -> { });
        TributaryActivationSpec spec = spec("receipts", "receipt-store");
        spec.setAutoOffsetReset("none");   // no stored offset: poll throws NoOffsetForPartitionException
        spec.setOutageBackoff(200L);
        spec.setOutageBackoffMax(400L);
        ra.endpointActivation(factory, spec);
        ObjectName activation = ObjectName.getInstance("io.tributary:type=Activation,name=" + factory.getActivationName());

        await("retrying", () -> "RETRYING".equals(attr(activation, "State")));
        assertEquals(false, attr(activation, "Ready"));
        assertEquals(true, attr(activation, "Live"), "a retrying consumer is alive: it comes back by itself");
        assertTrue(((String) attr(activation, "LastError")).contains("NoOffsetForPartitionException"));
        assertEquals(true, JMX.getAttribute(single("io.tributary:type=Adapter,*"), "Ready"), "the node itself is fine");

        try (Connection c = ra.offsetDatabase().open(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO TRIBUTARY_OFFSETS (GROUP_ID, TOPIC, PARTITION_ID, NEXT_OFFSET) VALUES ('receipt-store', 'receipts', 0, 0)");
        }
        await("ready again", () -> Boolean.TRUE.equals(attr(activation, "Ready")) && attr(activation, "Delivered").equals(2L));
        assertEquals("RUNNING", attr(activation, "State"));
        assertTrue((Integer) attr(activation, "Restarts") >= 1);
    }

    // ---------------------------------------------------------------------------------- helpers

    private static List<String> sortedByPartition(List<String> committed) {
        List<String> p0 = committed.stream().filter(s -> s.startsWith("0@")).toList();
        List<String> p1 = committed.stream().filter(s -> s.startsWith("1@")).toList();
        return java.util.stream.Stream.concat(p0.stream(), p1.stream()).toList();
    }

    private void start() throws Exception {
        TributaryResourceAdapter a = new TributaryResourceAdapter();
        a.setDataDirectory(dir.toString());
        try (ServerSocket s = new ServerSocket(0)) {
            a.setPort(s.getLocalPort());
        }
        a.setBrokerProperties("group.initial.rebalance.delay.ms=0;num.io.threads=2;num.network.threads=1;"
                + "offsets.topic.num.partitions=1;log.cleaner.enable=false");
        a.start(new TestBootstrapContext(workManager));
        ra = a;
    }

    private TributaryActivationSpec spec(String topics, String group) throws Exception {
        TributaryActivationSpec s = new TributaryActivationSpec();
        s.setResourceAdapter(ra);
        s.setTopics(topics);
        s.setGroupId(group);
        s.setRedeliveryBackoff(20L);
        s.setConsumerProperties("heartbeat.interval.ms=100;session.timeout.ms=10000;fetch.max.wait.ms=100");
        return s;
    }

    private void produce(String topic, int partition, int count) throws Exception {
        if (producer == null) {
            producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ra.bootstrapServers(),
                    ProducerConfig.LINGER_MS_CONFIG, 0), new StringSerializer(), new StringSerializer());
        }
        for (int i = 0; i < count; i++) producer.send(new ProducerRecord<>(topic, partition, "k" + i, "v" + i)).get(10, TimeUnit.SECONDS);
    }

    private long storedOffset(String group, String topic, int partition) {
        try (Connection c = ra.offsetDatabase().open(); java.sql.PreparedStatement ps = c.prepareStatement(
                "SELECT NEXT_OFFSET FROM TRIBUTARY_OFFSETS WHERE GROUP_ID = ? AND TOPIC = ? AND PARTITION_ID = ?")) {
            ps.setString(1, group);
            ps.setString(2, topic);
            ps.setInt(3, partition);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectName single(String pattern) throws Exception {
        Set<ObjectName> names = JMX.queryNames(ObjectName.getInstance(pattern), null);
        assertEquals(1, names.size(), names.toString());
        return names.iterator().next();
    }

    private static Object attr(ObjectName name, String attribute) {
        try {
            return JMX.getAttribute(name, attribute);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Long> lag(ObjectName activation) {
        Map<String, Long> out = new TreeMap<>();
        for (Object row : ((TabularData) attr(activation, "LagByPartition")).values()) {
            CompositeData d = (CompositeData) row;
            out.put((String) d.get("key"), (Long) d.get("value"));
        }
        return out;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("Timed out waiting for " + what);
            Thread.sleep(20);
        }
    }
}
