package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.testing.SuiteTags;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kafka's own {@code kafka-configs} ({@code kafka.admin.ConfigCommand}, Kafka 4.4
 * core jar), run as its own JVM as an operator runs it, on broker configs: a node's own
 * value and the cluster-wide default set, described with their sources, deleted, and a read-only
 * setting refused with Kafka's message.
 */
@Tag(SuiteTags.PROCESS)
class ConfigsToolTest {
    @TempDir
    Path dataDir;

    private static String configs(Broker broker, String... args) throws Exception {
        return KafkaToolProcess.runOk("kafka-configs", "kafka.admin.ConfigCommand", broker.bootstrapServers(),
                60, args);
    }

    @Test
    void brokerConfigsAreSetDescribedAndDeletedWithKafkaConfigs() throws Exception {
        try (Broker broker = TestBroker.start(dataDir)) {
            configs(broker, "--entity-type", "brokers", "--entity-name", "0", "--alter",
                    "--add-config", "log.cleaner.backoff.ms=3000,log.retention.ms=7200000");
            configs(broker, "--entity-type", "brokers", "--entity-default", "--alter",
                    "--add-config", "log.retention.ms=3600000");
            assertEquals(3000, broker.logs().cleanerBackoffMs());

            String described = configs(broker, "--entity-type", "brokers", "--entity-name", "0", "--describe");
            assertTrue(described.contains("log.cleaner.backoff.ms=3000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:"
                    + "log.cleaner.backoff.ms=3000, DEFAULT_CONFIG:log.cleaner.backoff.ms=15000}"), described);
            assertTrue(described.contains("log.retention.ms=7200000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:"
                    + "log.retention.ms=7200000, DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000, "
                    + "DEFAULT_CONFIG:log.retention.ms=604800000}"), described);

            configs(broker, "--entity-type", "brokers", "--entity-name", "0", "--alter",
                    "--delete-config", "log.cleaner.backoff.ms,log.retention.ms");
            assertEquals(15000, broker.logs().cleanerBackoffMs());
            assertEquals(3_600_000L, broker.topics().brokerDefaults().retentionMs(), "the cluster-wide default applies again");

            KafkaToolProcess.Run refused = KafkaToolProcess.run("kafka-configs", "kafka.admin.ConfigCommand",
                    broker.bootstrapServers(), 60, "--entity-type", "brokers", "--entity-name", "0", "--alter",
                    "--add-config", "log.dirs=/elsewhere");
            assertNotEquals(0, refused.exit());
            assertTrue(refused.output().contains("Cannot update these configs dynamically: [log.dirs]"), refused.output());
            assertFalse(broker.config().dataDir().toString().contains("elsewhere"));
        }
    }
}
