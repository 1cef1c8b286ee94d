package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.testing.SuiteTags;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kafka's own {@code kafka-configs} (kafka.admin.ConfigCommand, its own process) sets the client
 * quotas of a client id and describes them; a producer of that client id is then
 * throttled (its {@code produce-throttle-time-max} is positive).
 */
@Tag(SuiteTags.PROCESS)
class ClientQuotaToolTest {
    @TempDir
    Path dataDir;

    private static String kafkaConfigs(String bootstrap, String... args) throws IOException, InterruptedException {
        return KafkaToolProcess.runOk("kafka-configs", "kafka.admin.ConfigCommand", bootstrap, 90, args);
    }

    @Test
    void kafkaConfigsSetsAndDescribesClientQuotasAndTheyAreEnforced() throws Exception {
        try (Broker broker = TestBroker.start(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            kafkaConfigs(bootstrap, "--alter", "--entity-type", "clients", "--entity-name", "tool-client",
                    "--add-config", "producer_byte_rate=2048,consumer_byte_rate=4096");
            String client = kafkaConfigs(bootstrap, "--describe", "--entity-type", "clients", "--entity-name", "tool-client");
            assertTrue(client.contains("producer_byte_rate=2048") && client.contains("consumer_byte_rate=4096"), client);

            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic("tool", 1, (short) 1))).all().get();
            }
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.CLIENT_ID_CONFIG, "tool-client"),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                // 64 KiB against 2 KiB/s: far over the quota from the first request.
                producer.send(new ProducerRecord<>("tool", new byte[64 * 1024])).get();
                double throttled = producer.metrics().entrySet().stream()
                        .filter(e -> e.getKey().name().equals("produce-throttle-time-max"))
                        .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).max().orElse(0);
                assertTrue(throttled > 0, "the producer was throttled: " + throttled);
            }
        }
    }
}
