package io.tributary.broker.client;

import io.tributary.broker.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.AlterConfigsOptions;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dynamic broker configs with Kafka's Admin client: a cluster-wide default and a node's own value,
 * their precedence and sources, what they change at once on the running node, their survival of a
 * restart, Kafka's refusals; and every topic setting Kafka defines, with Kafka's validation.
 */
class DynamicBrokerConfigTest {
    private static final ConfigResource NODE = new ConfigResource(ConfigResource.Type.BROKER, "0");
    private static final ConfigResource CLUSTER_DEFAULT = new ConfigResource(ConfigResource.Type.BROKER, "");

    @TempDir
    Path dataDir;

    private static Admin admin(Broker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    private static void alter(Admin admin, ConfigResource resource, AlterConfigOp... ops) throws Exception {
        Map<ConfigResource, Collection<AlterConfigOp>> changes = Map.of(resource, List.of(ops));
        admin.incrementalAlterConfigs(changes).all().get();
    }

    private static AlterConfigOp set(String name, String value) {
        return new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET);
    }

    private static AlterConfigOp delete(String name) {
        return new AlterConfigOp(new ConfigEntry(name, null), AlterConfigOp.OpType.DELETE);
    }

    private static Config describe(Admin admin, ConfigResource resource) throws Exception {
        return admin.describeConfigs(List.of(resource), new DescribeConfigsOptions().includeSynonyms(true))
                .all().get().get(resource);
    }

    private static List<ConfigEntry.ConfigSource> sources(ConfigEntry entry) {
        return entry.synonyms().stream().map(ConfigEntry.ConfigSynonym::source).toList();
    }

