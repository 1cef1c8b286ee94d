package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.log.TopicConfigKey;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.AlterConfigsOptions;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Describing and changing topic configs, describing the broker and the cluster, with Kafka's Admin client. */
class AdminConfigTest {
    @TempDir
    Path dataDir;

    private static Admin admin(Broker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    private static ConfigResource topic(String name) {
        return new ConfigResource(ConfigResource.Type.TOPIC, name);
    }

    private static Config describe(Admin admin, ConfigResource resource) throws Exception {
        return admin.describeConfigs(List.of(resource)).all().get().get(resource);
    }

    private static void incremental(Admin admin, ConfigResource resource, AlterConfigOp... ops) throws Exception {
        Map<ConfigResource, Collection<AlterConfigOp>> changes = Map.of(resource, List.of(ops));
        admin.incrementalAlterConfigs(changes).all().get();
    }

    private static AlterConfigOp set(String name, String value) {
        return new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET);
    }

    @Test
    void describeTopicListsEveryConfigWithItsSource() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, Map.of("log.retention.hours", "48")); Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1)
                    .configs(Map.of("cleanup.policy", "compact")))).all().get();

            Config config = describe(admin, topic("orders"));

            ConfigEntry policy = config.get("cleanup.policy");
            assertEquals("compact", policy.value());
            assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, policy.source());
            assertFalse(policy.isDefault());
            assertFalse(policy.isReadOnly());
            assertFalse(policy.isSensitive());
            assertEquals(ConfigEntry.ConfigType.LIST, policy.type());

            ConfigEntry retention = config.get("retention.ms");
            assertEquals(Long.toString(48 * 3_600_000L), retention.value());
            assertEquals(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG, retention.source(),
                    "log.retention.hours was set on the broker");

            ConfigEntry segmentBytes = config.get("segment.bytes");
            assertEquals("1073741824", segmentBytes.value());
            assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, segmentBytes.source());
            assertTrue(segmentBytes.isDefault());
            assertEquals(ConfigEntry.ConfigType.INT, segmentBytes.type());
            assertNull(segmentBytes.documentation());

            assertEquals(TopicConfigKey.values().length, config.entries().size(),
                    "every topic config is listed");
        }
    }

    @Test
    void synonymsAndRequestedNamesAreHonoured() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, Map.of("log.retention.ms", "7200000")); Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic("audit", 1, (short) 1)
                    .configs(Map.of("retention.ms", "60000")))).all().get();

            Config config = admin.describeConfigs(List.of(topic("audit")),
                    new DescribeConfigsOptions().includeSynonyms(true)).all().get().get(topic("audit"));
            List<ConfigEntry.ConfigSynonym> synonyms = config.get("retention.ms").synonyms();
            assertEquals(List.of("retention.ms", "log.retention.ms", "log.retention.ms"),
                    synonyms.stream().map(ConfigEntry.ConfigSynonym::name).toList());
            assertEquals(List.of(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG,
                    ConfigEntry.ConfigSource.DEFAULT_CONFIG), synonyms.stream().map(ConfigEntry.ConfigSynonym::source).toList());
            assertEquals(List.of("60000", "7200000", "604800000"),
                    synonyms.stream().map(ConfigEntry.ConfigSynonym::value).toList());

            // The Admin client always asks for every key; other clients name the keys they want.
            DescribeConfigsRequestData request = new DescribeConfigsRequestData().setResources(List.of(
                    new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType(ConfigResource.Type.TOPIC.id())
                            .setResourceName("audit").setConfigurationKeys(List.of("retention.ms", "no.such.config"))));
            try (RawKafkaClient client = RawKafkaClient.connect(broker.address())) {
                DescribeConfigsResponseData response = (DescribeConfigsResponseData) client.send(request, (short) 1).data();
                assertEquals(List.of("retention.ms"), response.results().get(0).configs().stream()
                        .map(DescribeConfigsResponseData.DescribeConfigsResourceResult::name).toList());
                assertEquals("60000", response.results().get(0).configs().get(0).value());
            }
        }
    }

    @Test
    void unknownTopicIsReported() throws Exception {
        try (Broker broker = TestBroker.start(dataDir); Admin admin = admin(broker)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> describe(admin, topic("missing")));
            assertInstanceOf(UnknownTopicOrPartitionException.class, e.getCause());
        }
    }

    @Test
    void describeBrokerListsItsPropertiesWithWhatMayChangeAtRunTime() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, Map.of("log.segment.bytes", "2097152")); Admin admin = admin(broker)) {
            Config config = describe(admin, new ConfigResource(ConfigResource.Type.BROKER, "0"));

            ConfigEntry dirs = config.get("log.dirs");
            assertEquals(dataDir.toString(), dirs.value());
            assertEquals(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG, dirs.source());
            assertTrue(dirs.isReadOnly());

            ConfigEntry deleteEnable = config.get("delete.topic.enable");
            assertEquals("true", deleteEnable.value());
            assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, deleteEnable.source());

            ConfigEntry segment = config.get("log.segment.bytes");
            assertEquals("2097152", segment.value());
            assertEquals(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG, segment.source());

            ConfigEntry retention = config.get("log.retention.ms");
            assertEquals("604800000", retention.value(), "topic defaults appear under their broker names");
            assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, retention.source());

            assertFalse(retention.isReadOnly(), "a topic default may change at run time");
            assertFalse(config.get("log.cleaner.io.max.bytes.per.second").isReadOnly());
            assertTrue(config.get("num.network.threads").isReadOnly());
        }
    }

    @Test
    void readOnlyBrokerConfigsAreRefused() throws Exception {
        try (Broker broker = TestBroker.start(dataDir); Admin admin = admin(broker)) {
            ConfigResource node = new ConfigResource(ConfigResource.Type.BROKER, "0");
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> incremental(admin, node, set("log.dirs", "/elsewhere"), set("log.retention.ms", "1000")));
            assertInstanceOf(InvalidRequestException.class, e.getCause());
            assertEquals("Cannot update these configs dynamically: [log.dirs]", e.getCause().getMessage());
            assertEquals("604800000", describe(admin, node).get("log.retention.ms").value(),
                    "the whole resource is refused");
        }
    }

    /** The legacy AlterConfigs request (the Admin client of kafka-clients 4 sends only the incremental one). */
    private static AlterConfigsResponseData legacyAlter(Broker broker, String topic, Map<String, String> configs,
                                                        boolean validateOnly, short version) throws Exception {
        AlterConfigsRequestData.AlterableConfigCollection entries = new AlterConfigsRequestData.AlterableConfigCollection();
        configs.forEach((k, v) -> entries.add(new AlterConfigsRequestData.AlterableConfig().setName(k).setValue(v)));
        AlterConfigsRequestData.AlterConfigsResourceCollection resources = new AlterConfigsRequestData.AlterConfigsResourceCollection();
        resources.add(new AlterConfigsRequestData.AlterConfigsResource().setResourceType(ConfigResource.Type.TOPIC.id())
                .setResourceName(topic).setConfigs(entries));
        try (RawKafkaClient client = RawKafkaClient.connect(broker.address())) {
            AbstractResponse response = client.send(new AlterConfigsRequestData().setResources(resources)
                    .setValidateOnly(validateOnly), version);
            return (AlterConfigsResponseData) response.data();
        }
    }

    @Test
    void legacyAlterConfigsReplacesTheOverrides() throws Exception {
        try (Broker broker = TestBroker.start(dataDir); Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic("legacy", 1, (short) 1)
                    .configs(Map.of("cleanup.policy", "compact", "retention.ms", "60000")))).all().get();

            AlterConfigsResponseData validated = legacyAlter(broker, "legacy", Map.of("retention.bytes", "1048576"), true, (short) 2);
            assertEquals(Errors.NONE.code(), validated.responses().get(0).errorCode());
            assertEquals("60000", describe(admin, topic("legacy")).get("retention.ms").value(),
                    "validateOnly changes nothing");

            AlterConfigsResponseData altered = legacyAlter(broker, "legacy", Map.of("retention.bytes", "1048576"), false, (short) 0);
            assertEquals(Errors.NONE.code(), altered.responses().get(0).errorCode());

            Config after = describe(admin, topic("legacy"));
            assertEquals("1048576", after.get("retention.bytes").value());
            assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, after.get("retention.bytes").source());
            assertEquals("delete", after.get("cleanup.policy").value(), "settings left out return to the default");
            assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, after.get("retention.ms").source());
            assertEquals(Map.of("retention.bytes", "1048576"), broker.topics().require("legacy").configs());
            assertEquals(1_048_576L, broker.topics().log(new TopicPartition("legacy", 0)).config().retentionBytes(),
                    "the partition log uses the new setting");

            AlterConfigsResponseData bad = legacyAlter(broker, "legacy", Map.of("retention.bytes", "lots"), false, (short) 1);
            assertEquals(Errors.INVALID_CONFIG.code(), bad.responses().get(0).errorCode());
            assertTrue(bad.responses().get(0).errorMessage().contains("retention.bytes"), bad.responses().get(0).errorMessage());
            AlterConfigsResponseData unknown = legacyAlter(broker, "nowhere", Map.of("retention.bytes", "1"), false, (short) 1);
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), unknown.responses().get(0).errorCode());
            assertEquals(Map.of("retention.bytes", "1048576"), broker.topics().require("legacy").configs());
        }
    }

    @Test
    void incrementalAlterConfigsSetDeleteAppendAndSubtract() throws Exception {
        try (Broker broker = TestBroker.start(dataDir); Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic("events", 2, (short) 1)
                    .configs(Map.of("max.message.bytes", "200000")))).all().get();
            ConfigResource events = topic("events");

            incremental(admin, events, set("retention.bytes", "5000000"));
            Config config = describe(admin, events);
            assertEquals("5000000", config.get("retention.bytes").value());
            assertEquals("200000", config.get("max.message.bytes").value(), "other overrides are kept");
            for (int p = 0; p < 2; p++) {
                assertEquals(5_000_000L, broker.topics().log(new TopicPartition("events", p))
                        .config().retentionBytes());
            }

            incremental(admin, events, new AlterConfigOp(new ConfigEntry("max.message.bytes", null), AlterConfigOp.OpType.DELETE));
            config = describe(admin, events);
            assertEquals("1048588", config.get("max.message.bytes").value());
            assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, config.get("max.message.bytes").source());

            incremental(admin, events, new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"), AlterConfigOp.OpType.APPEND));
            assertEquals("compact,delete", describe(admin, events).get("cleanup.policy").value());
            incremental(admin, events, new AlterConfigOp(new ConfigEntry("cleanup.policy", "delete"), AlterConfigOp.OpType.SUBTRACT));
            assertEquals("compact", describe(admin, events).get("cleanup.policy").value());

            ExecutionException notAList = assertThrows(ExecutionException.class, () -> incremental(admin, events,
                    new AlterConfigOp(new ConfigEntry("retention.ms", "5"), AlterConfigOp.OpType.APPEND)));
            assertInstanceOf(InvalidConfigurationException.class, notAList.getCause());

            AlterConfigsOptions validateOnly = new AlterConfigsOptions().validateOnly(true);
            admin.incrementalAlterConfigs(Map.of(events, List.of(set("retention.ms", "1000"))), validateOnly).all().get();
            assertEquals("604800000", describe(admin, events).get("retention.ms").value(), "validateOnly changes nothing");
        }
    }

    @Test
    void badValuesAndUnknownNamesAreInvalidConfig() throws Exception {
        try (Broker broker = TestBroker.start(dataDir); Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic("strict", 1, (short) 1))).all().get();

            ExecutionException bad = assertThrows(ExecutionException.class,
                    () -> incremental(admin, topic("strict"), set("segment.bytes", "-5")));
            assertInstanceOf(InvalidConfigurationException.class, bad.getCause());
            assertTrue(bad.getCause().getMessage().contains("segment.bytes"), bad.getCause().getMessage());

            ExecutionException codec = assertThrows(ExecutionException.class,
                    () -> incremental(admin, topic("strict"), set("compression.type", "brotli")));
            assertInstanceOf(InvalidConfigurationException.class, codec.getCause());

            ExecutionException unknown = assertThrows(ExecutionException.class,
                    () -> incremental(admin, topic("strict"), set("retention.parsecs", "12")));
            assertInstanceOf(InvalidConfigurationException.class, unknown.getCause());

            ExecutionException missing = assertThrows(ExecutionException.class,
                    () -> incremental(admin, topic("nowhere"), set("retention.ms", "1000")));
            assertInstanceOf(UnknownTopicOrPartitionException.class, missing.getCause());

            assertEquals(Map.of(), broker.topics().require("strict").configs(), "nothing was changed");
        }
    }

    @Test
    void segmentBytesChangeSurvivesARestart() throws Exception {
        try (Broker broker = TestBroker.start(dataDir); Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic("kept", 1, (short) 1))).all().get();
            incremental(admin, topic("kept"), set("segment.bytes", "1048576"));
        }
        try (Broker broker = TestBroker.start(dataDir); Admin admin = admin(broker)) {
            ConfigEntry entry = describe(admin, topic("kept")).get("segment.bytes");
            assertEquals("1048576", entry.value());
            assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, entry.source());
            assertEquals(1_048_576, broker.topics().log(new TopicPartition("kept", 0))
                    .config().segmentBytes());
        }
    }

    @Test
    void describeClusterReturnsThisNodeAsController() throws Exception {
        try (Broker broker = TestBroker.start(dataDir); Admin admin = admin(broker)) {
            DescribeClusterResult cluster = admin.describeCluster();
            assertEquals(broker.clusterId(), cluster.clusterId().get());
            Collection<Node> nodes = cluster.nodes().get();
            assertEquals(1, nodes.size());
            Node node = nodes.iterator().next();
            assertEquals(0, node.id());
            assertEquals(broker.address().getPort(), node.port());
            assertEquals(0, cluster.controller().get().id());

            var withOps = admin.describeCluster(new DescribeClusterOptions()
                    .includeAuthorizedOperations(true));
            Set<AclOperation> ops = withOps.authorizedOperations().get();
            assertNotNull(ops);
            assertTrue(ops.contains(AclOperation.DESCRIBE_CONFIGS));
        }
    }
}
