package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.testing.TmpfsMount;
import io.tributary.broker.testing.TopicReader;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A broker whose data directory fills up (a tmpfs of a few MiB made by the test): writes are
 * refused with Kafka's {@code KAFKA_STORAGE_ERROR} (the Java producer's
 * {@link KafkaStorageException}), reads go on serving every acknowledged record, writes work again
 * once space is freed, and after a restart the log holds exactly the acknowledged records, in
 * order: the failed writes left nothing half-written behind.
 */
class FullDiskTest {
    private static final String TOPIC = "filling";
    private static final String VALUE = "v".repeat(20_000);

    @TempDir
    Path parent;

    @Test
    void aFullDiskRefusesWritesWithTheStorageErrorKeepsServingReadsAndRecoversWhenSpaceReturns() throws Exception {
        try (TmpfsMount disk = TmpfsMount.mount(parent, 8)) {
            Path dataDir = disk.dir().resolve("data");
            List<String> acknowledged = new ArrayList<>();
            Path filler;
            try (Broker broker = TestBroker.start(dataDir)) {
                createTopic(broker.bootstrapServers());
                filler = disk.fill("filler", 1024 * 1024);
                try (KafkaProducer<String, String> producer = producer(broker.bootstrapServers())) {
                    ExecutionException refused = null;
                    for (int i = 0; i < 1000 && refused == null; i++) {
                        try {
                            producer.send(new ProducerRecord<>(TOPIC, "before-" + i, VALUE)).get();
                            acknowledged.add("before-" + i);
                        } catch (ExecutionException e) {
                            refused = e;
                        }
                    }
                    assertTrue(refused != null, "1000 records of 20 kB fit on a disk with 1 MiB free");
                    assertInstanceOf(KafkaStorageException.class, refused.getCause(), "the error of a write to a full disk");
                    assertTrue(acknowledged.size() > 10, "records were written before the disk filled: " + acknowledged.size());

                    // Still full: refused again, and every acknowledged record is served.
                    ExecutionException again = assertThrows(() -> producer.send(new ProducerRecord<>(TOPIC, "while-full", VALUE)).get());
                    assertInstanceOf(KafkaStorageException.class, again.getCause());
                    assertEquals(acknowledged, keys(broker.bootstrapServers()), "reads while the disk is full");

                    Files.delete(filler);
                    for (int i = 0; i < 20; i++) {
                        producer.send(new ProducerRecord<>(TOPIC, "after-" + i, VALUE)).get();
                        acknowledged.add("after-" + i);
                    }
                }
                assertEquals(acknowledged, keys(broker.bootstrapServers()), "reads once space returned");
            }
            try (Broker restarted = TestBroker.start(dataDir)) {
                assertEquals(acknowledged, keys(restarted.bootstrapServers()), "the log after a restart");
            }
        }
    }

    private static ExecutionException assertThrows(org.junit.jupiter.api.function.Executable send) {
        try {
            send.execute();
        } catch (ExecutionException e) {
            return e;
        } catch (Throwable t) {
            fail("expected the send to fail with an ExecutionException", t);
        }
        return fail("the send to a full disk succeeded");
    }

    private static void createTopic(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
        }
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // Each error reaches the test as it is, not after the producer's retries.
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.put(ProducerConfig.RETRIES_CONFIG, "0");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static List<String> keys(String bootstrap) {
        return TopicReader.records(bootstrap, TOPIC, 1, "read_uncommitted", Duration.ofSeconds(60)).stream()
                .map(ConsumerRecord::key).toList();
    }
}
