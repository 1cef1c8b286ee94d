package io.tributary.ra;

import io.tributary.api.ConnectionClosedException;
import io.tributary.api.OutgoingRecord;
import io.tributary.api.RecordSerializationException;
import io.tributary.api.RecordTooLargeException;
import io.tributary.api.SendFailedException;
import io.tributary.api.SendTimeoutException;
import io.tributary.api.SentRecord;
import io.tributary.api.TributaryConnection;
import io.tributary.api.TributaryConnectionFactory;
import io.tributary.api.TributaryRecord;
import io.tributary.ra.inbound.TributaryActivationSpec;
import io.tributary.ra.outbound.TributaryManagedConnectionFactory;
import jakarta.resource.spi.ConnectionEvent;
import jakarta.resource.spi.ConnectionEventListener;
import jakarta.resource.spi.ConnectionManager;
import jakarta.resource.spi.ConnectionRequestInfo;
import jakarta.resource.spi.ManagedConnection;
import jakarta.resource.spi.ManagedConnectionFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The application API from a user's seat, against a started adapter (embedded node with
 * automatic topic creation off): {@code sendObject} with the factory's Kafka serializers and JSON-B
 * configuration, the error model (what is thrown, what completes the stage, with which type), a
 * send with a timeout, the factory's sends without a connection inside and outside a JTA
 * transaction, and a bean receiving deserialized values and every value of a repeated header.
 */
class ApplicationApiTest {
    @TempDir
    static Path dir;

    private static final InlineWorkManager WORK = new InlineWorkManager();
    private static TributaryResourceAdapter ra;

    @BeforeAll
    static void startAdapter() throws Exception {
        ra = new TributaryResourceAdapter();
        ra.setDataDirectory(dir.toString());
        try (ServerSocket s = new ServerSocket(0)) {
            ra.setPort(s.getLocalPort());
        }
        ra.setBrokerProperties("auto.create.topics.enable=false;group.initial.rebalance.delay.ms=0;num.io.threads=2;"
                + "num.network.threads=1;offsets.topic.num.partitions=1;transaction.state.log.num.partitions=1;log.cleaner.enable=false");
        ra.start(new TestBootstrapContext(WORK));
    }

    @AfterAll
    static void stopAdapter() {
        ra.stop();
    }

    /** Stands in for the server's connection manager: enlists each connection in the "current transaction", if any, and counts closes. */
    private static final class ServerConnections implements ConnectionManager {
        volatile Xid transaction;
        final List<XAResource> enlisted = new CopyOnWriteArrayList<>();
        final AtomicInteger allocated = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();

        @Override
        public Object allocateConnection(ManagedConnectionFactory mcf, ConnectionRequestInfo info) throws jakarta.resource.ResourceException {
            ManagedConnection mc = mcf.createManagedConnection(null, info);
            mc.addConnectionEventListener(new ConnectionEventListener() {
                public void connectionClosed(ConnectionEvent event) { closed.incrementAndGet(); }
                public void localTransactionStarted(ConnectionEvent event) { }
                public void localTransactionCommitted(ConnectionEvent event) { }
                public void localTransactionRolledback(ConnectionEvent event) { }
                public void connectionErrorOccurred(ConnectionEvent event) { }
            });
            if (transaction != null) {
                XAResource xa = mc.getXAResource();
                try {
                    xa.start(transaction, enlisted.isEmpty() ? XAResource.TMNOFLAGS : XAResource.TMJOIN);
                } catch (XAException e) {
                    throw new jakarta.resource.ResourceException(e);
                }
                enlisted.add(xa);
            }
            allocated.incrementAndGet();
            return mc.getConnection(null, info);
        }

        /** Ends the transaction's branch on every enlisted connection and returns the XAResource to prepare with. */
        XAResource end() throws XAException {
            for (XAResource xa : enlisted) xa.end(transaction, XAResource.TMSUCCESS);
            return enlisted.get(0);
        }
    }

