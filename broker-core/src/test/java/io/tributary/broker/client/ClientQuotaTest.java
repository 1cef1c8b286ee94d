package io.tributary.broker.client;

import io.tributary.broker.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterClientQuotasOptions;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.ThrottlingQuotaExceededException;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.quota.ClientQuotaFilterComponent;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Client quotas with the Kafka Java client against one broker: a producer and a consumer held to
 * 1 MiB/s stay within 30 % of it over 10 s and see throttle time in their own metrics while an
 * unlimited client beside them is much faster; AlterClientQuotas refuses what Kafka refuses with
 * Kafka's errors, validateOnly stores nothing, DescribeClientQuotas filters as Kafka does and the
 * quotas survive a restart; the controller mutation rate refuses topic creation once exceeded.
 */
class ClientQuotaTest {
    private static final int MIB = 1024 * 1024;
    private static final int VALUE = 8 * 1024;

    @TempDir
    Path dataDir;

    private static Admin admin(Broker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    private static ClientQuotaAlteration set(ClientQuotaEntity entity, String key, Double value) {
        return new ClientQuotaAlteration(entity, List.of(new ClientQuotaAlteration.Op(key, value)));
    }

    private static ClientQuotaEntity client(String id) {
        return new ClientQuotaEntity(Collections.singletonMap(ClientQuotaEntity.CLIENT_ID, id));
    }

    private static KafkaProducer<byte[], byte[]> producer(Broker broker, String clientId, int batchBytes, long bufferBytes) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, batchBytes);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, bufferBytes);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<byte[], byte[]> consumer(Broker broker, String clientId) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 64 * 1024);
        return new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static double metric(Map<MetricName, ? extends Metric> metrics, String name) {
        return metrics.entrySet().stream().filter(e -> e.getKey().name().equals(name) && e.getKey().tags().size() <= 1)
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).max().orElse(Double.NaN);
    }

    @Test
    void aProducerAndAConsumerHeldToOneMebibytePerSecondStayNearItWhileAnUnlimitedClientIsMuchFaster() throws Exception {
        try (Broker broker = TestBroker.start(dataDir); Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic("in", 1, (short) 1), new NewTopic("out", 1, (short) 1))).all().get();
            admin.alterClientQuotas(List.of(new ClientQuotaAlteration(client("slow"), List.of(
                    new ClientQuotaAlteration.Op("producer_byte_rate", (double) MIB),
                    new ClientQuotaAlteration.Op("consumer_byte_rate", (double) MIB))))).all().get();

            // The unlimited producer fills "in" with 16 MiB at its own speed.
            byte[] value = new byte[VALUE];
            long t0 = System.nanoTime();
            try (KafkaProducer<byte[], byte[]> fast = producer(broker, "fast", 256 * 1024, 64L * MIB)) {
                for (int i = 0; i < 16 * MIB / VALUE; i++) fast.send(new ProducerRecord<>("in", value));
                fast.flush();
            }
            double fastProduce = 16.0 * MIB / ((System.nanoTime() - t0) / 1e9);

            AtomicLong produced = new AtomicLong();
            AtomicLong fastConsumed = new AtomicLong();
            long[] fastConsumeNanos = {0};
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(10);
            Map<MetricName, ? extends Metric>[] producerMetrics = new Map[1];
            Thread slowProducer = new Thread(() -> {
                try (KafkaProducer<byte[], byte[]> p = producer(broker, "slow", 16 * 1024, 256 * 1024)) {
                    while (System.nanoTime() < end) {
                        p.send(new ProducerRecord<>("out", value), (md, e) -> {
                            if (e == null && System.nanoTime() <= end) produced.addAndGet(VALUE);
                        });
                    }
                    producerMetrics[0] = Map.copyOf(p.metrics());
                    p.close(Duration.ZERO); // what is still buffered would take its time at 1 MiB/s
                }
            });
            Thread fastConsumer = new Thread(() -> {
                try (KafkaConsumer<byte[], byte[]> c = consumer(broker, "fast")) {
                    c.assign(List.of(new TopicPartition("in", 0)));
                    c.seekToBeginning(List.of(new TopicPartition("in", 0)));
                    while (fastConsumed.get() < 16L * MIB && System.nanoTime() < end) {
                        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) fastConsumed.addAndGet(r.value().length);
                    }
                    fastConsumeNanos[0] = System.nanoTime() - start;
                }
            });
            slowProducer.start();
            fastConsumer.start();
            long consumed = 0;
            Map<MetricName, ? extends Metric> consumerMetrics;
            try (KafkaConsumer<byte[], byte[]> slow = consumer(broker, "slow")) {
                slow.assign(List.of(new TopicPartition("in", 0)));
                slow.seekToBeginning(List.of(new TopicPartition("in", 0)));
                while (System.nanoTime() < end) {
                    for (ConsumerRecord<byte[], byte[]> r : slow.poll(Duration.ofMillis(100))) {
                        if (System.nanoTime() <= end) consumed += r.value().length;
                    }
                }
                consumerMetrics = Map.copyOf(slow.metrics());
            }
            slowProducer.join(30_000);
            fastConsumer.join(30_000);

            double produceRate = produced.get() / 10.0;
            double consumeRate = consumed / 10.0;
            double fastConsume = fastConsumed.get() / (fastConsumeNanos[0] / 1e9);
            String rates = String.format("slow produce %.2f MiB/s, slow consume %.2f MiB/s, fast produce %.2f MiB/s,"
                    + " fast consume %.2f MiB/s", produceRate / MIB, consumeRate / MIB, fastProduce / MIB, fastConsume / MIB);
            assertTrue(produceRate > 0.7 * MIB && produceRate < 1.3 * MIB, "the producer is held to 1 MiB/s: " + rates);
            assertTrue(consumeRate > 0.7 * MIB && consumeRate < 1.3 * MIB, "the consumer is held to 1 MiB/s: " + rates);
            assertTrue(fastProduce > 2 * MIB, "the unlimited producer is much faster: " + rates);
            assertEquals(16L * MIB, fastConsumed.get(), "the unlimited consumer read everything within the 10 s: " + rates);
            assertTrue(fastConsume > 2 * MIB, "the unlimited consumer is much faster: " + rates);
            System.out.println("ClientQuotaTest: " + rates);
            assertTrue(metric(producerMetrics[0], "produce-throttle-time-avg") > 0, "the producer saw throttle time");
            assertTrue(metric(consumerMetrics, "fetch-throttle-time-avg") > 0, "the consumer saw throttle time");
        }
    }

    @Test
    void badAlterationsAreRefusedWithKafkasErrorsAndDescribeFiltersAsKafkaDoes() throws Exception {
        try (Broker broker = TestBroker.start(dataDir); Admin admin = admin(broker)) {
            ClientQuotaEntity alice = new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, "alice"));
            Map<String, String> aliceApp = new HashMap<>();
            aliceApp.put(ClientQuotaEntity.USER, "alice");
            aliceApp.put(ClientQuotaEntity.CLIENT_ID, null);
            ClientQuotaEntity aliceDefaultClient = new ClientQuotaEntity(aliceApp);
            List<ClientQuotaAlteration> bad = List.of(
                    set(client("a"), "unknown_key", 10.0),
                    set(client("b"), "producer_byte_rate", 1.5),
                    set(client("c"), "consumer_byte_rate", -5.0),
                    set(new ClientQuotaEntity(Map.of("group", "g")), "producer_byte_rate", 10.0));
            var result = admin.alterClientQuotas(bad).values();
            for (ClientQuotaAlteration a : bad) {
                ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                        () -> result.get(a.entity()).get(), a.toString());
                assertInstanceOf(InvalidRequestException.class, e.getCause(), a.toString());
            }
            admin.alterClientQuotas(List.of(set(client("d"), "producer_byte_rate", 100.0)),
                    new AlterClientQuotasOptions().validateOnly(true)).all().get();
            assertEquals(Map.of(), admin.describeClientQuotas(ClientQuotaFilter.all()).entities().get(),
                    "neither refused nor validate-only alterations are stored");

            admin.alterClientQuotas(List.of(set(alice, "request_percentage", 50.0),
                    set(aliceDefaultClient, "producer_byte_rate", 2048.0),
                    set(client(null), "consumer_byte_rate", 4096.0))).all().get();
            assertEquals(Map.of(alice, Map.of("request_percentage", 50.0)), admin.describeClientQuotas(ClientQuotaFilter.containsOnly(
                    List.of(ClientQuotaFilterComponent.ofEntity(ClientQuotaEntity.USER, "alice")))).entities().get(),
                    "strict exact match: only /config/users/alice");
            assertEquals(Map.of(alice, Map.of("request_percentage", 50.0), aliceDefaultClient, Map.of("producer_byte_rate", 2048.0)),
                    admin.describeClientQuotas(ClientQuotaFilter.contains(List.of(
                            ClientQuotaFilterComponent.ofEntity(ClientQuotaEntity.USER, "alice")))).entities().get(),
                    "non-strict: every entity of user alice");
            assertEquals(Map.of(client(null), Map.of("consumer_byte_rate", 4096.0)),
                    admin.describeClientQuotas(ClientQuotaFilter.containsOnly(List.of(
                            ClientQuotaFilterComponent.ofDefaultEntity(ClientQuotaEntity.CLIENT_ID)))).entities().get(),
                    "the client-id default");
            assertEquals(2, admin.describeClientQuotas(ClientQuotaFilter.contains(List.of(
                    ClientQuotaFilterComponent.ofEntityType(ClientQuotaEntity.CLIENT_ID)))).entities().get().size(),
                    "any entity with a client id");
            ExecutionException twice = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> admin.describeClientQuotas(ClientQuotaFilter.contains(List.of(
                            ClientQuotaFilterComponent.ofEntity(ClientQuotaEntity.USER, "a"),
                            ClientQuotaFilterComponent.ofEntity(ClientQuotaEntity.USER, "b")))).entities().get());
            assertInstanceOf(InvalidRequestException.class, twice.getCause());

            admin.alterClientQuotas(List.of(set(alice, "request_percentage", null))).all().get();
            assertEquals(2, admin.describeClientQuotas(ClientQuotaFilter.all()).entities().get().size(), "removed");
        }
        try (Broker restarted = TestBroker.start(dataDir); Admin admin = admin(restarted)) {
            assertEquals(Map.of(client(null), Map.of("consumer_byte_rate", 4096.0),
                            new ClientQuotaEntity(new HashMap<>(Map.of(ClientQuotaEntity.USER, "alice")) {{ put(ClientQuotaEntity.CLIENT_ID, null); }}),
                            Map.of("producer_byte_rate", 2048.0)),
                    admin.describeClientQuotas(ClientQuotaFilter.all()).entities().get(), "kept across a restart");
        }
    }

    @Test
    void overTheControllerMutationRateTopicCreationIsRefusedWithThrottlingQuotaExceeded() throws Exception {
        try (Broker broker = TestBroker.start(dataDir); Admin admin = admin(broker)) {
            admin.alterClientQuotas(List.of(set(client("mutator"), "controller_mutation_rate", 1.0))).all().get();
            try (Admin mutator = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                    AdminClientConfig.CLIENT_ID_CONFIG, "mutator"))) {
                CreateTopicsOptions noRetry = new CreateTopicsOptions().retryOnQuotaViolation(false);
                // A burst of 1/s × 11 windows: "big" (20 partitions) is admitted, the balance not being negative,
                // and leaves it 9 below zero, so "next", in the same request, is refused.
                var created = mutator.createTopics(List.of(new NewTopic("big", 20, (short) 1), new NewTopic("next", 1, (short) 1)),
                        noRetry).values();
                created.get("big").get();
                ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                        () -> created.get("next").get());
                ThrottlingQuotaExceededException refused = assertInstanceOf(ThrottlingQuotaExceededException.class, e.getCause());
                assertTrue(refused.throttleTimeMs() > 5_000, "throttle time " + refused.throttleTimeMs());
            }
            // Another client id has no quota.
            admin.createTopics(List.of(new NewTopic("other", 5, (short) 1))).all().get();
        }
    }
}
