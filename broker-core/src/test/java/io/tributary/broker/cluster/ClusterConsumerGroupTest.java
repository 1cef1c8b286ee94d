package io.tributary.broker.cluster;

import io.tributary.broker.testing.SuiteTags;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A consumer group keeps working when the node coordinating it stops: the group's offsets
 * partition gets a new leader, which loads the committed offsets, and the consumer rejoins there
 * and goes on from what it had committed.
 */
@Tag(SuiteTags.PROCESS)
class ClusterConsumerGroupTest {
    @TempDir
    Path dir;

    @Test
    void committedOffsetsAndTheGroupSurviveTheCoordinatorsNode() throws Exception {
        try (ClusterHarness cluster = new ClusterHarness(dir, 3, Map.of())) {
            cluster.startAll();
            String bootstrap = cluster.bootstrap();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic("events", 3, (short) 3)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get();
                Properties p = new Properties();
                p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
                p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
                p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
                try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
                    for (int i = 0; i < 3000; i++) producer.send(new ProducerRecord<>("events", "k" + i, "e" + i));
                    producer.flush();
                }
                Properties c = new Properties();
                c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
                c.put(ConsumerConfig.GROUP_ID_CONFIG, "billing");
                c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
                c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
                c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "100");
                c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
                c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
                Set<String> seen = new HashSet<>();
                try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
                    consumer.subscribe(List.of("events"));
                    while (seen.size() < 1500) {
                        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) seen.add(r.value());
                        consumer.commitSync();
                    }
                    Map<TopicPartition, OffsetAndMetadata> before = admin.listConsumerGroupOffsets("billing")
                            .partitionsToOffsetAndMetadata().get();
                    int coordinator = admin.describeConsumerGroups(List.of("billing")).all().get().get("billing")
                            .coordinator().id();
                    cluster.stop(coordinator);
                    long deadline = System.currentTimeMillis() + 90_000;
                    while (seen.size() < 3000 && System.currentTimeMillis() < deadline) {
                        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) seen.add(r.value());
                        try {
                            consumer.commitSync(Duration.ofSeconds(10));
                        } catch (org.apache.kafka.common.errors.RetriableException
                                 | org.apache.kafka.clients.consumer.CommitFailedException e) {
                            // The coordinator moved: the new one knows the committed offsets but not the
                            // members, so the consumer rejoins on its next poll, as after any rebalance.
                        }
                    }
                    if (seen.size() < 3000) ClusterHarness.printThreads("the stalled cluster");
                    assertEquals(3000, seen.size(), "records consumed by the group; positions "
                            + consumer.assignment().stream().map(tp -> tp + "=" + consumer.position(tp)).toList()
                            + ", committed before the stop " + before);
                    consumer.commitSync(Duration.ofSeconds(30));
                    Map<TopicPartition, OffsetAndMetadata> after = admin.listConsumerGroupOffsets("billing")
                            .partitionsToOffsetAndMetadata().get();
                    long total = 0;
                    for (var e : after.entrySet()) {
                        OffsetAndMetadata old = before.get(e.getKey());
                        if (old != null) assertTrue(e.getValue().offset() >= old.offset(), "offset went back on " + e.getKey());
                        total += e.getValue().offset();
                    }
                    assertEquals(3000, total, "committed offsets after the coordinator's node stopped");
                    int newCoordinator = admin.describeConsumerGroups(List.of("billing")).all().get().get("billing")
                            .coordinator().id();
                    assertNotEquals(coordinator, newCoordinator);
                }
            }
        }
    }
}
