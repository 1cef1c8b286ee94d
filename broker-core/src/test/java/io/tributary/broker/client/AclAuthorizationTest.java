package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.testing.TestCertificates;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.apache.kafka.common.requests.CreateAclsResponse;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ACLs with the built-in authorizer, seen through the Kafka Java clients and raw requests: clients
 * with certificates for {@code CN=admin}, {@code CN=alice} and {@code CN=bob} are
 * {@code User:admin} (a super user), {@code User:alice} and {@code User:bob} through
 * {@code ssl.principal.mapping.rules}; each API allows what the ACLs allow and answers Kafka's
 * authorization errors for the rest, per resource where Kafka does; ACLs survive a restart.
 */
class AclAuthorizationTest {
    @TempDir
    static Path certDir;
    @TempDir
    Path dataDir;
    private static TestCertificates certificates;
    private static Path brokerKeys;
    private static final Map<String, Path> USER_KEYS = new HashMap<>();

    @BeforeAll
    static void certificates() throws Exception {
        certificates = TestCertificates.create(certDir);
        brokerKeys = certificates.keyStore("broker", "CN=localhost,OU=Brokers,O=Tributary");
        for (String user : List.of("admin", "alice", "bob")) {
            USER_KEYS.put(user, certificates.keyStore(user, "CN=" + user + ",OU=Clients,O=Tributary"));
        }
    }

    private static Map<String, String> securedTls() {
        Map<String, String> props = new HashMap<>();
        props.put("listeners", "SSL://127.0.0.1:0");
        props.put("ssl.keystore.type", "PKCS12");
        props.put("ssl.keystore.location", brokerKeys.toString());
        props.put("ssl.keystore.password", TestCertificates.PASSWORD);
        props.put("ssl.truststore.type", "PKCS12");
        props.put("ssl.truststore.location", certificates.trustStore().toString());
        props.put("ssl.truststore.password", TestCertificates.PASSWORD);
        props.put("ssl.client.auth", "required");
        props.put("ssl.principal.mapping.rules", "RULE:^CN=([a-z]+),OU=Clients,.*$/$1/L,DEFAULT");
        props.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        props.put("super.users", "User:admin");
        props.put("group.initial.rebalance.delay.ms", "0");
        return props;
    }

