package io.tributary.ra;

import io.tributary.api.SentRecord;
import io.tributary.api.TributaryConnection;
import io.tributary.api.TributaryConnectionFactory;
import io.tributary.api.TributaryException;
import io.tributary.api.TributaryRecord;
import io.tributary.broker.group.GroupCoordinator;
import io.tributary.ra.inbound.ActivationStatus;
import io.tributary.ra.inbound.ConsumerStatus;
import io.tributary.ra.inbound.TributaryActivationSpec;
import io.tributary.ra.outbound.TributaryManagedConnectionFactory;
import jakarta.resource.spi.ConnectionManager;
import jakarta.resource.spi.ResourceAdapterInternalException;
import jakarta.resource.spi.work.HintsContext;
import jakarta.resource.spi.work.WorkContext;
import jakarta.resource.spi.work.WorkContextProvider;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The adapter's delivery logic without an application server, the way the Artemis adapter tests
 * its inflow: the adapter is started for real (an embedded broker on a free port, the H2 offset
 * database in a temporary directory) with an {@link InlineWorkManager}, and beans are played by a
 * {@link FakeEndpointFactory} that drives the offset database's XAResource exactly as a container's
 * transaction manager does. Records are produced and dead letters read with the Kafka clients.
 */
class TributaryResourceAdapterTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final InlineWorkManager workManager = new InlineWorkManager();
    private final List<TributaryResourceAdapter> adapters = new ArrayList<>();
    private final List<FakeEndpointFactory> factories = new ArrayList<>();
    private TributaryResourceAdapter ra;
    private KafkaProducer<String, String> producer;

    /** One call of a bean's listener method, and what the offset table said while it ran. */
    record Call(int partition, long offset, String value, String thread, long startNanos, long endNanos, Long storedDuring) {
        String at() {
            return partition + "@" + offset;
        }
    }

    @AfterEach
    void stopEverything() throws Exception {
        if (producer != null) producer.close(Duration.ofSeconds(5));
        for (TributaryResourceAdapter a : adapters) a.stop();
        assertTrue(workManager.awaitIdle(15_000), "every consumer work returned after the adapter stopped");
        for (TributaryResourceAdapter a : adapters) {
            // DB_CLOSE_DELAY=-1 keeps the offset database open in this JVM; close it before the directory goes.
            try (Connection c = a.offsetDatabase().open(); Statement s = c.createStatement()) {
                s.execute("SHUTDOWN");
            } catch (java.sql.SQLException alreadyClosed) {
                // A second adapter on the same directory shut it down already.
            }
        }
        for (FakeEndpointFactory f : factories) {
            assertEquals(List.of(), f.protocolErrors(), "the adapter kept the MessageEndpoint contract");
        }
    }

    // ------------------------------------------------------------------------------------ tests

    @Test
    void anEmbeddedNodeAskedForAListenerItCannotServeDoesNotStartAndServesNothing() throws Exception {
        int port = freePort();
        String listener = "SASL_SSL://127.0.0.1:" + port;
        TributaryResourceAdapter a = new TributaryResourceAdapter();
        a.setDataDirectory(dir.toString());
        a.setPort(freePort());
        a.setBrokerProperties("num.io.threads=2;listeners=" + listener);
        ResourceAdapterInternalException e = assertThrows(ResourceAdapterInternalException.class,
                () -> a.start(new TestBootstrapContext(workManager)));
        assertTrue(e.getMessage().contains(listener), e.getMessage());
        assertTrue(e.getMessage().contains("ssl.keystore.location"), "names the missing setting: " + e.getMessage());
        assertEquals(null, a.embeddedBroker());
        try (java.net.Socket s = new java.net.Socket()) {
            assertThrows(java.io.IOException.class,
                    () -> s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500), "nothing listens on " + port);
        }
    }

    @Test
    void everyRecordIsDeliveredOnceInPartitionOrderAndTheStoredOffsetsEqualTheLogEndOffsets() throws Exception {
        startAdapter(dir, freePort());
        createTopic("orders", 3);
        for (int p = 0; p < 3; p++) produce("orders", p, 0, 10);
        List<Call> committed = new CopyOnWriteArrayList<>();
        FakeEndpointFactory factory = FakeEndpointFactory.records(true, (r, d) -> {
            Call c = call(r, null);
            d.afterCommit(() -> committed.add(c));
        });

        activate(factory, spec("orders", "order-store"));

        await("stored offsets at the log end", () -> stored("order-store", "orders").equals(endOffsets("orders")));
        await("30 committed deliveries", () -> committed.size() >= 30);
        assertEquals(Map.of(0, 10L, 1, 10L, 2, 10L), stored("order-store", "orders"));
        for (int p = 0; p < 3; p++) {
            int partition = p;
            List<Long> offsets = committed.stream().filter(c -> c.partition() == partition).map(Call::offset).toList();
            assertEquals(LongStream.range(0, 10).boxed().toList(), offsets, "partition " + p + " once each, in order");
            List<String> values = committed.stream().filter(c -> c.partition() == partition).map(Call::value).toList();
            assertEquals(IntStream.range(0, 10).mapToObj(i -> "orders-" + partition + "-" + i).toList(), values);
        }
        assertEquals(30, committed.size());
        assertEquals(0, factory.rollbacks());
        assertTrue(factory.xaResourcesGiven().stream().noneMatch(x -> x == FakeEndpointFactory.NO_RESOURCE),
                "a transacted endpoint is created with the offset database's XAResource");
    }

    @Test
    void aRolledBackRecordIsRedeliveredAtTheSameOffsetThenDeadLetteredAndTheNextRecordsAreProcessed() throws Exception {
        startAdapter(dir, freePort());
        createTopic("payments", 1);
        produce("payments", 0, 0, 6);
        List<Call> calls = new CopyOnWriteArrayList<>();
        List<Long> committed = new CopyOnWriteArrayList<>();
        FakeEndpointFactory factory = FakeEndpointFactory.records(true, (r, d) -> {
            calls.add(call(r, storedOrNull("payment-store", "payments", r.partition())));
            if (r.offset() == 2) throw new IllegalStateException("cannot process payment " + r.valueAsString());
            d.afterCommit(() -> committed.add(r.offset()));
        });
        TributaryActivationSpec spec = spec("payments", "payment-store");
        spec.setMaxRedeliveries(2);

        activate(factory, spec);

        await("the last record committed", () -> committed.contains(5L));
        assertEquals(List.of(0L, 1L, 3L, 4L, 5L), committed, "the records after the poison one are processed normally");
        assertEquals(List.of(0L, 1L, 2L, 2L, 2L, 3L, 4L, 5L), calls.stream().map(Call::offset).toList(),
                "the failing record is delivered 1 + maxRedeliveries times, always at offset 2, before offset 3");
        List<Long> storedWhileFailing = calls.stream().filter(c -> c.offset() == 2).map(Call::storedDuring).toList();
        assertEquals(List.of(2L, 2L, 2L), storedWhileFailing, "each failed delivery rolled the offset row back");
        assertEquals(3, factory.rollbacks());
        await("stored offset past the dead letter", () -> Long.valueOf(6).equals(stored("payment-store", "payments").get(0)));

        List<ConsumerRecord<String, String>> dead = readAll("payments.DLT", 1);
        assertEquals(1, dead.size());
        ConsumerRecord<String, String> d = dead.get(0);
        assertEquals("k-0-2", d.key());
        assertEquals("payments-0-2", d.value(), "the dead letter carries the record unchanged");
        assertEquals("payments", header(d, "tributary.dlt.topic"));
        assertEquals("0", header(d, "tributary.dlt.partition"));
        assertEquals("2", header(d, "tributary.dlt.offset"));
        assertEquals("3", header(d, "tributary.dlt.attempts"));
        assertEquals(IllegalStateException.class.getName(), header(d, "tributary.dlt.exception"));
        assertEquals("cannot process payment payments-0-2", header(d, "tributary.dlt.message"));
    }

    @Test
    void setRollbackOnlyWithoutAnExceptionAlsoCausesRedelivery() throws Exception {
        startAdapter(dir, freePort());
        createTopic("audits", 1);
        produce("audits", 0, 0, 5);
        List<Call> calls = new CopyOnWriteArrayList<>();
        List<Long> committed = new CopyOnWriteArrayList<>();
        FakeEndpointFactory factory = FakeEndpointFactory.records(true, (r, d) -> {
            calls.add(call(r, storedOrNull("audit-store", "audits", r.partition())));
            long attemptsSoFar = calls.stream().filter(c -> c.offset() == r.offset()).count();
            if (r.offset() == 1 && attemptsSoFar <= 2) d.setRollbackOnly();   // rolled back twice, then fine
            if (r.offset() == 3) d.setRollbackOnly();                         // never commits
            d.afterCommit(() -> committed.add(r.offset()));
        });
        TributaryActivationSpec spec = spec("audits", "audit-store");
        spec.setMaxRedeliveries(3);

        activate(factory, spec);

        await("stored offset at the log end", () -> Long.valueOf(5).equals(stored("audit-store", "audits").get(0)));
        await("the last record's commit seen by the bean", () -> committed.contains(4L));
        assertEquals(List.of(0L, 1L, 2L, 4L), committed);
        assertEquals(List.of(0L, 1L, 1L, 1L, 2L, 3L, 3L, 3L, 3L, 4L), calls.stream().map(Call::offset).toList());
        assertEquals(List.of(1L, 1L, 1L), calls.stream().filter(c -> c.offset() == 1).map(Call::storedDuring).toList(),
                "the rolled-back deliveries left the offset row at the record");
        assertEquals(2 + 4, factory.rollbacks());
        List<ConsumerRecord<String, String>> dead = readAll("audits.DLT", 1);
        assertEquals(List.of("3"), dead.stream().map(r -> header(r, "tributary.dlt.offset")).toList());
        assertEquals("4", header(dead.get(0), "tributary.dlt.attempts"));
        assertEquals("transaction rolled back", header(dead.get(0), "tributary.dlt.exception"));
    }

    @Test
    void anUntransactedEndpointGetsAtLeastOnceDeliveryWithTheOffsetStoredAfterTheMethodReturns() throws Exception {
        startAdapter(dir, freePort());
        createTopic("clicks", 1);
        produce("clicks", 0, 0, 4);
        List<Call> calls = new CopyOnWriteArrayList<>();
        FakeEndpointFactory factory = FakeEndpointFactory.records(false, (r, d) -> {
            calls.add(call(r, storedOrNull("click-counter", "clicks", r.partition())));
            if (r.offset() == 2 && calls.stream().filter(c -> c.offset() == 2).count() == 1) {
                throw new IllegalStateException("first attempt at offset 2 fails");
            }
        });

        activate(factory, spec("clicks", "click-counter"));

        await("stored offset at the log end", () -> Long.valueOf(4).equals(stored("click-counter", "clicks").get(0)));
        assertEquals(List.of(0L, 1L, 2L, 2L, 3L), calls.stream().map(Call::offset).toList(),
                "the failed record is delivered again: at least once");
        List<Long> expectedStored = new ArrayList<>(Arrays.asList(null, 1L, 2L, 2L, 3L));
        assertEquals(expectedStored, calls.stream().map(Call::storedDuring).toList(),
                "while the method runs the row still points at the record: it is written after the method returns");
        assertTrue(factory.xaResourcesGiven().stream().allMatch(x -> x == FakeEndpointFactory.NO_RESOURCE),
                "an untransacted endpoint is created without an XAResource");
    }

    @Test
    void afterARestartDeliveryResumesAtTheStoredOffsetsAndEveryRecordIsCommittedExactlyOnce() throws Exception {
        int port = freePort();
        Path data = dir.resolve("node");
        TributaryResourceAdapter first = startAdapter(data, port);
        createTopic("events", 2);
        for (int p = 0; p < 2; p++) produce("events", p, 0, 25);
        List<String> committed = new CopyOnWriteArrayList<>();
        List<Call> secondRun = new CopyOnWriteArrayList<>();
        FakeEndpointFactory.RecordBean slowBean = (r, d) -> {
            sleep(15);
            d.afterCommit(() -> committed.add(r.partition() + "@" + r.offset()));
        };
        activate(FakeEndpointFactory.records(true, slowBean), spec("events", "event-store"));
        await("12 committed deliveries", () -> committed.size() >= 12);

        first.stop();
        adapters.remove(first);
        int committedInFirstRun = committed.size();
        assertTrue(committedInFirstRun < 50, "stopped mid-stream, after " + committedInFirstRun);

        startAdapter(data, port);
        Map<Integer, Long> storedAtRestart = stored("event-store", "events");
        for (int p = 0; p < 2; p++) {
            String prefix = p + "@";
            long done = committed.stream().filter(k -> k.startsWith(prefix)).count();
            assertEquals(done, storedAtRestart.getOrDefault(p, 0L).longValue(),
                    "the stored offset of partition " + p + " counts exactly the records committed before the stop");
        }
        activate(FakeEndpointFactory.records(true, (r, d) -> {
            secondRun.add(call(r, null));
            slowBean.onRecord(r, d);
        }), spec("events", "event-store"));

        await("50 committed deliveries", () -> committed.size() >= 50);
        await("stored offsets at the log end", () -> stored("event-store", "events").equals(Map.of(0, 25L, 1, 25L)));
        sleep(300);   // nothing more arrives
        assertEquals(50, committed.size(), "no record committed twice: " + duplicates(committed));
        assertEquals(50, new HashSet<>(committed).size());
        for (int p = 0; p < 2; p++) {
            int partition = p;
            long firstOffsetAfterRestart = secondRun.stream().filter(c -> c.partition() == partition)
                    .mapToLong(Call::offset).min().orElse(25);
            assertEquals(storedAtRestart.getOrDefault(p, 0L).longValue(), firstOffsetAfterRestart,
                    "partition " + p + " resumes at its stored offset");
        }
    }

    @Test
    void withConcurrencyThreeThePartitionsAreDeliveredInParallelEachInOffsetOrder() throws Exception {
        startAdapter(dir, freePort());
        createTopic("telemetry", 6);
        List<Call> committed = new CopyOnWriteArrayList<>();
        FakeEndpointFactory factory = FakeEndpointFactory.records(true, (r, d) -> {
            long start = System.nanoTime();
            sleep(25);
            Call c = new Call(r.partition(), r.offset(), r.valueAsString(), Thread.currentThread().getName(), start,
                    System.nanoTime(), null);
            d.afterCommit(() -> committed.add(c));
        });
        TributaryActivationSpec spec = spec("telemetry", "telemetry-store");
        spec.setConcurrency(3);
        spec.setMaxPollRecords(4);

        activate(factory, spec);
        await("three members sharing the six partitions", () -> {
            GroupCoordinator.GroupSummary g = ra.embeddedBroker().groups().describe("telemetry-store").orElse(null);
            return g != null && g.state().equals("Stable") && g.members().size() == 3
                    && g.members().stream().allMatch(m -> m.assignment() != null && m.assignment().length > 0);
        });
        sleep(300);   // the members see their assignment in their next poll
        for (int p = 0; p < 6; p++) produce("telemetry", p, 0, 8);

        await("48 committed deliveries", () -> committed.size() >= 48);
        Map<Integer, List<Call>> byPartition = committed.stream().collect(Collectors.groupingBy(Call::partition, TreeMap::new,
                Collectors.toList()));
        for (Map.Entry<Integer, List<Call>> e : byPartition.entrySet()) {
            assertEquals(LongStream.range(0, 8).boxed().toList(), e.getValue().stream().map(Call::offset).toList(),
                    "partition " + e.getKey() + " in strictly increasing offset order, once each");
            assertEquals(1, e.getValue().stream().map(Call::thread).distinct().count(),
                    "partition " + e.getKey() + " is delivered by one consumer");
        }
        assertEquals(6, byPartition.size());
        assertEquals(3, committed.stream().map(Call::thread).distinct().count(), "three consumers deliver");
        boolean overlap = false;
        for (Call a : committed) {
            for (Call b : committed) {
                if (a.partition() != b.partition() && !a.thread().equals(b.thread())
                        && a.startNanos() < b.endNanos() && b.startNanos() < a.endNanos()) {
                    overlap = true;
                }
            }
        }
        assertTrue(overlap, "deliveries of different partitions overlap in time");
        await("stored offsets at the log end", () -> stored("telemetry-store", "telemetry").equals(endOffsets("telemetry")));
    }

    @Test
    void aBatchListenerGetsWholePollsAndOnlyThePoisonRecordOfAFailingBatchIsDeadLettered() throws Exception {
        startAdapter(dir, freePort());
        createTopic("ledger", 2);
        for (int p = 0; p < 2; p++) produce("ledger", p, 0, 10);
        String poison = "1@3";
        List<List<String>> batches = new CopyOnWriteArrayList<>();
        List<String> committed = new CopyOnWriteArrayList<>();
        FakeEndpointFactory factory = FakeEndpointFactory.batches(true, (records, d) -> {
            List<String> ids = records.stream().map(r -> r.partition() + "@" + r.offset()).toList();
            batches.add(ids);
            if (ids.contains(poison)) throw new IllegalArgumentException("poison record in " + ids);
            d.afterCommit(() -> committed.addAll(ids));
        });
        TributaryActivationSpec spec = spec("ledger", "ledger-store");
        spec.setMaxPollRecords(4);
        spec.setMaxRedeliveries(1);

        activate(factory, spec);

        await("stored offsets at the log end", () -> stored("ledger-store", "ledger").equals(Map.of(0, 10L, 1, 10L)));
        // The row is visible at the XA commit; the bean's after-commit hook runs just after it.
        await("19 records committed", () -> committed.size() >= 19);
        for (List<String> b : batches) {
            assertTrue(!b.isEmpty() && b.size() <= 4, "batch of 1.." + spec.getMaxPollRecords() + ": " + b);
            Map<String, List<Long>> offsets = new HashMap<>();
            for (String id : b) offsets.computeIfAbsent(id.split("@")[0], k -> new ArrayList<>()).add(Long.parseLong(id.split("@")[1]));
            for (List<Long> o : offsets.values()) assertEquals(o.stream().sorted().toList(), o, "partition order in " + b);
        }
        assertTrue(batches.stream().anyMatch(b -> b.size() > 1), "records arrive in batches: " + batches);
        List<List<String>> withPoison = batches.stream().filter(b -> b.contains(poison)).toList();
        assertEquals(4, withPoison.size(), "the batch twice (1 + maxRedeliveries), then the record alone twice: " + withPoison);
        List<String> failedBatch = withPoison.get(0);
        assertTrue(failedBatch.size() > 1, "the poison record first came in a batch: " + failedBatch);
        assertEquals(failedBatch, withPoison.get(1));
        assertEquals(List.of(List.of(poison), List.of(poison)), withPoison.subList(2, 4));
        for (String id : failedBatch) {
            if (!id.equals(poison)) assertTrue(batches.contains(List.of(id)), id + " redelivered alone after the batch failed");
        }
        Set<String> expected = new HashSet<>();
        for (int p = 0; p < 2; p++) for (int o = 0; o < 10; o++) expected.add(p + "@" + o);
        expected.remove(poison);
        assertEquals(expected, new HashSet<>(committed));
        assertEquals(19, committed.size(), "each record committed once: " + duplicates(committed));

        List<ConsumerRecord<String, String>> dead = readAll("ledger.DLT", 1);
        assertEquals(1, dead.size(), "only the poison record is dead-lettered");
        assertEquals("1", header(dead.get(0), "tributary.dlt.partition"));
        assertEquals("3", header(dead.get(0), "tributary.dlt.offset"));
        assertEquals(IllegalArgumentException.class.getName(), header(dead.get(0), "tributary.dlt.exception"));
    }

    @Test
    void anOutboundConnectionSendsRecordsAndJsonObjectsAndReportsWhereTheyWereStored() throws Exception {
        startAdapter(dir, freePort());
        createTopic("shipments", 2);
        TributaryManagedConnectionFactory mcf = new TributaryManagedConnectionFactory();
        mcf.setResourceAdapter(ra);
        ConnectionManager pool = (f, info) -> f.createManagedConnection(null, info).getConnection(null, info);
        TributaryConnectionFactory factory = (TributaryConnectionFactory) mcf.createConnectionFactory(pool);

        SentRecord first;
        SentRecord second;
        SentRecord json;
        TributaryConnection connection = factory.getConnection();
        try (connection) {
            first = connection.send("shipments", "s-1", "packed").toCompletableFuture().get(10, TimeUnit.SECONDS);
            second = connection.send("shipments", "s-1", "shipped").toCompletableFuture().get(10, TimeUnit.SECONDS);
            json = connection.sendObject("shipments", "s-2", new Shipment("s-2", 3, "Lisbon"))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        assertEquals("shipments", first.topic());
        assertEquals(first.partition(), second.partition(), "one key, one partition");
        assertEquals(0, first.offset());
        assertEquals(1, second.offset());
        assertTrue(first.timestamp() > 0);
        assertTrue(json.partition() == 0 || json.partition() == 1);
        assertThrows(TributaryException.class, () -> connection.send("shipments", "s-3", "lost"),
                "a closed connection refuses to send");

        List<TributaryRecord> received = new CopyOnWriteArrayList<>();
        activate(FakeEndpointFactory.records(true, (r, d) -> received.add(r)), spec("shipments", "shipment-view"));
        await("three records received", () -> received.size() >= 3);
        TributaryRecord object = received.stream().filter(r -> "s-2".equals(r.keyAsString())).findFirst().orElseThrow();
        assertEquals(json.partition(), object.partition());
        assertEquals(json.offset(), object.offset());
        assertEquals("application/json", object.header("content-type"));
        Shipment read = object.valueAs(Shipment.class);
        assertEquals("s-2", read.getId());
        assertEquals(3, read.getParcels());
        assertEquals("Lisbon", read.getDestination());
        assertEquals(List.of("packed", "shipped"), received.stream().filter(r -> "s-1".equals(r.keyAsString()))
                .map(TributaryRecord::valueAsString).toList());
    }

    @Test
    void aBeanIsNotGivenTheRecordsOfAnAbortedTransaction() throws Exception {
        startAdapter(dir, freePort());
        createTopic("transfers", 1);
        try (KafkaProducer<String, String> tx = new KafkaProducer<>(Map.of(
                org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ra.bootstrapServers(),
                org.apache.kafka.clients.producer.ProducerConfig.TRANSACTIONAL_ID_CONFIG, "transfers-writer"),
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.StringSerializer())) {
            tx.initTransactions();
            tx.beginTransaction();
            tx.send(new org.apache.kafka.clients.producer.ProducerRecord<>("transfers", "t", "aborted"));
            tx.flush();
            tx.abortTransaction();
            tx.beginTransaction();
            tx.send(new org.apache.kafka.clients.producer.ProducerRecord<>("transfers", "t", "committed"));
            tx.commitTransaction();
        }
        List<String> received = new CopyOnWriteArrayList<>();
        activate(FakeEndpointFactory.records(true, (r, d) -> received.add(r.valueAsString())), spec("transfers", "transfer-view"));
        await("the committed record delivered", () -> received.contains("committed"));
        assertEquals(List.of("committed"), received, "the default isolation level is read_committed");
    }

    @Test
    void stoppingTheAdapterClosesTheProducerOfItsConnectionFactories() throws Exception {
        TributaryResourceAdapter adapter = startAdapter(dir, freePort());
        Set<Thread> before = producerThreads();
        TributaryManagedConnectionFactory mcf = new TributaryManagedConnectionFactory();
        mcf.setResourceAdapter(adapter);
        ConnectionManager pool = (f, info) -> f.createManagedConnection(null, info).getConnection(null, info);
        TributaryConnectionFactory factory = (TributaryConnectionFactory) mcf.createConnectionFactory(pool);
        try (TributaryConnection connection = factory.getConnection()) {
            connection.send("notices", "n-1", "hello").toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        Set<Thread> started = producerThreads();
        started.removeAll(before);
        assertEquals(1, started.size(), "the factory's one shared producer: " + started);

        adapter.stop();
        adapters.remove(adapter);
        Thread io = started.iterator().next();
        io.join(10_000);
        assertFalse(io.isAlive(), "the producer's network thread " + io.getName() + " ended with the adapter");
    }

    @Test
    void aRecordWhoseTransactionCouldNotBeginIsDeliveredLaterNotSkipped() throws Exception {
        startAdapter(dir, freePort());
        createTopic("invoices", 1);
        produce("invoices", 0, 0, 3);
        List<Long> committed = new CopyOnWriteArrayList<>();
        FakeEndpointFactory[] self = new FakeEndpointFactory[1];
        self[0] = FakeEndpointFactory.records(true, (r, d) -> d.afterCommit(() -> {
            committed.add(r.offset());
            if (r.offset() == 0) self[0].failNextBeforeDelivery();   // the transaction for offset 1 cannot begin once
        }));

        activate(self[0], spec("invoices", "invoice-store"));

        await("stored offset at the log end", () -> Long.valueOf(3).equals(stored("invoice-store", "invoices").get(0)));
        await("the last record's commit seen by the bean", () -> committed.contains(2L));
        assertEquals(List.of(0L, 1L, 2L), committed, "offset 1 is delivered once its transaction can begin");
        assertTrue(ra.embeddedBroker().topics().get("invoices.DLT").isEmpty(), "nothing dead-lettered");
    }

    @Test
    void aDeliveryTheContainerBeganNoTransactionForIsDeliveredAgainNotSkipped() throws Exception {
        // Payara's beforeDelivery returns normally when it cannot create the bean's instance (say,
        // an injection failed): no transaction, and the bean method fails. Nothing may be stored then.
        startAdapter(dir, freePort());
        createTopic("payments", 1);
        produce("payments", 0, 0, 3);
        List<Long> committed = new CopyOnWriteArrayList<>();
        FakeEndpointFactory[] self = new FakeEndpointFactory[1];
        self[0] = FakeEndpointFactory.records(true, (r, d) -> d.afterCommit(() -> {
            committed.add(r.offset());
            if (r.offset() == 0) self[0].failNextBeforeDeliverySilently();   // offset 1 gets no transaction once
        }));
        TributaryActivationSpec spec = spec("payments", "payment-store");
        spec.setOutageBackoff(100L);

        activate(self[0], spec);

        await("stored offset at the log end", () -> Long.valueOf(3).equals(stored("payment-store", "payments").get(0)));
        await("the last record's commit seen by the bean", () -> committed.contains(2L));
        assertEquals(List.of(0L, 1L, 2L), committed, "offset 1 is delivered in a transaction of its own later");
        assertTrue(ra.embeddedBroker().topics().get("payments.DLT").isEmpty(), "nothing dead-lettered");
    }

    @Test
    void aRecordWhoseOffsetWriteFailsIsRedeliveredNotSkipped() throws Exception {
        startAdapter(dir, freePort());
        try (Connection c = ra.offsetDatabase().open(); Statement s = c.createStatement()) {
            s.execute("SET DEFAULT_LOCK_TIMEOUT 200");
        }
        createTopic("refunds", 1);
        produce("refunds", 0, 0, 1);
        List<Long> committed = new CopyOnWriteArrayList<>();
        FakeEndpointFactory factory = FakeEndpointFactory.records(true, (r, d) -> d.afterCommit(() -> committed.add(r.offset())));
        TributaryActivationSpec spec = spec("refunds", "refund-store");
        spec.setRedeliveryBackoff(100L);
        spec.setMaxRedeliveries(20);
        activate(factory, spec);
        await("offset 0 committed", () -> Long.valueOf(1).equals(stored("refund-store", "refunds").get(0)));

        try (Connection locker = ra.offsetDatabase().open()) {
            locker.setAutoCommit(false);
            try (Statement s = locker.createStatement()) {
                // Another session holds the row: the adapter's offset write times out.
                s.executeQuery("SELECT NEXT_OFFSET FROM TRIBUTARY_OFFSETS WHERE GROUP_ID = 'refund-store' FOR UPDATE").close();
            }
            produce("refunds", 0, 1, 2);
            sleep(1000);
            locker.rollback();
        }

        await("stored offset at the log end", () -> Long.valueOf(3).equals(stored("refund-store", "refunds").get(0)));
        await("the last record's commit seen by the bean", () -> committed.contains(2L));
        assertEquals(List.of(0L, 1L, 2L), committed, "the record whose offset could not be written is delivered, not skipped");
    }

    @Test
    void aRecordStillFailingWhenTheAdapterStopsIsDeliveredAfterTheRestart() throws Exception {
        int port = freePort();
        Path data = dir.resolve("node");
        TributaryResourceAdapter first = startAdapter(data, port);
        createTopic("alerts", 1);
        produce("alerts", 0, 0, 2);
        List<Long> attempts = new CopyOnWriteArrayList<>();
        TributaryActivationSpec failing = spec("alerts", "alert-store");
        failing.setMaxRedeliveries(1000);
        failing.setRedeliveryBackoff(50L);
        activate(FakeEndpointFactory.records(true, (r, d) -> {
            attempts.add(r.offset());
            throw new IllegalStateException("the bean of the first deployment is broken");
        }), failing);
        await("a few failed attempts", () -> attempts.size() >= 3);
        first.stop();
        adapters.remove(first);
        assertEquals(Set.of(0L), new HashSet<>(attempts), "only offset 0 was tried");

        startAdapter(data, port);
        List<Long> committed = new CopyOnWriteArrayList<>();
        activate(FakeEndpointFactory.records(true, (r, d) -> d.afterCommit(() -> committed.add(r.offset()))),
                spec("alerts", "alert-store"));

        await("stored offset at the log end", () -> Long.valueOf(2).equals(stored("alert-store", "alerts").get(0)));
        await("the last record's commit seen by the bean", () -> committed.contains(1L));
        assertEquals(List.of(0L, 1L), committed, "the fixed bean gets the record the broken one never committed");
    }

    @Test
    void aConsumerKilledByAnUnexpectedExceptionIsRestartedAndReportsRetryingMeanwhile() throws Exception {
        startAdapter(dir, freePort());
        createTopic("receipts", 1);
        produce("receipts", 0, 0, 3);
        List<Long> committed = new CopyOnWriteArrayList<>();
        FakeEndpointFactory factory = FakeEndpointFactory.records(true, (r, d) -> d.afterCommit(() -> committed.add(r.offset())));
        TributaryActivationSpec spec = spec("receipts", "receipt-store");
        spec.setAutoOffsetReset("none");   // no stored offset: the consumer's poll throws NoOffsetForPartitionException
        spec.setOutageBackoff(200L);
        spec.setOutageBackoffMax(400L);

        activate(factory, spec);

        await("the consumer reported retrying", () -> consumerStatuses("receipt-store").stream()
                .anyMatch(s -> s.state() == ConsumerStatus.State.RETRYING));
        ConsumerStatus retrying = consumerStatuses("receipt-store").get(0);
        assertTrue(retrying.lastError() != null && retrying.lastError().contains("NoOffsetForPartitionException"),
                "the status names the failure: " + retrying);
        assertEquals("tributary-receipt-store-0", retrying.clientId());
        // Restarted consumers that fail the same way stay RETRYING (readiness must not flap to
        // ready while each new consumer joins its group and fails again).
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<ConsumerStatus.State> seen = new ArrayList<>();
        while (consumerStatuses("receipt-store").get(0).restarts() < 3 && System.nanoTime() < until) {
            ConsumerStatus.State state = consumerStatuses("receipt-store").get(0).state();
            if (seen.isEmpty() || seen.get(seen.size() - 1) != state) seen.add(state);
            sleep(2);
        }
        assertTrue(consumerStatuses("receipt-store").get(0).restarts() >= 3, "restarted three times");
        assertEquals(List.of(ConsumerStatus.State.RETRYING), seen, "the states seen while the consumer kept failing");
        assertEquals(List.of(), committed);

        try (Connection c = ra.offsetDatabase().open(); Statement s = c.createStatement()) {
            // What an operator would do: store where the group starts.
            s.executeUpdate("INSERT INTO TRIBUTARY_OFFSETS (GROUP_ID, TOPIC, PARTITION_ID, NEXT_OFFSET) "
                    + "VALUES ('receipt-store', 'receipts', 0, 1)");
        }

        await("the restarted consumer delivered from the stored offset", () -> committed.contains(2L));
        assertEquals(List.of(1L, 2L), committed);
        await("the consumer reported running", () -> consumerStatuses("receipt-store").get(0).state() == ConsumerStatus.State.RUNNING);
        ConsumerStatus running = consumerStatuses("receipt-store").get(0);
        assertTrue(running.restarts() >= 1, "restarted: " + running);
        assertTrue(running.lastError().contains("NoOffsetForPartitionException"), "the last error is kept: " + running);
        assertEquals(List.of(), running.pausedPartitions());

        jakarta.resource.spi.work.Work work = workManager.scheduled().get(0);
        assertTrue(work instanceof WorkContextProvider, "the consumer work carries work contexts");
        List<WorkContext> contexts = ((WorkContextProvider) work).getWorkContexts();
        assertTrue(contexts.stream().anyMatch(c -> c instanceof HintsContext h
                        && Boolean.TRUE.equals(h.getHints().get(HintsContext.LONGRUNNING_HINT))),
                "the consumer asks to run as long-running work: " + contexts);
    }

    @Test
    void aBackoffLongerThanMaxPollIntervalKeepsTheMemberInItsGroupWhileOtherPartitionsAreDelivered() throws Exception {
        startAdapter(dir, freePort());
        createTopic("quotes", 2);
        List<String> attempts = new CopyOnWriteArrayList<>();
        List<String> committed = new CopyOnWriteArrayList<>();
        long[] failedAt = new long[1];
        FakeEndpointFactory factory = FakeEndpointFactory.records(true, (r, d) -> {
            String id = r.partition() + "@" + r.offset();
            attempts.add(id + "#" + r.header("tributary.delivery.attempt"));
            if (id.equals("0@0") && attempts.size() == 1) {
                failedAt[0] = System.nanoTime();
                throw new IllegalStateException("quote service unavailable");
            }
            d.afterCommit(() -> committed.add(id));
        });
        TributaryActivationSpec spec = spec("quotes", "quote-store");
        spec.setRedeliveryBackoff(4000L);
        spec.setRedeliveryBackoffMax(4000L);
        spec.setConsumerProperties(spec.getConsumerProperties() + ";max.poll.interval.ms=1500");

        activate(factory, spec);
        await("a stable group of one", () -> groupMembers("quote-store").size() == 1);
        List<String> membersBefore = groupMembers("quote-store");
        produce("quotes", 0, 0, 1);
        await("the first delivery failed", () -> failedAt[0] != 0);
        produce("quotes", 1, 0, 5);

        await("partition 1 delivered during the backoff", () -> committed.size() >= 5);
        assertFalse(committed.contains("0@0"), "0@0 still waits for its backoff");
        assertTrue(System.nanoTime() - failedAt[0] < TimeUnit.MILLISECONDS.toNanos(3000),
                "partition 1 did not wait for partition 0's backoff");
        ConsumerStatus paused = consumerStatuses("quote-store").get(0);
        assertEquals(ConsumerStatus.State.PAUSED, paused.state(), paused.toString());
        assertEquals(List.of(new TopicPartition("quotes", 0)), paused.pausedPartitions());

        await("0@0 redelivered after its backoff", () -> committed.contains("0@0"));
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failedAt[0]);
        assertTrue(waitedMs >= 3000, "the backoff (4 s with jitter) was kept: " + waitedMs + " ms");
        assertEquals(List.of("0@0#1", "1@0#1", "1@1#1", "1@2#1", "1@3#1", "1@4#1", "0@0#2"), attempts,
                "each record once, the failed one redelivered last with its delivery attempt in a header");
        assertEquals(membersBefore, groupMembers("quote-store"),
                "the member polled through a backoff longer than max.poll.interval.ms and was never replaced");
        await("running again", () -> consumerStatuses("quote-store").get(0).state() == ConsumerStatus.State.RUNNING);
    }

    @Test
    void aDatabaseOutagePausesDeliveryDeadLettersNothingAndEveryRecordIsStoredOnceAfterIt() throws Exception {
        startAdapter(dir, freePort());
        createTopic("bookings", 2);
        String url = "jdbc:h2:mem:bookings-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=100";
        try (Connection c = java.sql.DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE STATS (ID INT PRIMARY KEY, N INT)");
            s.execute("INSERT INTO STATS VALUES (1, 0)");
            s.execute("CREATE TABLE BOOKINGS (P INT, O BIGINT)");
        }
        List<String> committed = new CopyOnWriteArrayList<>();
        FakeEndpointFactory factory = FakeEndpointFactory.records(true, (r, d) -> {
            // The bean's own data, in its own database; committed after the delivery's transaction.
            try {
                Connection c = java.sql.DriverManager.getConnection(url);
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("UPDATE STATS SET N = N + 1 WHERE ID = 1");
                    s.executeUpdate("INSERT INTO BOOKINGS VALUES (" + r.partition() + ", " + r.offset() + ")");
                } catch (java.sql.SQLException e) {
                    c.rollback();
                    c.close();
                    throw new IllegalStateException("cannot store booking " + r.valueAsString(), e);
                }
                d.afterCommit(() -> {
                    try (c) {
                        c.commit();
                    } catch (java.sql.SQLException e) {
                        throw new IllegalStateException(e);
                    }
                    committed.add(r.partition() + "@" + r.offset());
                });
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        TributaryActivationSpec spec = spec("bookings", "booking-store");
        spec.setMaxRedeliveries(1);
        spec.setOutageBackoff(100L);
        spec.setOutageBackoffMax(300L);
        activate(factory, spec);
        await("a stable group of one", () -> groupMembers("booking-store").size() == 1);

        try (Connection locker = java.sql.DriverManager.getConnection(url)) {
            locker.setAutoCommit(false);
            try (Statement s = locker.createStatement()) {
                // Another session holds the row the bean updates: every delivery times out, as against a database that is down.
                s.executeQuery("SELECT N FROM STATS WHERE ID = 1 FOR UPDATE").close();
            }
            for (int p = 0; p < 2; p++) produce("bookings", p, 0, 10);
            await("both partitions paused by the outage", () -> {
                ConsumerStatus s = consumerStatuses("booking-store").get(0);
                return s.state() == ConsumerStatus.State.PAUSED && s.pausedPartitions().size() == 2;
            });
            ConsumerStatus during = consumerStatuses("booking-store").get(0);
            assertTrue(during.lastError().contains("cannot store booking"), "the status names the outage: " + during);
            sleep(1500);   // many more failed deliveries than maxRedeliveries allows
            assertEquals(List.of(), committed);
            locker.rollback();
        }

        await("stored offsets at the log end", () -> stored("booking-store", "bookings").equals(Map.of(0, 10L, 1, 10L)));
        await("20 bookings committed", () -> committed.size() >= 20);
        assertEquals(20, new HashSet<>(committed).size(), "each record committed once: " + duplicates(committed));
        List<String> rows = new ArrayList<>();
        try (Connection c = java.sql.DriverManager.getConnection(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT P, O FROM BOOKINGS ORDER BY P, O")) {
            while (rs.next()) rows.add(rs.getInt(1) + "@" + rs.getLong(2));
            try (ResultSet n = c.createStatement().executeQuery("SELECT N FROM STATS")) {
                assertTrue(n.next());
                assertEquals(20, n.getInt(1));
            }
        }
        List<String> expected = new ArrayList<>();
        for (int p = 0; p < 2; p++) for (int o = 0; o < 10; o++) expected.add(p + "@" + o);
        assertEquals(expected, rows, "every booking stored exactly once");
        assertTrue(ra.embeddedBroker().topics().get("bookings.DLT").isEmpty(), "nothing dead-lettered");
    }

    @Test
    void aTransactionThatCannotCommitIsRetriedWithoutSpendingRedeliveries() throws Exception {
        startAdapter(dir, freePort());
        createTopic("tickets", 1);
        produce("tickets", 0, 0, 3);
        List<String> calls = new CopyOnWriteArrayList<>();
        List<Long> committed = new CopyOnWriteArrayList<>();
        FakeEndpointFactory factory = FakeEndpointFactory.records(true, (r, d) -> {
            calls.add(r.offset() + "#" + r.header("tributary.delivery.attempt"));
            d.afterCommit(() -> committed.add(r.offset()));
        });
        factory.failNextCommits(3);
        TributaryActivationSpec spec = spec("tickets", "ticket-store");
        spec.setMaxRedeliveries(1);
        spec.setOutageBackoff(50L);
        spec.setOutageBackoffMax(100L);

        activate(factory, spec);

        await("stored offset at the log end", () -> Long.valueOf(3).equals(stored("ticket-store", "tickets").get(0)));
        await("the last record's commit seen by the bean", () -> committed.contains(2L));
        assertEquals(List.of(0L, 1L, 2L), committed);
        assertEquals(List.of("0#1", "0#2", "0#3", "0#4", "1#1", "2#1"), calls,
                "offset 0 is delivered until its transaction commits, more often than maxRedeliveries allows");
        assertTrue(ra.embeddedBroker().topics().get("tickets.DLT").isEmpty(), "nothing dead-lettered");
    }

    @Test
    void aNonRetryableExceptionDeadLettersTheRecordAtItsFirstFailure() throws Exception {
        startAdapter(dir, freePort());
        createTopic("transfers-in", 1);
        produce("transfers-in", 0, 0, 3);
        List<Long> calls = new CopyOnWriteArrayList<>();
        List<Long> committed = new CopyOnWriteArrayList<>();
        FakeEndpointFactory factory = FakeEndpointFactory.records(true, (r, d) -> {
            calls.add(r.offset());
            if (r.offset() == 1) {
                throw new IllegalStateException("cannot book transfer", new NumberFormatException("amount 'ten'"));
            }
            d.afterCommit(() -> committed.add(r.offset()));
        });
        TributaryActivationSpec spec = spec("transfers-in", "transfer-book");
        spec.setMaxRedeliveries(5);
        spec.setNonRetryableExceptions("java.lang.IllegalArgumentException, com.example.NotThere");

        activate(factory, spec);

        await("stored offset at the log end", () -> Long.valueOf(3).equals(stored("transfer-book", "transfers-in").get(0)));
        await("the last record's commit seen by the bean", () -> committed.contains(2L));
        assertEquals(List.of(0L, 1L, 2L), calls, "offset 1 failed once (a cause is a subclass of a listed class) and was not redelivered");
        assertEquals(List.of(0L, 2L), committed);
        List<ConsumerRecord<String, String>> dead = readAll("transfers-in.DLT", 1);
        assertEquals(1, dead.size());
        assertEquals("1", header(dead.get(0), "tributary.dlt.offset"));
        assertEquals("1", header(dead.get(0), "tributary.dlt.attempts"));
        assertEquals(IllegalStateException.class.getName(), header(dead.get(0), "tributary.dlt.exception"));
    }

    // ---------------------------------------------------------------------------------- helpers

    private TributaryResourceAdapter startAdapter(Path dataDirectory, int port) throws Exception {
        TributaryResourceAdapter a = new TributaryResourceAdapter();
        a.setDataDirectory(dataDirectory.toString());
        a.setPort(port);
        a.setBrokerProperties("group.initial.rebalance.delay.ms=0;num.io.threads=2;num.network.threads=1;"
                + "offsets.topic.num.partitions=1;log.cleaner.enable=false");
        a.start(new TestBootstrapContext(workManager));
        adapters.add(a);
        ra = a;
        return a;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private void createTopic(String name, int partitions) {
        ra.embeddedBroker().topics().create(name, partitions, (short) 1, Map.of(), 1);
    }

    private TributaryActivationSpec spec(String topics, String group) throws Exception {
        TributaryActivationSpec s = new TributaryActivationSpec();
        s.setResourceAdapter(ra);
        s.setTopics(topics);
        s.setGroupId(group);
        s.setRedeliveryBackoff(20L);
        s.setMaxRedeliveries(2);
        s.setConsumerProperties("heartbeat.interval.ms=100;session.timeout.ms=10000;fetch.max.wait.ms=100");
        return s;
    }

    private void activate(FakeEndpointFactory factory, TributaryActivationSpec spec) throws Exception {
        factories.add(factory);
        ra.endpointActivation(factory, spec);
    }

    /** Sends {@code count} records to one partition: key {@code k-p-i}, value {@code topic-p-i}. */
    private void produce(String topic, int partition, int from, int count) throws Exception {
        if (producer == null) {
            producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ra.bootstrapServers(),
                    ProducerConfig.LINGER_MS_CONFIG, 0), new StringSerializer(), new StringSerializer());
        }
        for (int i = from; i < from + count; i++) {
            producer.send(new ProducerRecord<>(topic, partition, "k-" + partition + "-" + i, topic + "-" + partition + "-" + i))
                    .get(10, TimeUnit.SECONDS);
        }
    }

    private KafkaConsumer<String, String> plainConsumer() {
        return new KafkaConsumer<>(Map.of("bootstrap.servers", ra.bootstrapServers(), "enable.auto.commit", "false"),
                new StringDeserializer(), new StringDeserializer());
    }

    private Map<Integer, Long> endOffsets(String topic) {
        int partitions = ra.embeddedBroker().topics().require(topic).partitions();
        try (KafkaConsumer<String, String> c = plainConsumer()) {
            List<TopicPartition> tps = IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p)).toList();
            Map<Integer, Long> m = new HashMap<>();
            c.endOffsets(tps, Duration.ofSeconds(10)).forEach((tp, o) -> m.put(tp.partition(), o));
            return m;
        }
    }

    /** Every record of a topic's partitions, read from the beginning to the end offsets. */
    private List<ConsumerRecord<String, String>> readAll(String topic, int partitions) {
        try (KafkaConsumer<String, String> c = plainConsumer()) {
            List<TopicPartition> tps = IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p)).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps, Duration.ofSeconds(10));
            List<ConsumerRecord<String, String>> out = new ArrayList<>();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) fail("Could not read " + topic + " to " + end);
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }

    /** The rows of {@code TRIBUTARY_OFFSETS} for a group and topic: partition → next offset. */
    private Map<Integer, Long> stored(String group, String topic) {
        try (Connection c = ra.offsetDatabase().open();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT PARTITION_ID, NEXT_OFFSET FROM TRIBUTARY_OFFSETS WHERE GROUP_ID = ? AND TOPIC = ?")) {
            ps.setString(1, group);
            ps.setString(2, topic);
            Map<Integer, Long> m = new TreeMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) m.put(rs.getInt(1), rs.getLong(2));
            }
            return m;
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private Long storedOrNull(String group, String topic, int partition) {
        return stored(group, topic).get(partition);
    }

    /** The consumers of the activation of {@code group}, as the adapter reports them. */
    private List<ConsumerStatus> consumerStatuses(String group) {
        return ra.activationStatuses().stream().filter(a -> a.groupId().equals(group)).findFirst()
                .map(ActivationStatus::consumers).orElseThrow();
    }

    /** The member ids of a group as Kafka's Admin client describes it, once it is stable. */
    private List<String> groupMembers(String group) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ra.bootstrapServers()))) {
            ConsumerGroupDescription g = admin.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS).get(group);
            if (g.groupState() != GroupState.STABLE) return List.of();
            return g.members().stream().map(MemberDescription::consumerId).sorted().toList();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException) return List.of();
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Call call(TributaryRecord r, Long storedDuring) {
        long now = System.nanoTime();
        return new Call(r.partition(), r.offset(), r.valueAsString(), Thread.currentThread().getName(), now, now, storedDuring);
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** The network threads of the Kafka producers alive in this JVM. */
    private static Set<Thread> producerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("kafka-producer-network-thread"))
                .collect(Collectors.toCollection(HashSet::new));
    }

    private static Map<String, Long> duplicates(List<String> ids) {
        Map<String, Long> counts = ids.stream().collect(Collectors.groupingBy(k -> k, LinkedHashMap::new, Collectors.counting()));
        counts.values().removeIf(n -> n == 1);
        return counts;
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("Timed out waiting for " + what);
            sleep(20);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A JSON-B bean as an application would send it. */
    public static class Shipment {
        private String id;
        private int parcels;
        private String destination;

        public Shipment() {
        }

        Shipment(String id, int parcels, String destination) {
            this.id = id;
            this.parcels = parcels;
            this.destination = destination;
        }

        public String getId() { return id; }
        public void setId(String id) { this.id = id; }
        public int getParcels() { return parcels; }
        public void setParcels(int parcels) { this.parcels = parcels; }
        public String getDestination() { return destination; }
        public void setDestination(String destination) { this.destination = destination; }
    }
}
