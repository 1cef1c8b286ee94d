package io.tributary.broker.http;

import io.tributary.broker.Broker;
import io.tributary.broker.client.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With security on (a SASL/SCRAM listener and ACLs), the REST API asks for credentials, checks HTTP
 * Basic logins against the SCRAM users, and applies the same ACLs as the Kafka listener.
 */
class RestApiSecurityTest {
    @TempDir
    Path dataDir;

    @Test
    void authenticatesWithScramUsersAndAppliesTheAcls() throws Exception {
        Map<String, String> props = new HashMap<>();
        props.put("listeners", "SASL_PLAINTEXT://127.0.0.1:0");
        props.put("sasl.enabled.mechanisms", "SCRAM-SHA-256");
        props.put("tributary.sasl.scram.initial.users",
                "SCRAM-SHA-256=[name=admin,password=admin-secret];SCRAM-SHA-256=[name=alice,password=alice-secret]");
        props.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        props.put("super.users", "User:admin");
        props.put("http.listeners", "http://127.0.0.1:0");
        try (Broker broker = TestBroker.start(dataDir, props)) {
            var address = broker.httpAddresses().get(0);
            String topics = "/v3/clusters/" + broker.clusterId() + "/topics";

            RestClient.Answer anonymous = new RestClient(address).get(topics);
            assertEquals(401, anonymous.status());
            assertEquals(401L, anonymous.json().get("error_code"));
            assertTrue(anonymous.raw().headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"));
            assertEquals(401, new RestClient(address, "alice", "wrong").get(topics).status());
            assertEquals(401, new RestClient(address, "nobody", "alice-secret").get("/metrics").status());

            RestClient alice = new RestClient(address, "alice", "alice-secret");
            RestClient admin = new RestClient(address, "admin", "admin-secret");
            RestClient.Answer denied = alice.post(topics, "{\"topic_name\": \"guarded\"}");
            assertEquals(403, denied.status(), denied.body());
            assertEquals(40301L, denied.json().get("error_code"));
            assertEquals(201, admin.post(topics, "{\"topic_name\": \"guarded\"}").status());
            assertEquals(403, alice.get(topics + "/guarded").status());
            assertFalse(alice.get(topics).body().contains("guarded"));
            assertEquals(403, alice.post(topics + "/guarded/records", "{\"value\": {\"data\": 1}}").status());

            try (Admin kafkaAdmin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                    "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "SCRAM-SHA-256", "sasl.jaas.config",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"admin-secret\";"))) {
                kafkaAdmin.createAcls(List.of(new AclBinding(new ResourcePattern(ResourceType.TOPIC, "guarded", PatternType.LITERAL),
                        new AccessControlEntry("User:alice", "*", AclOperation.DESCRIBE, AclPermissionType.ALLOW)))).all().get();
            }
            assertEquals(200, alice.get(topics + "/guarded").status());
            assertEquals(403, alice.post(topics + "/guarded/records", "{\"value\": {\"data\": 1}}").status());
            assertEquals(200, admin.post(topics + "/guarded/records", "{\"value\": {\"data\": 1}}").status());
            assertEquals(200, admin.get("/metrics").status());
        }
    }
}
