package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.api.RequestPolicies;
import io.tributary.broker.network.RequestContext;
import io.tributary.broker.quota.ThrottlePolicy;
import io.tributary.broker.security.RequestAuthorizer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.message.DescribeAclsRequestData;
import org.apache.kafka.common.requests.DescribeAclsResponse;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seams security and quotas will fill, on a real broker: every request is authorized, with
 * its context (principal {@code User:ANONYMOUS}, host, listener name), the operation and each
 * resource it names, before its handler runs, and a denial is answered with Kafka's authorization
 * error (per resource where Kafka answers per resource); every response carries the throttle policy's time in {@code throttle_time_ms}.
 */
class RequestSeamsTest {
    @TempDir
    Path dataDir;

    /** One call of the authorizer. */
    private record Check(KafkaPrincipal principal, String host, String listener, AclOperation operation,
                         ResourcePattern resource) {
    }

    /** Records every check and denies those {@code denied} names. */
    private static final class RecordingAuthorizer implements RequestAuthorizer {
        final List<Check> checks = new CopyOnWriteArrayList<>();
        final Set<ResourcePattern> denied;

        RecordingAuthorizer(Set<ResourcePattern> denied) {
            this.denied = denied;
        }

        @Override
        public AuthorizationResult authorize(RequestContext context, AclOperation operation, ResourcePattern resource) {
            checks.add(new Check(context.principal(), context.clientHost(), context.listenerName(), operation, resource));
            return denied.contains(resource) ? AuthorizationResult.DENIED : AuthorizationResult.ALLOWED;
        }
    }

    private static ResourcePattern topic(String name) {
        return new ResourcePattern(ResourceType.TOPIC, name, PatternType.LITERAL);
    }

