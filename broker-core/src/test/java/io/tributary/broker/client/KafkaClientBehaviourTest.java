package io.tributary.broker.client;

import io.tributary.broker.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a user of the Kafka Java clients checks against a single node. */
class KafkaClientBehaviourTest {
    @TempDir
    Path dataDir;

    private static KafkaProducer<String, String> producer(Broker broker) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static KafkaConsumer<String, String> consumer(Broker broker, Map<String, Object> extra) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        c.putAll(extra);
        return new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer());
    }

    private static Admin admin(Broker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    private static List<ConsumerRecord<String, String>> readAll(KafkaConsumer<String, String> consumer, int expected) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (out.size() < expected && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(out::add);
        }
        return out;
    }

    @Test
    void topicsAndRecordsSurviveARestart() throws Exception {
        List<RecordMetadata> sent = new ArrayList<>();
        try (Broker broker = TestBroker.start(dataDir); Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic("durable", 2, (short) 1)
                    .configs(Map.of("retention.ms", "-1", "segment.bytes", "16384")))).all().get();
            try (KafkaProducer<String, String> producer = producer(broker)) {
                for (int i = 0; i < 2000; i++) sent.add(producer.send(new ProducerRecord<>("durable", i % 2, "k" + i, "v" + i)).get());
            }
        }
        try (Broker broker = TestBroker.start(dataDir); Admin admin = admin(broker)) {
            TopicDescription d = admin.describeTopics(List.of("durable")).allTopicNames().get().get("durable");
            assertEquals(2, d.partitions().size());
            assertEquals("16384", broker.topics().require("durable").configs().get("segment.bytes"));
            assertTrue(broker.topics().log(new TopicPartition("durable", 0)).segmentCount() > 1, "small segments rolled");
            try (KafkaConsumer<String, String> consumer = consumer(broker, Map.of())) {
                List<TopicPartition> tps = List.of(new TopicPartition("durable", 0), new TopicPartition("durable", 1));
                consumer.assign(tps);
                consumer.seekToBeginning(tps);
                List<ConsumerRecord<String, String>> got = readAll(consumer, 2000);
                assertEquals(2000, got.size());
                for (ConsumerRecord<String, String> r : got) {
                    int i = Integer.parseInt(r.key().substring(1));
                    assertEquals("v" + i, r.value());
                    assertEquals(sent.get(i).offset(), r.offset());
                    assertEquals(sent.get(i).partition(), r.partition());
                }
            }
        }
    }

    @Test
    void adminCreatesGrowsDescribesAndDeletesTopics() throws Exception {
        try (Broker broker = TestBroker.start(dataDir); Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic("grow", 1, (short) 1))).all().get();
            ExecutionException exists = assertThrows(ExecutionException.class,
                    () -> admin.createTopics(List.of(new NewTopic("grow", 1, (short) 1))).all().get());
            assertInstanceOf(TopicExistsException.class, exists.getCause());

            admin.createPartitions(Map.of("grow", NewPartitions.increaseTo(4))).all().get();
            assertEquals(4, admin.describeTopics(List.of("grow")).allTopicNames().get().get("grow").partitions().size());
            ExecutionException shrink = assertThrows(ExecutionException.class,
                    () -> admin.createPartitions(Map.of("grow", NewPartitions.increaseTo(2))).all().get());
            assertInstanceOf(InvalidPartitionsException.class, shrink.getCause());

            try (KafkaProducer<String, String> producer = producer(broker)) {
                assertEquals(3, producer.send(new ProducerRecord<>("grow", 3, "k", "v")).get().partition());
            }
            assertTrue(admin.listTopics().names().get().contains("grow"));
            admin.deleteTopics(List.of("grow")).all().get();
            assertTrue(!admin.listTopics().names().get().contains("grow"));
            assertTrue(!broker.logs().partitionDir(new TopicPartition("grow", 0)).exists(), "partition directory removed");
            ExecutionException gone = assertThrows(ExecutionException.class,
                    () -> admin.deleteTopics(List.of("grow")).all().get());
            assertInstanceOf(UnknownTopicOrPartitionException.class, gone.getCause());
        }
    }

    @Test
    void deleteRecordsMovesTheEarliestOffset() throws Exception {
        try (Broker broker = TestBroker.start(dataDir); Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic("trim", 1, (short) 1))).all().get();
            try (KafkaProducer<String, String> producer = producer(broker)) {
                for (int i = 0; i < 100; i++) producer.send(new ProducerRecord<>("trim", "k" + i, "v" + i));
                producer.flush();
            }
            TopicPartition tp = new TopicPartition("trim", 0);
            long low = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(40))).lowWatermarks().get(tp).get().lowWatermark();
            assertEquals(40, low);
            try (KafkaConsumer<String, String> consumer = consumer(broker, Map.of())) {
                assertEquals(40L, consumer.beginningOffsets(List.of(tp)).get(tp));
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                List<ConsumerRecord<String, String>> got = readAll(consumer, 60);
                assertEquals(60, got.size());
                assertEquals(40, got.get(0).offset());
                assertEquals("v40", got.get(0).value());
            }
        }
    }

    @Test
    void offsetsForTimesFindsTheFirstRecordAtOrAfterATimestamp() throws Exception {
        long base = System.currentTimeMillis() - 100_000;
        try (Broker broker = TestBroker.start(dataDir)) {
            broker.topics().create("timed", 1, (short) 1, Map.of("segment.bytes", "20000"), 1);
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            try (KafkaProducer<String, String> producer = producer(broker)) {
                for (int i = 0; i < 500; i++) acks.add(producer.send(new ProducerRecord<>("timed", 0, base + i * 100L, "k" + i, "v" + i)));
                producer.flush();
            }
            for (Future<RecordMetadata> ack : acks) ack.get();
            TopicPartition tp = new TopicPartition("timed", 0);
            try (KafkaConsumer<String, String> consumer = consumer(broker, Map.of())) {
                OffsetAndTimestamp at = consumer.offsetsForTimes(Map.of(tp, base + 12_345L)).get(tp);
                assertEquals(124, at.offset());
                assertEquals(base + 12_400L, at.timestamp());
                OffsetAndTimestamp first = consumer.offsetsForTimes(Map.of(tp, 0L)).get(tp);
                assertEquals(0, first.offset());
                assertEquals(null, consumer.offsetsForTimes(Map.of(tp, base + 1_000_000L)).get(tp));
                assertEquals(500L, consumer.endOffsets(List.of(tp)).get(tp));
            }
        }
    }

    @Test
    void adminListsEarliestLatestMaxTimestampAndByTimestampOffsets() throws Exception {
        long base = System.currentTimeMillis() - 100_000;
        try (Broker broker = TestBroker.start(dataDir); Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic("listed", 1, (short) 1))).all().get();
            TopicPartition tp = new TopicPartition("listed", 0);
            try (KafkaProducer<String, String> producer = producer(broker)) {
                for (int i = 0; i < 100; i++) {
                    long ts = i == 42 ? base + 1_000_000 : base + i * 10L;
                    producer.send(new ProducerRecord<>("listed", 0, ts, "k" + i, "v" + i)).get();
                }
            }
            admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(10))).all().get();
            assertEquals(10, admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.earliest())).all().get().get(tp).offset());
            assertEquals(100, admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest())).all().get().get(tp).offset());
            var max = admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.maxTimestamp())).all().get().get(tp);
            assertEquals(42, max.offset());
            assertEquals(base + 1_000_000, max.timestamp());
            var byTime = admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.forTimestamp(base + 305))).all().get().get(tp);
            assertEquals(31, byTime.offset(), "the first offset whose timestamp is at or after the time");
            var pastLate = admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.forTimestamp(base + 505))).all().get().get(tp);
            assertEquals(42, pastLate.offset(), "offset 42 carries a later timestamp and comes before offset 51, as in Kafka");
        }
    }

    @Test
    void aWaitingFetchIsAnsweredAsSoonAsARecordArrives() throws Exception {
        try (Broker broker = TestBroker.start(dataDir)) {
            broker.topics().create("poll", 1, (short) 1, Map.of(), 1);
            TopicPartition tp = new TopicPartition("poll", 0);
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try (KafkaConsumer<String, String> consumer = consumer(broker,
                    Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "20000", ConsumerConfig.FETCH_MIN_BYTES_CONFIG, "1"));
                 KafkaProducer<String, String> producer = producer(broker)) {
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                consumer.poll(Duration.ofMillis(500)); // the consumer now has a fetch parked at the broker
                Future<ConsumerRecords<String, String>> polled = pool.submit(() -> consumer.poll(Duration.ofSeconds(30)));
                Thread.sleep(500);
                long sentAt = System.nanoTime();
                producer.send(new ProducerRecord<>("poll", "k", "woken")).get();
                ConsumerRecords<String, String> records = polled.get();
                long waitedMs = (System.nanoTime() - sentAt) / 1_000_000;
                assertEquals(1, records.count());
                assertTrue(waitedMs < 10_000, "the parked fetch answered " + waitedMs + " ms after the append, not after max.wait.ms");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aFetchWaitsForMinBytesUntilMaxWait() throws Exception {
        try (Broker broker = TestBroker.start(dataDir)) {
            broker.topics().create("minbytes", 1, (short) 1, Map.of(), 1);
            TopicPartition tp = new TopicPartition("minbytes", 0);
            try (KafkaProducer<String, String> producer = producer(broker)) {
                producer.send(new ProducerRecord<>("minbytes", "k", "small")).get();
            }
            try (KafkaConsumer<String, String> consumer = consumer(broker,
                    Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "1500", ConsumerConfig.FETCH_MIN_BYTES_CONFIG, "1000000"))) {
                consumer.assign(List.of(tp));
                consumer.seek(tp, 0);
                long start = System.nanoTime();
                List<ConsumerRecord<String, String>> got = readAll(consumer, 1);
                long tookMs = (System.nanoTime() - start) / 1_000_000;
                assertEquals(1, got.size());
                assertTrue(tookMs >= 1_200, "the fetch waited for min.bytes until max.wait.ms (took " + tookMs + " ms)");
            }
        }
    }

    @Test
    void autoCreatedTopicsGetTheDefaultPartitionCount() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, Map.of("num.partitions", "3"))) {
            try (KafkaProducer<String, String> producer = producer(broker)) {
                producer.send(new ProducerRecord<>("created-on-send", "k", "v")).get();
            }
            assertEquals(3, broker.topics().require("created-on-send").partitions());
            assertEquals(Set.of(), Set.copyOf(broker.topics().require("created-on-send").configs().keySet()));
        }
    }
}
