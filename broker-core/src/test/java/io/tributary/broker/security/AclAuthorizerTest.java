package io.tributary.broker.security;

import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.apache.kafka.common.acl.AclOperation.ALL;
import static org.apache.kafka.common.acl.AclOperation.ALTER;
import static org.apache.kafka.common.acl.AclOperation.ALTER_CONFIGS;
import static org.apache.kafka.common.acl.AclOperation.CREATE;
import static org.apache.kafka.common.acl.AclOperation.DELETE;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE_CONFIGS;
import static org.apache.kafka.common.acl.AclOperation.READ;
import static org.apache.kafka.common.acl.AclOperation.WRITE;
import static org.apache.kafka.common.acl.AclPermissionType.ALLOW;
import static org.apache.kafka.common.acl.AclPermissionType.DENY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The built-in authorizer decides as Kafka's StandardAuthorizer: implied operations, deny wins,
 * literal, wildcard and prefixed patterns, {@code User:*}, hosts, super users and
 * {@code allow.everyone.if.no.acl.found}; and {@code authorizer.class.name} accepts only the
 * built-in authorizer's names.
 */
class AclAuthorizerTest {
    private static final KafkaPrincipal ALICE = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "alice");
    private static final KafkaPrincipal BOB = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "bob");

    private static AclBinding acl(ResourceType type, String name, PatternType pattern, String principal, String host,
                                  AclOperation op, AclPermissionType permission) {
        return new AclBinding(new ResourcePattern(type, name, pattern), new AccessControlEntry(principal, host, op, permission));
    }

    private static AclBinding topicAcl(String name, PatternType pattern, String principal, AclOperation op,
                                       AclPermissionType permission) {
        return acl(ResourceType.TOPIC, name, pattern, principal, "*", op, permission);
    }

    private static boolean allowed(AclAuthorizer a, KafkaPrincipal who, AclOperation op, String topic) {
        return a.authorize(who, "10.0.0.1", op, new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL))
                == AuthorizationResult.ALLOWED;
    }

    @Test
    void readWriteDeleteAndAlterImplyDescribeAndAlterConfigsImpliesDescribeConfigs() {
        AclAuthorizer a = new AclAuthorizer(Set.of(), false);
        for (AclOperation granted : List.of(READ, WRITE, DELETE, ALTER)) {
            a.replaceAcls(List.of(topicAcl("t", PatternType.LITERAL, "User:alice", granted, ALLOW)));
            assertTrue(allowed(a, ALICE, granted, "t"), granted.toString());
            assertTrue(allowed(a, ALICE, DESCRIBE, "t"), granted + " implies DESCRIBE");
            assertEquals(false, allowed(a, ALICE, CREATE, "t"), granted + " does not imply CREATE");
        }
        a.replaceAcls(List.of(topicAcl("t", PatternType.LITERAL, "User:alice", ALTER_CONFIGS, ALLOW)));
        assertTrue(allowed(a, ALICE, DESCRIBE_CONFIGS, "t"));
        assertEquals(false, allowed(a, ALICE, DESCRIBE, "t"), "ALTER_CONFIGS does not imply DESCRIBE");
        a.replaceAcls(List.of(topicAcl("t", PatternType.LITERAL, "User:alice", ALL, ALLOW)));
        for (AclOperation op : List.of(READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS)) {
            assertTrue(allowed(a, ALICE, op, "t"), "ALL allows " + op);
        }
    }

    @Test
    void denyWinsOverAllowAndAnExplicitDenyIsNotImplied() {
        AclAuthorizer a = new AclAuthorizer(Set.of(), false);
        a.replaceAcls(List.of(
                topicAcl("*", PatternType.LITERAL, "User:*", READ, ALLOW),
                topicAcl("orders", PatternType.LITERAL, "User:bob", READ, DENY)));
        assertTrue(allowed(a, ALICE, READ, "orders"));
        assertEquals(false, allowed(a, BOB, READ, "orders"), "deny wins");
        assertTrue(allowed(a, BOB, DESCRIBE, "orders"), "a DENY READ does not deny DESCRIBE");
        assertTrue(allowed(a, BOB, READ, "other"));
        a.replaceAcls(List.of(
                topicAcl("orders", PatternType.LITERAL, "User:bob", ALL, ALLOW),
                topicAcl("ord", PatternType.PREFIXED, "User:bob", ALL, DENY)));
        assertEquals(false, allowed(a, BOB, WRITE, "orders"), "a DENY ALL on a prefix wins over a literal ALLOW");
    }

    @Test
    void prefixedLiteralAndWildcardPatternsMatchAsKafkasDo() {
        AclAuthorizer a = new AclAuthorizer(Set.of(), false);
        a.replaceAcls(List.of(
                topicAcl("app-", PatternType.PREFIXED, "User:alice", WRITE, ALLOW),
                topicAcl("exact", PatternType.LITERAL, "User:alice", WRITE, ALLOW)));
        assertTrue(allowed(a, ALICE, WRITE, "app-logs"));
        assertTrue(allowed(a, ALICE, WRITE, "app-"));
        assertEquals(false, allowed(a, ALICE, WRITE, "ap"));
        assertTrue(allowed(a, ALICE, WRITE, "exact"));
        assertEquals(false, allowed(a, ALICE, WRITE, "exactly"), "a literal pattern is not a prefix");
        assertEquals(false, allowed(a, BOB, WRITE, "app-logs"), "another principal");
        a.replaceAcls(List.of(topicAcl("*", PatternType.LITERAL, "User:alice", WRITE, ALLOW)));
        assertTrue(allowed(a, ALICE, WRITE, "anything"));
        a.replaceAcls(List.of(topicAcl("*", PatternType.PREFIXED, "User:alice", WRITE, ALLOW)));
        assertEquals(false, allowed(a, ALICE, WRITE, "anything"), "'*' is a wildcard only as a literal name");
    }

    @Test
    void hostsAreMatchedExactlyOrByTheWildcard() {
        AclAuthorizer a = new AclAuthorizer(Set.of(), false);
        a.replaceAcls(List.of(acl(ResourceType.TOPIC, "t", PatternType.LITERAL, "User:alice", "10.0.0.1", READ, ALLOW)));
        ResourcePattern t = new ResourcePattern(ResourceType.TOPIC, "t", PatternType.LITERAL);
        assertEquals(AuthorizationResult.ALLOWED, a.authorize(ALICE, "10.0.0.1", READ, t));
        assertEquals(AuthorizationResult.DENIED, a.authorize(ALICE, "10.0.0.2", READ, t));
    }

    @Test
    void superUsersMayDoAnythingAndNoAclFoundDecidesForResourcesWithoutAcls() {
        AclAuthorizer a = new AclAuthorizer(Set.of("User:admin"), false);
        a.replaceAcls(List.of(topicAcl("t", PatternType.LITERAL, "User:*", ALL, DENY)));
        KafkaPrincipal admin = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "admin");
        assertTrue(allowed(a, admin, WRITE, "t"), "even a DENY does not apply to super users");
        assertEquals(false, allowed(a, ALICE, WRITE, "no-acls"), "denied by default once enabled");

        AclAuthorizer open = new AclAuthorizer(Set.of(), true);
        open.replaceAcls(List.of(topicAcl("guarded", PatternType.LITERAL, "User:bob", READ, ALLOW)));
        assertTrue(allowed(open, ALICE, WRITE, "no-acls"), "allow.everyone.if.no.acl.found=true");
        assertEquals(false, allowed(open, ALICE, READ, "guarded"), "a resource with ACLs is decided by them");
        assertTrue(allowed(open, BOB, READ, "guarded"));
    }

    @Test
    void authorizerClassNameAcceptsOnlyTheBuiltInAuthorizersNames() {
        for (String name : List.of("org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "kafka.security.authorizer.AclAuthorizer", "io.tributary.broker.security.AclAuthorizer")) {
            AuthorizerConfig c = AuthorizerConfig.from(Map.of("authorizer.class.name", name,
                    "super.users", "User:admin; User:ops"));
            assertTrue(c.enabled());
            assertEquals(Set.of("User:admin", "User:ops"), c.superUsers());
            assertEquals(false, c.allowEveryoneIfNoAclFound());
        }
        assertEquals(false, AuthorizerConfig.from(Map.of()).enabled(), "no authorizer by default");
        ConfigException e = assertThrows(ConfigException.class,
                () -> AuthorizerConfig.from(Map.of("authorizer.class.name", "com.example.MyAuthorizer")));
        assertTrue(e.getMessage().contains("authorizer.class.name"), e.getMessage());
        assertThrows(ConfigException.class, () -> AuthorizerConfig.from(Map.of("super.users", "admin")));
    }
}
