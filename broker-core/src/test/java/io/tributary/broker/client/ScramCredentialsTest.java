package io.tributary.broker.client;

import io.tributary.broker.Broker;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.DuplicateResourceException;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.UnacceptableCredentialException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SCRAM users managed with the Admin API (AlterUserScramCredentials, DescribeUserScramCredentials)
 * with Kafka's errors; on a node alone they survive a restart; the first users of a node whose
 * only listener requires SASL come from {@code tributary.sasl.scram.initial.users}; passwords are
 * never shown by DescribeConfigs.
 */
class ScramCredentialsTest {
    private static final String INITIAL = "SCRAM-SHA-256=[name=admin,password=admin-secret,iterations=8192];"
            + "SCRAM-SHA-512=[name=admin,password=admin-secret-512]";

    @TempDir
    Path dataDir;

    private static Map<String, String> props() {
        Map<String, String> p = new HashMap<>();
        p.put("listeners", "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0");
        p.put("sasl.enabled.mechanisms", "SCRAM-SHA-256,SCRAM-SHA-512");
        return p;
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    private static Throwable failure(org.apache.kafka.common.KafkaFuture<?> future) {
        return assertThrows(ExecutionException.class, () -> future.get(30, TimeUnit.SECONDS)).getCause();
    }

    @Test
    void usersAreAlteredAndDescribedWithKafkasErrorsAndSurviveARestart() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, props());
             Admin admin = admin(broker.bootstrapServers("PLAINTEXT"))) {
            admin.alterUserScramCredentials(List.of(
                    new UserScramCredentialUpsertion("alice", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192), "alice-secret"),
                    new UserScramCredentialUpsertion("alice", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "alice-512"),
                    new UserScramCredentialUpsertion("bob", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "bob-secret")))
                    .all().get(30, TimeUnit.SECONDS);
            Map<String, UserScramCredentialsDescription> all = admin.describeUserScramCredentials().all().get(30, TimeUnit.SECONDS);
            assertEquals(java.util.Set.of("alice", "bob"), all.keySet());
            assertEquals(java.util.Set.of(new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192).toString(),
                            new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096).toString()),
                    all.get("alice").credentialInfos().stream().map(Object::toString).collect(java.util.stream.Collectors.toSet()));

            assertInstanceOf(ResourceNotFoundException.class,
                    failure(admin.describeUserScramCredentials(List.of("carol")).description("carol")), "describing an unknown user");
            assertInstanceOf(UnacceptableCredentialException.class, failure(admin.alterUserScramCredentials(List.of(
                    new UserScramCredentialUpsertion("carol", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 1000), "x")))
                    .values().get("carol")), "fewer than 4096 iterations");
            assertInstanceOf(ResourceNotFoundException.class, failure(admin.alterUserScramCredentials(List.of(
                    new UserScramCredentialDeletion("bob", ScramMechanism.SCRAM_SHA_512))).values().get("bob")),
                    "deleting a credential that does not exist");
            var twice = admin.alterUserScramCredentials(List.of(
                    new UserScramCredentialDeletion("bob", ScramMechanism.SCRAM_SHA_256),
                    new UserScramCredentialUpsertion("bob", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "new")));
            assertInstanceOf(DuplicateResourceException.class, failure(twice.values().get("bob")), "the same credential twice");

            admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion("bob", ScramMechanism.SCRAM_SHA_256)))
                    .all().get(30, TimeUnit.SECONDS);
            assertInstanceOf(ResourceNotFoundException.class,
                    failure(admin.describeUserScramCredentials(List.of("bob")).description("bob")), "bob's only credential is gone");
        }
        try (Broker restarted = TestBroker.start(dataDir, props())) {
            String sasl = restarted.bootstrapServers("SASL_PLAINTEXT");
            SaslListenerTest.produce(SaslListenerTest.client(sasl, "SASL_PLAINTEXT", "SCRAM-SHA-512", "alice", "alice-512"), "after-restart", 2);
            assertInstanceOf(SaslAuthenticationException.class,
                    SaslListenerTest.refusal(SaslListenerTest.client(sasl, "SASL_PLAINTEXT", "SCRAM-SHA-256", "bob", "bob-secret")),
                    "a deleted user stays deleted after the restart");
        }
    }

    @Test
    void aNodeWithOnlyASaslListenerStartsWithItsInitialUsersAndHidesTheirPasswords() throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put("listeners", "SASL_PLAINTEXT://127.0.0.1:0");
        p.put("sasl.enabled.mechanisms", "SCRAM-SHA-256,SCRAM-SHA-512");
        p.put("listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        p.put("tributary.sasl.scram.initial.users", INITIAL);
        try (Broker broker = TestBroker.start(dataDir, p)) {
            Map<String, Object> admin256 = SaslListenerTest.client(broker.bootstrapServers(), "SASL_PLAINTEXT", "SCRAM-SHA-256",
                    "admin", "admin-secret");
            try (Admin admin = Admin.create(admin256)) {
                var described = admin.describeUserScramCredentials().all().get(30, TimeUnit.SECONDS).get("admin");
                assertEquals(2, described.credentialInfos().size(), described.toString());
                admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("admin",
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "changed-secret"))).all().get(30, TimeUnit.SECONDS);
                Config config = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.BROKER, "0")))
                        .all().get(30, TimeUnit.SECONDS).values().iterator().next();
                for (String name : List.of("tributary.sasl.scram.initial.users",
                        "listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config")) {
                    ConfigEntry entry = config.get(name);
                    assertTrue(entry.isSensitive(), name + " is sensitive");
                    assertNull(entry.value(), name + " is not shown");
                }
            }
            SaslListenerTest.produce(SaslListenerTest.client(broker.bootstrapServers(), "SASL_PLAINTEXT", "SCRAM-SHA-512",
                    "admin", "admin-secret-512"), "first", 1);
        }
        try (Broker restarted = TestBroker.start(dataDir, p)) {
            String sasl = restarted.bootstrapServers();
            assertInstanceOf(SaslAuthenticationException.class, SaslListenerTest.refusal(SaslListenerTest.client(sasl,
                    "SASL_PLAINTEXT", "SCRAM-SHA-256", "admin", "admin-secret")),
                    "an initial user that exists already is not reset at the next start");
            SaslListenerTest.produce(SaslListenerTest.client(sasl, "SASL_PLAINTEXT", "SCRAM-SHA-256", "admin", "changed-secret"),
                    "first", 1);
        }
    }
}