    private static final ResourcePattern CLUSTER = new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster",
            PatternType.LITERAL);

    @Test
    void everyRequestIsAuthorizedWithItsPrincipalHostListenerOperationAndResources() throws Exception {
        RecordingAuthorizer authorizer = new RecordingAuthorizer(Set.of(topic("secret"), CLUSTER));
        try (Broker broker = TestBroker.start(dataDir, Map.of("listeners", "CLIENT://127.0.0.1:0",
                "listener.security.protocol.map", "CLIENT:PLAINTEXT"), new RequestPolicies(authorizer, ThrottlePolicy.NONE));
             RawKafkaClient client = RawKafkaClient.connect(broker.address())) {
            CreateTopicsResponse response = (CreateTopicsResponse) client.send(new CreateTopicsRequestData()
                    .setTimeoutMs(10_000).setTopics(new CreateTopicsRequestData.CreatableTopicCollection(List.of(
                            new CreateTopicsRequestData.CreatableTopic().setName("secret").setNumPartitions(1)
                                    .setReplicationFactor((short) 1),
                            new CreateTopicsRequestData.CreatableTopic().setName("public").setNumPartitions(1)
                                    .setReplicationFactor((short) 1)).iterator())), (short) 7);
            assertEquals(Errors.TOPIC_AUTHORIZATION_FAILED.code(), response.data().topics().find("secret").errorCode(),
                    "the denied topic is refused");
            assertEquals(Errors.NONE.code(), response.data().topics().find("public").errorCode(),
                    "the allowed topic of the same request is created, as Kafka answers per topic");
            assertEquals(List.of(
                    new Check(KafkaPrincipal.ANONYMOUS, "127.0.0.1", "CLIENT", AclOperation.CREATE, CLUSTER),
                    new Check(KafkaPrincipal.ANONYMOUS, "127.0.0.1", "CLIENT", AclOperation.CREATE, topic("secret")),
                    new Check(KafkaPrincipal.ANONYMOUS, "127.0.0.1", "CLIENT", AclOperation.CREATE, topic("public")),
                    new Check(KafkaPrincipal.ANONYMOUS, "127.0.0.1", "CLIENT", AclOperation.DESCRIBE_CONFIGS, topic("public"))),
                    authorizer.checks, "CREATE on the cluster, else on each topic; DESCRIBE_CONFIGS to see a created topic's configs");
            assertTrue(broker.topics().get("secret").isEmpty(), "a denied topic is not created");
            assertTrue(broker.topics().get("public").isPresent());

            DescribeClusterResponse cluster = (DescribeClusterResponse) client.send(new DescribeClusterRequestData()
                    .setIncludeClusterAuthorizedOperations(true), (short) 1);
            assertEquals(Errors.NONE.code(), cluster.data().errorCode(), "a Kafka broker serves DescribeCluster to anyone");
            assertEquals(0, cluster.data().clusterAuthorizedOperations(), "without DESCRIBE on the cluster, no operations");
            DescribeAclsResponse acls = (DescribeAclsResponse) client.send(new DescribeAclsRequestData()
                    .setResourceTypeFilter(ResourceType.ANY.code()).setPatternTypeFilter(PatternType.ANY.code())
                    .setOperation(AclOperation.ANY.code()).setPermissionType(AclPermissionType.ANY.code()), (short) 3);
            assertEquals(Errors.CLUSTER_AUTHORIZATION_FAILED.code(), acls.data().errorCode());

            // A denied acks=0 produce has no response to carry the error: the connection is closed, as Kafka does.
            ProduceRequestData produce = new ProduceRequestData().setAcks((short) 0).setTimeoutMs(1000)
                    .setTopicData(new ProduceRequestData.TopicProduceDataCollection(List.of(
                            new ProduceRequestData.TopicProduceData().setName("secret").setPartitionData(List.of(
                                    new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(
                                            MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes())))))).iterator()));
            client.sendFrame(RawKafkaClient.encode(client.header(ApiKeys.PRODUCE, (short) 9), produce, (short) 9));
            assertTrue(client.closedByBroker(), "the broker closed the connection");
        }
    }

    @Test
    void theKafkaClientsSeeKafkasAuthorizationErrors() throws Exception {
        RecordingAuthorizer authorizer = new RecordingAuthorizer(Set.of(topic("secret"), CLUSTER));
        try (Broker broker = TestBroker.start(dataDir, Map.of(), new RequestPolicies(authorizer, ThrottlePolicy.NONE));
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            Throwable e = assertThrows(ExecutionException.class,
                    () -> admin.createTopics(List.of(new NewTopic("secret", 1, (short) 1))).all().get()).getCause();
            assertInstanceOf(TopicAuthorizationException.class, e);
            admin.createTopics(List.of(new NewTopic("public", 1, (short) 1))).all().get();
            assertTrue(broker.topics().get("public").isPresent());
            e = assertThrows(ExecutionException.class, () -> admin.describeAcls(AclBindingFilter.ANY).values().get()).getCause();
            assertInstanceOf(ClusterAuthorizationException.class, e);
            assertTrue(authorizer.checks.stream().allMatch(c -> c.listener().equals("PLAINTEXT")
                    && c.principal().equals(KafkaPrincipal.ANONYMOUS)), authorizer.checks.toString());
        }
    }

    @Test
    void theThrottlePolicysTimeIsInEveryResponse() throws Exception {
        ThrottlePolicy throttle = (context, response) -> context.apiVersion() >= 0 ? 1_234 : 0;
        RecordingAuthorizer denyCluster = new RecordingAuthorizer(Set.of(CLUSTER));
        try (Broker broker = TestBroker.start(dataDir, Map.of(), new RequestPolicies(denyCluster, throttle));
             RawKafkaClient client = RawKafkaClient.connect(broker.address())) {
            MetadataResponse metadata = (MetadataResponse) client.send(new MetadataRequestData().setTopics(null), (short) 12);
            assertEquals(1_234, metadata.throttleTimeMs());
            CreateTopicsResponse created = (CreateTopicsResponse) client.send(new CreateTopicsRequestData()
                    .setTimeoutMs(10_000).setTopics(new CreateTopicsRequestData.CreatableTopicCollection(List.of(
                            new CreateTopicsRequestData.CreatableTopic().setName("t").setNumPartitions(1)
                                    .setReplicationFactor((short) 1)).iterator())), (short) 7);
            assertEquals(Errors.NONE.code(), created.data().topics().find("t").errorCode());
            assertEquals(1_234, created.throttleTimeMs());
            DescribeAclsResponse denied = (DescribeAclsResponse) client.send(new DescribeAclsRequestData()
                    .setResourceTypeFilter(ResourceType.ANY.code()).setPatternTypeFilter(PatternType.ANY.code())
                    .setOperation(AclOperation.ANY.code()).setPermissionType(AclPermissionType.ANY.code()), (short) 3);
            assertEquals(Errors.CLUSTER_AUTHORIZATION_FAILED.code(), denied.data().errorCode());
            assertEquals(1_234, denied.throttleTimeMs(), "an error response is throttled too");
        }
        try (Broker broker = TestBroker.start(dataDir);
             RawKafkaClient client = RawKafkaClient.connect(broker.address())) {
            MetadataResponse metadata = (MetadataResponse) client.send(new MetadataRequestData().setTopics(null), (short) 12);
            assertEquals(0, metadata.throttleTimeMs(), "the default policy throttles nothing");
        }
    }
}
