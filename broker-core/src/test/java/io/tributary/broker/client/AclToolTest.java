package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.testing.SuiteTags;
import io.tributary.broker.testing.TestCertificates;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kafka's own {@code kafka-acls} tool (org.apache.kafka.tools.AclCommand, run as its own process)
 * against a Tributary node with the built-in authorizer: {@code --add} with literal and prefixed
 * patterns, {@code --list}, {@code --remove}, also over mutual TLS exactly as docs/security.md
 * shows it; and against a node without an authorizer, the tool's own report of Kafka's
 * {@code SECURITY_DISABLED}.
 */
@Tag(SuiteTags.PROCESS)
class AclToolTest {
    @TempDir
    Path dataDir;

    private static KafkaToolProcess.Run kafkaAcls(String bootstrap, String... args) throws IOException, InterruptedException {
        return KafkaToolProcess.run("kafka-acls", "org.apache.kafka.tools.AclCommand", bootstrap, 60, args);
    }

    private static String ok(KafkaToolProcess.Run run, String what) {
        assertEquals(0, run.exit(), what + ":\n" + run.output());
        return run.output();
    }

    private static AclBinding binding(ResourceType type, String name, PatternType pattern, AclOperation op) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry("User:alice", "*", op, AclPermissionType.ALLOW));
    }

    @Test
    void kafkaAclsAddsListsAndRemovesAcls() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, Map.of(
                "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "super.users", "User:ANONYMOUS"));
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            String bootstrap = broker.bootstrapServers();
            ok(kafkaAcls(bootstrap, "--add", "--allow-principal", "User:alice", "--operation", "Read",
                    "--operation", "Write", "--topic", "orders"), "add literal");
            ok(kafkaAcls(bootstrap, "--add", "--allow-principal", "User:alice", "--operation", "Read",
                    "--group", "billing-", "--resource-pattern-type", "prefixed"), "add prefixed");
            assertEquals(Set.of(
                    binding(ResourceType.TOPIC, "orders", PatternType.LITERAL, AclOperation.READ),
                    binding(ResourceType.TOPIC, "orders", PatternType.LITERAL, AclOperation.WRITE),
                    binding(ResourceType.GROUP, "billing-", PatternType.PREFIXED, AclOperation.READ)),
                    new HashSet<>(admin.describeAcls(AclBindingFilter.ANY).values().get()));

            String listed = ok(kafkaAcls(bootstrap, "--list"), "list");
            assertTrue(listed.contains("ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)"), listed);
            assertTrue(listed.contains("(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW)"), listed);
            assertTrue(listed.contains("ResourcePattern(resourceType=GROUP, name=billing-, patternType=PREFIXED)"), listed);
            String topicOnly = ok(kafkaAcls(bootstrap, "--list", "--topic", "orders"), "list one topic");
            assertFalse(topicOnly.contains("billing-"), topicOnly);

            ok(kafkaAcls(bootstrap, "--remove", "--allow-principal", "User:alice", "--operation", "Write",
                    "--topic", "orders", "--force"), "remove");
            assertEquals(Set.of(
                    binding(ResourceType.TOPIC, "orders", PatternType.LITERAL, AclOperation.READ),
                    binding(ResourceType.GROUP, "billing-", PatternType.PREFIXED, AclOperation.READ)),
                    new HashSet<>(admin.describeAcls(AclBindingFilter.ANY).values().get()));
            String after = ok(kafkaAcls(bootstrap, "--list"), "list after remove");
            assertFalse(after.contains("operation=WRITE"), after);
        }
    }

    /**
     * The ACL section of docs/security.md as written: mutual TLS with the mapping rule, the
     * built-in authorizer under Kafka's name, {@code User:admin} as super user running kafka-acls
     * with {@code --command-config}, after which alice produces to and consumes from orders.
     */
    @Test
    void theSecurityGuidesAclSetupWorksAsWritten(@TempDir Path certDir) throws Exception {
        TestCertificates certs = TestCertificates.create(certDir);
        Path brokerKeys = certs.keyStore("broker", "CN=localhost,OU=Brokers,O=Example");
        Path adminKeys = certs.keyStore("admin", "CN=admin,OU=Clients,O=Example");
        Path aliceKeys = certs.keyStore("alice", "CN=alice,OU=Clients,O=Example");
        String pw = TestCertificates.PASSWORD;
        Map<String, String> props = new java.util.HashMap<>();
        props.put("listeners", "SSL://127.0.0.1:0");
        props.put("ssl.keystore.type", "PKCS12");
        props.put("ssl.keystore.location", brokerKeys.toString());
        props.put("ssl.keystore.password", pw);
        props.put("ssl.truststore.type", "PKCS12");
        props.put("ssl.truststore.location", certs.trustStore().toString());
        props.put("ssl.truststore.password", pw);
        props.put("ssl.client.auth", "required");
        props.put("ssl.principal.mapping.rules", "RULE:^CN=([a-z]+),OU=Clients,.*$/$1/L,DEFAULT");
        props.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        props.put("super.users", "User:admin");
        props.put("group.initial.rebalance.delay.ms", "0");
        Path adminProperties = certDir.resolve("admin.properties");
        java.nio.file.Files.writeString(adminProperties, String.join("\n",
                "security.protocol=SSL",
                "ssl.truststore.type=PKCS12",
                "ssl.truststore.location=" + certs.trustStore(),
                "ssl.truststore.password=" + pw,
                "ssl.keystore.type=PKCS12",
                "ssl.keystore.location=" + adminKeys,
                "ssl.keystore.password=" + pw, ""));
        try (Broker broker = TestBroker.start(dataDir, props)) {
            String b = broker.bootstrapServers();
            String config = adminProperties.toString();
            ok(kafkaAcls(b, "--command-config", config, "--add", "--allow-principal", "User:alice",
                    "--operation", "Write", "--operation", "Read", "--topic", "orders"), "add topic ACLs");
            ok(kafkaAcls(b, "--command-config", config, "--add", "--allow-principal", "User:alice",
                    "--operation", "Read", "--group", "billing-", "--resource-pattern-type", "prefixed"), "add group ACL");
            String listed = ok(kafkaAcls(b, "--command-config", config, "--list"), "list");
            assertTrue(listed.contains("(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW)"), listed);

            Map<String, Object> alice = new java.util.HashMap<>();
            alice.put("bootstrap.servers", b);
            alice.put("security.protocol", "SSL");
            alice.put("ssl.truststore.type", "PKCS12");
            alice.put("ssl.truststore.location", certs.trustStore().toString());
            alice.put("ssl.truststore.password", pw);
            alice.put("ssl.keystore.type", "PKCS12");
            alice.put("ssl.keystore.location", aliceKeys.toString());
            alice.put("ssl.keystore.password", pw);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", b, "security.protocol", "SSL",
                    "ssl.truststore.type", "PKCS12", "ssl.truststore.location", certs.trustStore().toString(),
                    "ssl.truststore.password", pw, "ssl.keystore.type", "PKCS12",
                    "ssl.keystore.location", adminKeys.toString(), "ssl.keystore.password", pw))) {
                admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("orders", 1, (short) 1))).all().get();
            }
            Map<String, Object> producerProps = new java.util.HashMap<>(alice);
            producerProps.put("max.block.ms", 15_000);
            try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<>(producerProps,
                    new org.apache.kafka.common.serialization.StringSerializer(),
                    new org.apache.kafka.common.serialization.StringSerializer())) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("orders", "k", "paid")).get(30, TimeUnit.SECONDS);
            }
            Map<String, Object> consumerProps = new java.util.HashMap<>(alice);
            consumerProps.put("group.id", "billing-reports");
            consumerProps.put("auto.offset.reset", "earliest");
            List<String> values = new ArrayList<>();
            try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(consumerProps,
                    new org.apache.kafka.common.serialization.StringDeserializer(),
                    new org.apache.kafka.common.serialization.StringDeserializer())) {
                consumer.subscribe(List.of("orders"));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (values.isEmpty() && System.nanoTime() < deadline) {
                    consumer.poll(java.time.Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                }
            }
            assertEquals(List.of("paid"), values);

            ok(kafkaAcls(b, "--command-config", config, "--remove", "--allow-principal", "User:alice",
                    "--operation", "Write", "--topic", "orders", "--force"), "remove");
            String after = ok(kafkaAcls(b, "--command-config", config, "--list"), "list after remove");
            assertFalse(after.contains("operation=WRITE"), after);
        }
    }

    @Test
    void kafkaAclsReportsSecurityDisabledWithoutAnAuthorizer() throws Exception {
        try (Broker broker = TestBroker.start(dataDir)) {
            KafkaToolProcess.Run run = kafkaAcls(broker.bootstrapServers(), "--list");
            assertNotEquals(0, run.exit(), run.output());
            assertTrue(run.output().contains("SecurityDisabledException") || run.output().contains("No Authorizer"),
                    run.output());
        }
    }
}