    /** Records two hours old, small enough that a 1 KiB segment holds a few. */
    private static void produceOld(Broker broker, int count, String... topics) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 0),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            long old = System.currentTimeMillis() - 2 * 3_600_000L;
            for (int i = 0; i < count; i++) {
                for (String topic : topics) producer.send(new ProducerRecord<>(topic, 0, old, null, new byte[200])).get();
            }
        }
    }

    @Test
    void aClusterWideRetentionChangeAppliesAtOnceToTopicsWithoutAnOverrideAndSurvivesARestart() throws Exception {
        TopicPartition follows = new TopicPartition("follows-default", 0);
        TopicPartition overrides = new TopicPartition("overrides", 0);
        try (Broker broker = TestBroker.start(dataDir); Admin admin = admin(broker)) {
            admin.createTopics(List.of(
                    new NewTopic(follows.topic(), 1, (short) 1).configs(Map.of("segment.bytes", "1024", "file.delete.delay.ms", "0")),
                    new NewTopic(overrides.topic(), 1, (short) 1).configs(Map.of("segment.bytes", "1024",
                            "retention.ms", "604800000")))).all().get();
            produceOld(broker, 12, follows.topic(), overrides.topic());

            alter(admin, CLUSTER_DEFAULT, set("log.retention.ms", "3600000"));
            alter(admin, NODE, set("log.cleaner.io.max.bytes.per.second", "1048576"), set("log.cleaner.backoff.ms", "2000"));

            ConfigEntry retention = describe(admin, new ConfigResource(ConfigResource.Type.TOPIC, follows.topic()))
                    .get("retention.ms");
            assertEquals("3600000", retention.value());
            assertEquals(ConfigEntry.ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, retention.source());
            assertEquals(List.of(ConfigEntry.ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, ConfigEntry.ConfigSource.DEFAULT_CONFIG),
                    sources(retention));

            broker.logs().applyRetention();
            assertTrue(broker.topics().log(follows).logStartOffset() > 0, "segments older than the new default are gone");
            assertEquals(0, broker.topics().log(overrides).logStartOffset(), "the topic's own retention.ms still holds");
            assertEquals(1048576.0, broker.logs().cleaner().maxIoBytesPerSecond());
            assertEquals(2000, broker.logs().cleanerBackoffMs());
        }

        try (Broker broker = TestBroker.start(dataDir); Admin admin = admin(broker)) {
            Config node = describe(admin, NODE);
            ConfigEntry retention = node.get("log.retention.ms");
            assertEquals("3600000", retention.value());
            assertEquals(ConfigEntry.ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, retention.source());
            assertFalse(retention.isReadOnly());
            ConfigEntry io = node.get("log.cleaner.io.max.bytes.per.second");
            assertEquals("1048576", io.value());
            assertEquals(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG, io.source());
            assertEquals(1048576.0, broker.logs().cleaner().maxIoBytesPerSecond(), "applied again after the restart");
            assertEquals(Map.of("log.retention.ms", "3600000"), describe(admin, CLUSTER_DEFAULT).entries().stream()
                    .collect(Collectors.toMap(ConfigEntry::name, ConfigEntry::value)));

            // A node's own value wins over the cluster-wide default; deleting it brings the default back.
            alter(admin, NODE, set("log.retention.ms", "7200000"));
            ConfigEntry own = describe(admin, NODE).get("log.retention.ms");
            assertEquals("7200000", own.value());
            assertEquals(List.of(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG,
                    ConfigEntry.ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, ConfigEntry.ConfigSource.DEFAULT_CONFIG),
                    sources(own));
            assertEquals(7_200_000L, broker.topics().effectiveConfig(follows.topic()).retentionMs());
            alter(admin, NODE, delete("log.retention.ms"));
            alter(admin, CLUSTER_DEFAULT, delete("log.retention.ms"));
            ConfigEntry back = describe(admin, NODE).get("log.retention.ms");
            assertEquals("604800000", back.value());
            assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, back.source());
            assertTrue(describe(admin, CLUSTER_DEFAULT).entries().isEmpty());
        }
    }

    @Test
    void changesKafkaRefusesAreRefusedWithItsMessages() throws Exception {
        try (Broker broker = TestBroker.start(dataDir); Admin admin = admin(broker)) {
            Map<String, String> refusals = new LinkedHashMap<>();
            refusals.put("num.network.threads", "Cannot update these configs dynamically: [num.network.threads]");
            refusals.put("ssl.keystore.location", "These security configs can be dynamically updated only per-listener "
                    + "using the listener prefix: [ssl.keystore.location]");
            for (Map.Entry<String, String> r : refusals.entrySet()) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> alter(admin, NODE, set(r.getKey(), "1")));
                assertInstanceOf(InvalidRequestException.class, e.getCause());
                assertEquals(r.getValue(), e.getCause().getMessage());
            }
            ExecutionException perBroker = assertThrows(ExecutionException.class, () -> alter(admin, CLUSTER_DEFAULT,
                    set("listener.name.plaintext.ssl.keystore.location", "/tmp/k.p12")));
            assertEquals("Cannot update these configs at default cluster level, broker id must be specified: "
                    + "[listener.name.plaintext.ssl.keystore.location]", perBroker.getCause().getMessage());
            ExecutionException badValue = assertThrows(ExecutionException.class,
                    () -> alter(admin, NODE, set("log.retention.ms", "soon")));
            assertInstanceOf(InvalidRequestException.class, badValue.getCause());
            assertTrue(badValue.getCause().getMessage().contains("Invalid value soon for configuration retention.ms"),
                    badValue.getCause().getMessage());

            admin.incrementalAlterConfigs(Map.of(NODE, List.of(set("log.segment.bytes", "2097152"))),
                    new AlterConfigsOptions().validateOnly(true)).all().get();
            assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, describe(admin, NODE).get("log.segment.bytes").source(),
                    "validateOnly stores nothing");
        }
    }

    @Test
    void everyTopicConfigKafkaDefinesIsAcceptedAndBadValuesGetKafkasMessage() throws Exception {
        // Kafka 4 no longer accepts these two names of TopicConfig as topic configs.
        Set<String> notTopicConfigs = Set.of("message.downconversion.enable", "errors.deadletterqueue.group.enable");
        Map<String, String> every = new LinkedHashMap<>();
        for (Field f : TopicConfig.class.getFields()) {
            if (!Modifier.isStatic(f.getModifiers()) || !f.getName().endsWith("_CONFIG")) continue;
            String name = (String) f.get(null);
            if (notTopicConfigs.contains(name)) continue;
            every.put(name, io.tributary.broker.log.TopicConfigKey.forName(name)
                    .map(io.tributary.broker.log.TopicConfigKey::defaultValue).orElse("unknown-to-tributary"));
        }
        try (Broker broker = TestBroker.start(dataDir); Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic("every", 1, (short) 1).configs(every))).all().get();
            Config described = describe(admin, new ConfigResource(ConfigResource.Type.TOPIC, "every"));
            for (String name : every.keySet()) {
                assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, described.get(name).source(), name);
            }

            Map<String, String> bad = new LinkedHashMap<>();
            bad.put("segment.index.bytes=2", "Invalid value 2 for configuration segment.index.bytes: Value must be at least 4");
            bad.put("max.compaction.lag.ms=0", "Invalid value 0 for configuration max.compaction.lag.ms: Value must be at least 1");
            bad.put("message.timestamp.type=WallClock",
                    "Invalid value WallClock for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime");
            bad.put("preallocate=yes", "Invalid value yes for configuration preallocate: Expected value to be either true or false");
            bad.put("compression.lz4.level=18", "Invalid value 18 for configuration compression.lz4.level: Value must be no more than 17");
            bad.put("local.retention.ms=-3", "Invalid value -3 for configuration local.retention.ms: Value must be at least -2");
            bad.put("remote.storage.enable=true",
                    "Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.");
            bad.put("no.such.config=1", "Unknown topic configuration no.such.config");
            for (Map.Entry<String, String> b : bad.entrySet()) {
                String[] kv = b.getKey().split("=");
                ExecutionException e = assertThrows(ExecutionException.class, () -> admin.createTopics(List.of(
                        new NewTopic("bad", 1, (short) 1).configs(Map.of(kv[0], kv[1])))).all().get());
                assertInstanceOf(InvalidConfigurationException.class, e.getCause(), b.getKey());
                assertEquals(b.getValue(), e.getCause().getMessage(), b.getKey());
            }
            ExecutionException throttled = assertThrows(ExecutionException.class, () -> alter(admin,
                    new ConfigResource(ConfigResource.Type.TOPIC, "every"), set("leader.replication.throttled.replicas", "0-1")));
            assertInstanceOf(InvalidConfigurationException.class, throttled.getCause());
            alter(admin, new ConfigResource(ConfigResource.Type.TOPIC, "every"),
                    set("leader.replication.throttled.replicas", "0:0,1:0"));
        }
    }
}
