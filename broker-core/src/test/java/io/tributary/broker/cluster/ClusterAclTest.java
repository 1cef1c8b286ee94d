package io.tributary.broker.cluster;

import io.tributary.broker.client.RawKafkaClient;
import io.tributary.broker.testing.Poll;
import io.tributary.broker.testing.SuiteTags;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * ACLs live in the replicated metadata: one created through one node of a three-node cluster is
 * enforced by every node, listed by every node, and still in force on a node that restarts.
 */
@Tag(SuiteTags.PROCESS)
class ClusterAclTest {
    @TempDir
    Path dir;

    private static final AclBinding DENY_BLOCKED = new AclBinding(
            new ResourcePattern(ResourceType.TOPIC, "blocked", PatternType.LITERAL),
            new AccessControlEntry("User:ANONYMOUS", "*", AclOperation.ALL, AclPermissionType.DENY));

    /** The Metadata error codes {@code node} answers for the topics "open" and "blocked". */
    private static Map<String, Short> metadataCodes(ClusterHarness cluster, int node) throws IOException {
        try (RawKafkaClient client = RawKafkaClient.connect(cluster.node(node).address())) {
            MetadataResponse r = (MetadataResponse) client.send(new MetadataRequestData().setAllowAutoTopicCreation(false)
                    .setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName("open"),
                            new MetadataRequestData.MetadataRequestTopic().setName("blocked"))), (short) 12);
            Map<String, Short> codes = new HashMap<>();
            r.data().topics().forEach(t -> codes.put(t.name(), t.errorCode()));
            return codes;
        }
    }

    private static final Map<String, Short> ENFORCED = Map.of("open", Errors.NONE.code(),
            "blocked", Errors.TOPIC_AUTHORIZATION_FAILED.code());

    @Test
    void anAclCreatedThroughOneNodeIsEnforcedByEveryNodeAndSurvivesARestart() throws Exception {
        Map<String, String> security = Map.of(
                "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "allow.everyone.if.no.acl.found", "true");
        try (ClusterHarness cluster = new ClusterHarness(dir, 3, security)) {
            cluster.startAll();
            String node1 = cluster.node(1).bootstrapServers();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node1))) {
                admin.createTopics(List.of(new NewTopic("open", 1, (short) 3), new NewTopic("blocked", 1, (short) 3)))
                        .all().get();
                for (int id = 1; id <= 3; id++) {
                    int n = id;
                    Poll.until("node " + n + " knows both topics", Duration.ofSeconds(20), () -> metadataCodes(cluster, n)
                            .equals(Map.of("open", Errors.NONE.code(), "blocked", Errors.NONE.code())));
                }
                admin.createAcls(List.of(DENY_BLOCKED)).all().get();
            }
            for (int id = 1; id <= 3; id++) {
                int n = id;
                Poll.until("node " + n + " enforces the ACL", Duration.ofSeconds(20),
                        () -> metadataCodes(cluster, n).equals(ENFORCED));
            }
            // Every node has applied it: whichever node the admin client asks lists it.
            for (int id = 1; id <= 3; id++) {
                int n = id;
                try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                        cluster.node(n).bootstrapServers()))) {
                    assertEquals(List.of(DENY_BLOCKED), List.copyOf(admin.describeAcls(AclBindingFilter.ANY).values().get()),
                            "node " + n + " lists the ACL");
                }
            }
            cluster.stop(3);
            cluster.start(3);
            Poll.until("restarted node 3 enforces the ACL", Duration.ofSeconds(30),
                    () -> metadataCodes(cluster, 3).equals(ENFORCED));
        }
    }
}
