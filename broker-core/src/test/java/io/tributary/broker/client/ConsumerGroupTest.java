package io.tributary.broker.client;

import io.tributary.broker.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The classic Kafka example, unchanged but for the bootstrap address, against a Tributary node. */
class ConsumerGroupTest {
    private static final int RECORDS = 10_000;

    @TempDir
    Path dataDir;

    private static Producer<String, String> classicProducer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return new KafkaProducer<>(p);
    }

    private static KafkaConsumer<String, String> classicConsumer(String bootstrap, String group, boolean autoCommit) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        if (!autoCommit) c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(c);
    }

    private static void produce(String bootstrap, String topic, int from, int to) {
        try (Producer<String, String> producer = classicProducer(bootstrap)) {
            for (int i = from; i < to; i++) producer.send(new ProducerRecord<>(topic, "key-" + i, "value-" + i));
            producer.flush();
        }
    }

    private static Map<TopicPartition, Long> endOffsets(String bootstrap, String topic, int partitions) {
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> tps = new java.util.ArrayList<>();
            for (int p = 0; p < partitions; p++) tps.add(new TopicPartition(topic, p));
            return c.endOffsets(tps);
        }
    }

    private static Map<TopicPartition, Long> committed(String bootstrap, String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            Map<TopicPartition, Long> out = new HashMap<>();
            m.forEach((tp, o) -> out.put(tp, o.offset()));
            return out;
        }
    }

    @Test
    void theClassicExampleWithAutoCommitConsumesEverythingAndCommitsTheLogEnd() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, Map.of("num.partitions", "3"))) {
            String bootstrap = broker.bootstrapServers();
            produce(bootstrap, "testTopic", 0, RECORDS);
            Set<String> seen = new HashSet<>();
            try (KafkaConsumer<String, String> consumer = classicConsumer(bootstrap, "my-group", true)) {
                consumer.subscribe(List.of("testTopic"));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (seen.size() < RECORDS && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                        assertEquals("value-" + r.key().substring(4), r.value());
                        seen.add(r.key());
                    }
                }
            } // close() commits the consumed offsets
            assertEquals(RECORDS, seen.size());
            assertEquals(endOffsets(bootstrap, "testTopic", 3), committed(bootstrap, "my-group"));
        }
    }

    @Test
    void theClassicExampleWithCommitSyncResumesAtTheCommittedOffsetAfterABrokerRestart() throws Exception {
        int firstHalf = RECORDS / 2;
        Set<String> seen = new HashSet<>();
        try (Broker broker = TestBroker.start(dataDir, Map.of("num.partitions", "3"))) {
            String bootstrap = broker.bootstrapServers();
            produce(bootstrap, "testTopic", 0, firstHalf);
            try (Consumer<String, String> consumer = classicConsumer(bootstrap, "my-group", false)) {
                consumer.subscribe(List.of("testTopic"));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (seen.size() < firstHalf && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) seen.add(r.key());
                    consumer.commitSync();
                }
            }
            assertEquals(firstHalf, seen.size());
            assertEquals(endOffsets(bootstrap, "testTopic", 3), committed(bootstrap, "my-group"));
        }
        try (Broker broker = TestBroker.start(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            Map<TopicPartition, Long> committedBefore = committed(bootstrap, "my-group");
            assertEquals(endOffsets(bootstrap, "testTopic", 3), committedBefore, "commits survived the restart");
            produce(bootstrap, "testTopic", firstHalf, RECORDS);
            try (Consumer<String, String> consumer = classicConsumer(bootstrap, "my-group", false)) {
                consumer.subscribe(List.of("testTopic"));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                int again = 0;
                while (seen.size() < RECORDS && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                        assertTrue(r.offset() >= committedBefore.get(tp), "resumed at the committed offset of " + tp);
                        if (!seen.add(r.key())) again++;
                    }
                    consumer.commitSync();
                }
                assertEquals(0, again, "no record of the first half was delivered again");
            }
            assertEquals(RECORDS, seen.size());
            assertEquals(endOffsets(bootstrap, "testTopic", 3), committed(bootstrap, "my-group"));
        }
    }
}