    private static Map<String, Object> as(Broker broker, String user) {
        Map<String, Object> c = new HashMap<>();
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        c.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
        c.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
        c.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, certificates.trustStore().toString());
        c.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);
        c.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
        c.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, USER_KEYS.get(user).toString());
        c.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);
        return c;
    }

    private static Map<String, Object> plain(Broker broker) {
        Map<String, Object> c = new HashMap<>();
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        return c;
    }

    private static AclBinding acl(ResourceType type, String name, PatternType pattern, String principal,
                                  AclOperation op, AclPermissionType permission) {
        return new AclBinding(new ResourcePattern(type, name, pattern), new AccessControlEntry(principal, "*", op, permission));
    }

    private static AclBinding allow(ResourceType type, String name, String principal, AclOperation op) {
        return acl(type, name, PatternType.LITERAL, principal, op, AclPermissionType.ALLOW);
    }

    private static void produce(Map<String, Object> client, String topic, int count) throws Exception {
        Map<String, Object> p = new HashMap<>(client);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < count; i++) producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
        }
    }

    private static Throwable produceFails(Map<String, Object> client, String topic) {
        return assertThrows(ExecutionException.class, () -> produce(client, topic, 1)).getCause();
    }

    /** Consumes {@code count} records of {@code topic} in {@code group}; the poll's exception if it fails. */
    private static List<String> consume(Map<String, Object> client, String group, String topic, int count) {
        Map<String, Object> c = new HashMap<>(client);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) values.add(r.value());
            }
            consumer.commitSync();
        }
        return values;
    }

    private static <T> Throwable cause(org.apache.kafka.common.KafkaFuture<T> future) {
        return assertThrows(ExecutionException.class, () -> future.get(30, TimeUnit.SECONDS)).getCause();
    }

    @Test
    void eachClientIsAllowedWhatItsAclsAllowWithDenyWinningPrefixesWildcardsAndSuperUsers() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, securedTls());
             Admin admin = Admin.create(as(broker, "admin"));
             Admin alice = Admin.create(as(broker, "alice"));
             Admin bob = Admin.create(as(broker, "bob"))) {
            // The super user needs no ACLs.
            admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1), new NewTopic("secret", 1, (short) 1),
                    new NewTopic("app-logs", 1, (short) 1), new NewTopic("app-metrics", 1, (short) 1))).all().get();
            admin.createAcls(List.of(
                    allow(ResourceType.TOPIC, "orders", "User:alice", AclOperation.WRITE),
                    allow(ResourceType.TOPIC, "orders", "User:*", AclOperation.READ),
                    acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, "User:bob", AclOperation.READ, AclPermissionType.DENY),
                    allow(ResourceType.TOPIC, "orders", "User:alice", AclOperation.ALTER_CONFIGS),
                    acl(ResourceType.TOPIC, "app-", PatternType.PREFIXED, "User:alice", AclOperation.DESCRIBE, AclPermissionType.ALLOW),
                    allow(ResourceType.TOPIC, "*", "User:bob", AclOperation.DESCRIBE),
                    acl(ResourceType.GROUP, "billing", PatternType.PREFIXED, "User:*", AclOperation.READ,
                            AclPermissionType.ALLOW))).all().get();
            assertEquals(7, admin.describeAcls(AclBindingFilter.ANY).values().get().size());

            // Produce: WRITE on the topic (the idempotent producer's InitProducerId is allowed by it too).
            produce(as(broker, "alice"), "orders", 3);
            assertInstanceOf(TopicAuthorizationException.class, produceFails(as(broker, "alice"), "secret"));
            assertInstanceOf(ClusterAuthorizationException.class, produceFails(as(broker, "bob"), "orders"),
                    "an idempotent producer needs IDEMPOTENT_WRITE on the cluster or WRITE on some topic");

            // A transactional producer needs WRITE on its transactional id.
            Map<String, Object> tx = new HashMap<>(as(broker, "alice"));
            tx.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "alice-tx");
            tx.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(tx, new StringSerializer(), new StringSerializer())) {
                assertThrows(org.apache.kafka.common.errors.TransactionalIdAuthorizationException.class, producer::initTransactions);
            }

            // Consume in a group: READ on the group and on the topic; for bob the DENY wins over User:*'s ALLOW.
            assertEquals(List.of("v0", "v1", "v2"), consume(as(broker, "alice"), "billing", "orders", 3));
            assertEquals(Set.of(AclOperation.READ, AclOperation.DESCRIBE), alice.describeConsumerGroups(List.of("billing"),
                    new org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions().includeAuthorizedOperations(true))
                    .all().get().get("billing").authorizedOperations(), "READ on the group implies DESCRIBE");
            Throwable e = assertThrows(RuntimeException.class, () -> consume(as(broker, "alice"), "other", "orders", 1));
            assertInstanceOf(GroupAuthorizationException.class, e);
            e = assertThrows(RuntimeException.class, () -> consume(as(broker, "bob"), "billing", "orders", 1));
            assertInstanceOf(TopicAuthorizationException.class, e);

            // Metadata hides what a principal may not describe: alice sees orders (READ/WRITE imply
            // DESCRIBE) and app-* (prefixed), bob everything (wildcard), the super user everything.
            assertEquals(Set.of("orders", "app-logs", "app-metrics"), alice.listTopics().names().get());
            assertEquals(Set.of("orders", "secret", "app-logs", "app-metrics"), bob.listTopics().names().get());
            assertEquals(Set.of("orders", "secret", "app-logs", "app-metrics"), admin.listTopics().names().get());
            assertInstanceOf(TopicAuthorizationException.class, cause(alice.describeTopics(List.of("secret")).allTopicNames()));
            assertInstanceOf(TopicAuthorizationException.class, cause(alice.describeTopics(List.of("no-such-topic")).allTopicNames()),
                    "a denied topic that does not exist looks like a denied topic that does");
            assertEquals(Set.of(AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS,
                    AclOperation.ALTER_CONFIGS), alice.describeTopics(List.of("orders"),
                    new DescribeTopicsOptions().includeAuthorizedOperations(true)).allTopicNames().get()
                    .get("orders").authorizedOperations());

            // Partial answers: one request, the allowed resource served and the denied one refused.
            ConfigResource orders = new ConfigResource(ConfigResource.Type.TOPIC, "orders");
            ConfigResource secret = new ConfigResource(ConfigResource.Type.TOPIC, "secret");
            var configs = alice.describeConfigs(List.of(orders, secret)).values();
            assertTrue(configs.get(orders).get().get("cleanup.policy") != null);
            assertInstanceOf(TopicAuthorizationException.class, cause(configs.get(secret)));
            var created = alice.createTopics(List.of(new NewTopic("app-new", 1, (short) 1))).values();
            assertInstanceOf(TopicAuthorizationException.class, cause(created.get("app-new")), "no CREATE");

            // Cluster-level APIs: only the super user may describe the cluster or the ACLs.
            assertInstanceOf(ClusterAuthorizationException.class, cause(alice.describeAcls(AclBindingFilter.ANY).values()));
            assertEquals(Set.of(), alice.describeCluster(new DescribeClusterOptions().includeAuthorizedOperations(true))
                    .authorizedOperations().get(), "DescribeCluster is served, with no operations for alice");
            assertTrue(admin.describeCluster(new DescribeClusterOptions().includeAuthorizedOperations(true))
                    .authorizedOperations().get().containsAll(Set.of(AclOperation.ALTER, AclOperation.DESCRIBE,
                            AclOperation.CLUSTER_ACTION, AclOperation.CREATE)));
            assertInstanceOf(ClusterAuthorizationException.class,
                    cause(alice.createAcls(List.of(allow(ResourceType.TOPIC, "secret", "User:alice", AclOperation.READ))).all()));

            // Removing the DENY lets bob read.
            admin.deleteAcls(List.of(new AclBindingFilter(
                    new org.apache.kafka.common.resource.ResourcePatternFilter(ResourceType.TOPIC, "orders", PatternType.MATCH),
                    new org.apache.kafka.common.acl.AccessControlEntryFilter("User:bob", null, AclOperation.ANY,
                            AclPermissionType.DENY)))).all().get();
            assertEquals(List.of("v0", "v1", "v2"), consume(as(broker, "bob"), "billing-bob", "orders", 3));
        }
    }

    /** A plaintext node with the built-in authorizer (clients are User:ANONYMOUS) and {@code extra} settings. */
    private Broker plaintextWithAuthorizer(Map<String, String> extra) throws Exception {
        Map<String, String> props = new HashMap<>(Map.of("authorizer.class.name", "kafka.security.authorizer.AclAuthorizer",
                "group.initial.rebalance.delay.ms", "0"));
        props.putAll(extra);
        return TestBroker.start(dataDir, props);
    }

    private static ProduceRequestData.TopicProduceData produceTo(String topic) {
        return new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(
                        MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes())))));
    }

    @Test
    void allowedTopicsAreServedAndDeniedOnesRefusedInTheSameRequestWithoutRevealingWhichExist() throws Exception {
        try (Broker broker = plaintextWithAuthorizer(Map.of("super.users", "User:ANONYMOUS"));
             Admin admin = Admin.create(plain(broker))) {
            admin.createTopics(List.of(new NewTopic("open", 1, (short) 1), new NewTopic("closed", 1, (short) 1))).all().get();
            admin.createAcls(List.of(allow(ResourceType.TOPIC, "open", "User:ANONYMOUS", AclOperation.WRITE),
                    allow(ResourceType.TOPIC, "made", "User:ANONYMOUS", AclOperation.CREATE),
                    allow(ResourceType.TRANSACTIONAL_ID, "tx", "User:ANONYMOUS", AclOperation.WRITE))).all().get();
        }
        try (Broker broker = plaintextWithAuthorizer(Map.of());
             RawKafkaClient client = RawKafkaClient.connect(broker.address())) {
            ProduceResponse produced = (ProduceResponse) client.send(new ProduceRequestData().setAcks((short) 1)
                    .setTimeoutMs(5000).setTopicData(new ProduceRequestData.TopicProduceDataCollection(List.of(
                            produceTo("open"), produceTo("closed"), produceTo("missing")).iterator())), (short) 9);
            Map<String, Short> codes = new HashMap<>();
            produced.data().responses().forEach(t -> codes.put(t.name(), t.partitionResponses().get(0).errorCode()));
            assertEquals(Map.of("open", Errors.NONE.code(), "closed", Errors.TOPIC_AUTHORIZATION_FAILED.code(),
                    "missing", Errors.TOPIC_AUTHORIZATION_FAILED.code()), codes);
            assertEquals(1, broker.logs().get(new org.apache.kafka.common.TopicPartition("open", 0)).orElseThrow().logEndOffset());

            MetadataResponse named = (MetadataResponse) client.send(new MetadataRequestData().setTopics(List.of(
                    new MetadataRequestData.MetadataRequestTopic().setName("open"),
                    new MetadataRequestData.MetadataRequestTopic().setName("closed"),
                    new MetadataRequestData.MetadataRequestTopic().setName("missing"))), (short) 12);
            Map<String, Short> metadata = new HashMap<>();
            named.data().topics().forEach(t -> metadata.put(t.name(), t.errorCode()));
            assertEquals(Map.of("open", Errors.NONE.code(), "closed", Errors.TOPIC_AUTHORIZATION_FAILED.code(),
                    "missing", Errors.TOPIC_AUTHORIZATION_FAILED.code()), metadata);
            assertTrue(broker.topics().get("missing").isEmpty(), "not auto-created without CREATE");
            CreateTopicsResponse created = (CreateTopicsResponse) client.send(new CreateTopicsRequestData().setTimeoutMs(10_000)
                    .setTopics(new CreateTopicsRequestData.CreatableTopicCollection(List.of(
                            new CreateTopicsRequestData.CreatableTopic().setName("made").setNumPartitions(1)
                                    .setReplicationFactor((short) 1),
                            new CreateTopicsRequestData.CreatableTopic().setName("forbidden").setNumPartitions(1)
                                    .setReplicationFactor((short) 1)).iterator())), (short) 7);
            assertEquals(Errors.NONE.code(), created.data().topics().find("made").errorCode(), "CREATE on the topic suffices");
            assertEquals(Errors.TOPIC_AUTHORIZATION_FAILED.code(), created.data().topics().find("made").topicConfigErrorCode(),
                    "its configs are not shown without DESCRIBE_CONFIGS");
            assertEquals(Errors.TOPIC_AUTHORIZATION_FAILED.code(), created.data().topics().find("forbidden").errorCode());
            assertTrue(broker.topics().get("made").isPresent());
            assertTrue(broker.topics().get("forbidden").isEmpty());
            // AddPartitionsToTxn adds nothing when one topic is denied: that one is refused, the others not attempted.
            AddPartitionsToTxnResponse added = (AddPartitionsToTxnResponse) client.send(new AddPartitionsToTxnRequestData()
                    .setV3AndBelowTransactionalId("tx").setV3AndBelowProducerId(1).setV3AndBelowProducerEpoch((short) 0)
                    .setV3AndBelowTopics(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection(List.of(
                            new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic().setName("open").setPartitions(List.of(0)),
                            new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic().setName("closed").setPartitions(List.of(0)))
                            .iterator())), (short) 3);
            Map<String, Short> txnCodes = new HashMap<>();
            added.data().resultsByTopicV3AndBelow().forEach(t ->
                    txnCodes.put(t.name(), t.resultsByPartition().iterator().next().partitionErrorCode()));
            assertEquals(Map.of("open", Errors.OPERATION_NOT_ATTEMPTED.code(), "closed", Errors.TOPIC_AUTHORIZATION_FAILED.code()),
                    txnCodes);
            try (Admin admin = Admin.create(plain(broker))) {
                assertInstanceOf(ClusterAuthorizationException.class, cause(admin.createAcls(List.of(
                        allow(ResourceType.TOPIC, "closed", "User:ANONYMOUS", AclOperation.WRITE))).all()),
                        "only a principal with ALTER on the cluster may create ACLs");
            }
            MetadataResponse all = (MetadataResponse) client.send(new MetadataRequestData().setTopics(null), (short) 12);
            assertEquals(Set.of("open"), all.data().topics().stream().map(t -> t.name()).collect(Collectors.toSet()),
                    "all topics lists only those the principal may describe");
            MetadataResponse allV0 = (MetadataResponse) client.send(new MetadataRequestData().setTopics(List.of()), (short) 0);
            assertEquals(Set.of("open"), allV0.data().topics().stream().map(t -> t.name()).collect(Collectors.toSet()),
                    "so does v0, where an empty list means all topics");
        }
    }

    @Test
    void allowEveryoneIfNoAclFoundOpensOnlyResourcesWithoutAcls() throws Exception {
        try (Broker broker = plaintextWithAuthorizer(Map.of("allow.everyone.if.no.acl.found", "true"));
             Admin admin = Admin.create(plain(broker))) {
            admin.createTopics(List.of(new NewTopic("free", 1, (short) 1), new NewTopic("guarded", 1, (short) 1))).all().get();
            admin.createAcls(List.of(allow(ResourceType.TOPIC, "guarded", "User:bob", AclOperation.WRITE))).all().get();
            produce(plain(broker), "free", 1);
            assertInstanceOf(TopicAuthorizationException.class, produceFails(plain(broker), "guarded"));
            assertEquals(Set.of("free"), admin.listTopics().names().get());
        }
    }

    /** Also: bindings Kafka's controller would refuse are refused with INVALID_REQUEST and not stored. */
    @Test
    void aclsSurviveARestartOfANodeRunningAlone() throws Exception {
        try (Broker broker = plaintextWithAuthorizer(Map.of("super.users", "User:ANONYMOUS"));
             Admin admin = Admin.create(plain(broker))) {
            admin.createTopics(List.of(new NewTopic("kept", 1, (short) 1), new NewTopic("other", 1, (short) 1))).all().get();
            admin.createAcls(List.of(
                    allow(ResourceType.TOPIC, "kept", "User:ANONYMOUS", AclOperation.WRITE),
                    allow(ResourceType.CLUSTER, "kafka-cluster", "User:ANONYMOUS", AclOperation.DESCRIBE),
                    allow(ResourceType.TOPIC, "gone", "User:ANONYMOUS", AclOperation.WRITE))).all().get();
            admin.deleteAcls(List.of(new AclBinding(new ResourcePattern(ResourceType.TOPIC, "gone", PatternType.LITERAL),
                    new AccessControlEntry("User:ANONYMOUS", "*", AclOperation.WRITE, AclPermissionType.ALLOW)).toFilter()))
                    .all().get();
            try (RawKafkaClient client = RawKafkaClient.connect(broker.address())) {
                CreateAclsResponse invalid = (CreateAclsResponse) client.send(new CreateAclsRequestData().setCreations(List.of(
                        creation(ResourceType.CLUSTER, "not-the-cluster", PatternType.LITERAL, "User:alice"),
                        creation(ResourceType.TOPIC, "t", PatternType.MATCH, "User:alice"),
                        creation(ResourceType.TOPIC, "t", PatternType.LITERAL, "alice"))), (short) 3);
                invalid.data().results().forEach(r -> assertEquals(Errors.INVALID_REQUEST.code(), r.errorCode(), r.errorMessage()));
            }
        }
        // Restarted without super users: only the stored ACLs allow anything now.
        try (Broker broker = plaintextWithAuthorizer(Map.of());
             Admin admin = Admin.create(plain(broker))) {
            assertEquals(2, admin.describeAcls(AclBindingFilter.ANY).values().get().size());
            produce(plain(broker), "kept", 1);
            assertInstanceOf(TopicAuthorizationException.class, produceFails(plain(broker), "other"));
        }
    }

    private static CreateAclsRequestData.AclCreation creation(ResourceType type, String name, PatternType pattern,
                                                              String principal) {
        return new CreateAclsRequestData.AclCreation().setResourceType(type.code()).setResourceName(name)
                .setResourcePatternType(pattern.code()).setPrincipal(principal).setHost("*")
                .setOperation(AclOperation.READ.code()).setPermissionType(AclPermissionType.ALLOW.code());
    }

    @Test
    void withoutAnAuthorizerTheAclApisAnswerSecurityDisabled() throws Exception {
        try (Broker broker = TestBroker.start(dataDir);
             Admin admin = Admin.create(plain(broker))) {
            assertInstanceOf(SecurityDisabledException.class, cause(admin.describeAcls(AclBindingFilter.ANY).values()));
            assertInstanceOf(SecurityDisabledException.class, cause(admin.createAcls(List.of(
                    allow(ResourceType.TOPIC, "t", "User:alice", AclOperation.READ))).all()));
            assertInstanceOf(SecurityDisabledException.class, cause(admin.deleteAcls(List.of(AclBindingFilter.ANY)).all()));
        }
    }

    @Test
    void aCertificateNoMappingRuleMatchesIsRefused() throws Exception {
        Map<String, String> props = securedTls();
        props.put("ssl.principal.mapping.rules", "RULE:^CN=([a-z]+),OU=Clients,.*$/$1/L");
        props.put("super.users", "User:alice");
        try (Broker broker = TestBroker.start(dataDir, props);
             Admin alice = Admin.create(as(broker, "alice"))) {
            assertTrue(alice.listTopics().names().get().isEmpty(), "CN=alice,OU=Clients,... is User:alice");
            Map<String, Object> unmapped = new HashMap<>(as(broker, "alice"));
            unmapped.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, brokerKeys.toString()); // OU=Brokers: no rule
            unmapped.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 4_000);
            unmapped.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, 3_000);
            try (Admin refused = Admin.create(unmapped)) {
                Throwable e = cause(refused.listTopics().names());
                assertInstanceOf(org.apache.kafka.common.errors.TimeoutException.class, e,
                        "the broker closes the connection of a subject no rule maps");
            }
        }
    }
}