    private record TestXid(byte[] gtrid) implements Xid {
        static TestXid of(String name) {
            return new TestXid((name + "-" + System.nanoTime()).getBytes(StandardCharsets.UTF_8));
        }

        public int getFormatId() { return 4660; }
        public byte[] getGlobalTransactionId() { return gtrid; }
        public byte[] getBranchQualifier() { return new byte[]{1}; }
    }

    private static String newTopic(String name) {
        String topic = name + "-" + System.nanoTime();
        ra.embeddedBroker().topics().create(topic, 1, (short) 1, Map.of(), 1);
        return topic;
    }

    private static TributaryManagedConnectionFactory mcf(String producerProperties) {
        TributaryManagedConnectionFactory mcf = new TributaryManagedConnectionFactory();
        mcf.setResourceAdapter(ra);
        mcf.setProducerProperties(producerProperties);
        mcf.setTransactionalIdPrefix("api-test-" + System.nanoTime());
        return mcf;
    }

    private static TributaryConnectionFactory factory(TributaryManagedConnectionFactory mcf, ConnectionManager cm) {
        return (TributaryConnectionFactory) mcf.createConnectionFactory(cm);
    }

    private static List<ConsumerRecord<byte[], byte[]>> read(String topic, String isolation) {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, ra.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (c.position(tp) < end) {
                if (System.nanoTime() > deadline) fail("Could not read " + topic + " to offset " + end);
                c.poll(Duration.ofMillis(100)).forEach(out::add);
            }
            return out;
        }
    }

    private static List<String> values(String topic, String isolation) {
        return read(topic, isolation).stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
    }

    private static Throwable failure(java.util.concurrent.CompletionStage<SentRecord> stage) {
        CompletionException e = assertThrows(CompletionException.class, () -> stage.toCompletableFuture().join());
        return e.getCause();
    }

    /** A JSON-B bean whose property name shows the naming strategy. */
    public static class Line {
        private String productCode;

        public Line() {
        }

        Line(String productCode) {
            this.productCode = productCode;
        }

        public String getProductCode() { return productCode; }
        public void setProductCode(String v) { this.productCode = v; }
    }

    /** Holds each acknowledgement back on the producer's network thread, so that no send completes sooner. */
    public static final class SlowAcknowledgements implements org.apache.kafka.clients.producer.ProducerInterceptor<byte[], byte[]> {
        static final long DELAY_MS = 1500;

        public ProducerRecord<byte[], byte[]> onSend(ProducerRecord<byte[], byte[]> record) { return record; }

        public void onAcknowledgement(org.apache.kafka.clients.producer.RecordMetadata metadata, Exception exception) {
            try {
                Thread.sleep(DELAY_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        public void close() { }
        public void configure(Map<String, ?> configs) { }
    }

    private static final String SLOW_ACKS = "interceptor.classes=" + SlowAcknowledgements.class.getName();

    @Test
    void sendObjectWritesWithTheFactorysKafkaSerializersOrItsJsonbConfiguration() throws Exception {
        String topic = newTopic("typed");
        TributaryManagedConnectionFactory longs = mcf("");
        longs.setKeySerializer(LongSerializer.class.getName());
        longs.setValueSerializer(LongSerializer.class.getName());
        TributaryManagedConnectionFactory snake = mcf("");
        snake.setJsonbConfig("jsonb.property-naming-strategy=LOWER_CASE_WITH_UNDERSCORES");
        ServerConnections cm = new ServerConnections();

        factory(longs, cm).sendObject(topic, 7L, 4200L).toCompletableFuture().get(10, TimeUnit.SECONDS);
        factory(snake, cm).sendObject(topic, "line-1", new Line("p-1")).toCompletableFuture().get(10, TimeUnit.SECONDS);

        List<ConsumerRecord<byte[], byte[]>> records = read(topic, "read_committed");
        assertEquals(7L, new LongDeserializer().deserialize(topic, records.get(0).key()));
        assertEquals(4200L, new LongDeserializer().deserialize(topic, records.get(0).value()));
        assertNull(records.get(0).headers().lastHeader("content-type"), "a serializer's value is not labelled JSON");
        assertEquals("{\"product_code\":\"p-1\"}", new String(records.get(1).value(), StandardCharsets.UTF_8));
        assertEquals("application/json", new String(records.get(1).headers().lastHeader("content-type").value(), StandardCharsets.UTF_8));
    }

    @Test
    void argumentErrorsSerializationFailuresAndAClosedConnectionAreThrownAndNothingIsSent() {
        String topic = newTopic("thrown");
        TributaryManagedConnectionFactory longs = mcf("");
        longs.setValueSerializer(LongSerializer.class.getName());
        ServerConnections cm = new ServerConnections();
        TributaryConnection connection = factory(longs, cm).getConnection();

        RecordSerializationException serialization = assertThrows(RecordSerializationException.class,
                () -> connection.sendObject(topic, "k", "not a long"));
        assertEquals(topic, serialization.topic());
        assertEquals(false, serialization.isKey());
        assertTrue(serialization.getMessage().contains(LongSerializer.class.getName()), serialization.getMessage());
        IllegalArgumentException key = assertThrows(IllegalArgumentException.class,
                () -> factory(mcf(""), cm).sendObject(topic, 42, "v"));
        assertTrue(key.getMessage().contains("keySerializer"), key.getMessage());
        assertThrows(IllegalArgumentException.class, () -> connection.send(OutgoingRecord.of(topic, "k", "v").toPartition(-1)));
        assertThrows(IllegalArgumentException.class, () -> connection.send(OutgoingRecord.of(topic, "k", "v"), Duration.ZERO));
        connection.close();
        assertThrows(ConnectionClosedException.class, () -> connection.send(topic, "k", "v"));
        assertEquals(List.of(), values(topic, "read_uncommitted"));
    }

    @Test
    void aRecordThatIsTooLargeOrATopicThatDoesNotExistCompletesTheStageWithItsOwnType() {
        String topic = newTopic("failed");
        TributaryConnectionFactory small = factory(mcf("max.request.size=2000;max.block.ms=500"), new ServerConnections());

        Throwable tooLarge = failure(small.send(new OutgoingRecord(topic, 0, null, null, new byte[5000], null)));
        assertInstanceOf(RecordTooLargeException.class, tooLarge);
        assertEquals(topic, ((SendFailedException) tooLarge).topic());
        assertEquals(0, ((SendFailedException) tooLarge).partition());
        assertInstanceOf(org.apache.kafka.common.errors.RecordTooLargeException.class, tooLarge.getCause());

        Throwable missing = failure(small.send("no-such-topic-" + System.nanoTime(), "k", "v"));
        assertInstanceOf(SendTimeoutException.class, missing, "a topic that never appears times out in max.block.ms: " + missing);
        assertNull(((SendFailedException) missing).partition());
    }

    @Test
    void aSendWithATimeoutFailsWithASendTimeoutExceptionOnceTheTimeoutPasses() {
        String topic = newTopic("slow");
        TributaryConnectionFactory slow = factory(mcf(SLOW_ACKS), new ServerConnections());

        long start = System.nanoTime();
        Throwable e = failure(slow.send(OutgoingRecord.of(topic, "k", "late"), Duration.ofMillis(300)));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertInstanceOf(SendTimeoutException.class, e);
        assertTrue(e.getMessage().contains("300 ms") && e.getMessage().contains(topic), e.getMessage());
        assertTrue(ms >= 300 && ms < SlowAcknowledgements.DELAY_MS, "failed after the timeout, not after the acknowledgement: " + ms + " ms");
        assertEquals(List.of("late"), values(topic, "read_committed"), "outside a transaction the record may still be stored: here it was");
    }

    @Test
    void theFactorySendsWithoutAConnectionToManageOutsideAndInsideAJtaTransaction() throws Exception {
        String topic = newTopic("factory");
        ServerConnections cm = new ServerConnections();
        TributaryConnectionFactory factory = factory(mcf(""), cm);

        factory.send(topic, "k", "at once").toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(List.of("at once"), values(topic, "read_committed"), "outside a transaction: visible at once");

        cm.transaction = TestXid.of("factory-send");
        CompletableFuture<SentRecord> a = factory.send(topic, "k", "in tx 1").toCompletableFuture();
        CompletableFuture<SentRecord> b = factory.sendObject(topic, "k", "in tx 2").toCompletableFuture();
        a.get(10, TimeUnit.SECONDS);
        b.get(10, TimeUnit.SECONDS);
        assertEquals(List.of("at once"), values(topic, "read_committed"), "inside: nothing visible before the commit");
        XAResource xa = cm.end();
        assertEquals(XAResource.XA_OK, xa.prepare(cm.transaction));
        xa.commit(cm.transaction, false);
        assertEquals(List.of("at once", "in tx 1", "\"in tx 2\""), values(topic, "read_committed"));
        assertEquals(3, cm.allocated.get());
        assertEquals(3, cm.closed.get(), "each send gave its connection back");
    }

    @Test
    void aSendThatTimedOutInsideAJtaTransactionRollsTheTransactionBackAtPrepare() throws Exception {
        String topic = newTopic("tx-timeout");
        ServerConnections cm = new ServerConnections();
        TributaryConnectionFactory slow = factory(mcf(SLOW_ACKS), cm);

        cm.transaction = TestXid.of("timed-out");
        Throwable e = failure(slow.send(OutgoingRecord.of(topic, "k", "told it failed"), Duration.ofMillis(200)));
        assertInstanceOf(SendTimeoutException.class, e);
        XAResource xa = cm.end();
        XAException prepare = assertThrows(XAException.class, () -> xa.prepare(cm.transaction));
        assertEquals(XAException.XA_RBROLLBACK, prepare.errorCode);
        assertEquals(List.of(), values(topic, "read_committed"), "the application was told the send failed: it is not committed");
    }

    @Test
    void aBeanReceivesTheActivationsDeserializedValueEveryValueOfARepeatedHeaderAndItsDeliveryAttempt() throws Exception {
        String topic = newTopic("inbound");
        try (KafkaProducer<String, Long> producer = new KafkaProducer<>(Map.of("bootstrap.servers", ra.bootstrapServers()),
                new StringSerializer(), new LongSerializer())) {
            RecordHeaders headers = new RecordHeaders();
            headers.add("trace", "a".getBytes(StandardCharsets.UTF_8));
            headers.add("trace", "b".getBytes(StandardCharsets.UTF_8));
            producer.send(new ProducerRecord<>(topic, 0, "order-1", 4200L, headers)).get(10, TimeUnit.SECONDS);
        }
        List<TributaryRecord> received = new CopyOnWriteArrayList<>();
        TributaryActivationSpec spec = new TributaryActivationSpec();
        spec.setResourceAdapter(ra);
        spec.setTopics(topic);
        spec.setGroupId("inbound-" + System.nanoTime());
        spec.setValueDeserializer(LongDeserializer.class.getName());
        spec.setConsumerProperties("fetch.max.wait.ms=100");
        FakeEndpointFactory bean = FakeEndpointFactory.records(true, (r, d) -> received.add(r));
        ra.endpointActivation(bean, spec);
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (received.isEmpty()) {
                if (System.nanoTime() > deadline) fail("The record was not delivered");
                Thread.sleep(20);
            }
        } finally {
            ra.endpointDeactivation(bean, spec);
        }
        TributaryRecord r = received.get(0);
        assertEquals(4200L, r.deserializedValue(Long.class));
        assertEquals("order-1", r.keyAsString());
        assertEquals(List.of("a", "b"), r.headers("trace"));
        assertEquals(1, r.deliveryAttempt());
        assertEquals(List.of(), bean.protocolErrors());
    }
}
