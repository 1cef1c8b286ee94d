package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.testing.SuiteTags;
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
import java.nio.charset.StandardCharsets;
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
 * patterns, {@code --list}, {@code --remove}; and against a node without an authorizer, the
 * tool's own report of Kafka's {@code SECURITY_DISABLED}.
 */
@Tag(SuiteTags.PROCESS)
class AclToolTest {
    @TempDir
    Path dataDir;

    private record Run(int exit, String output) {
    }

    private static Run kafkaAcls(String bootstrap, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path"),
                "org.apache.kafka.tools.AclCommand", "--bootstrap-server", bootstrap));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kafka-acls did not finish");
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private static String ok(Run run, String what) {
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

    @Test
    void kafkaAclsReportsSecurityDisabledWithoutAnAuthorizer() throws Exception {
        try (Broker broker = TestBroker.start(dataDir)) {
            Run run = kafkaAcls(broker.bootstrapServers(), "--list");
            assertNotEquals(0, run.exit(), run.output());
            assertTrue(run.output().contains("SecurityDisabledException") || run.output().contains("No Authorizer"),
                    run.output());
        }
    }
}
