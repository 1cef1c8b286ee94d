package io.tributary.broker.security;

import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ACL file of a node running alone: changes are in force at once and read back after a
 * restart, the temporary file does not stay behind, and a damaged file stops the start instead of
 * silently losing ACLs.
 */
class AclFileTest {
    @TempDir
    Path dir;

    private static final AclBinding READ_ORDERS = new AclBinding(
            new ResourcePattern(ResourceType.TOPIC, "orders", PatternType.LITERAL),
            new AccessControlEntry("User:alice", "*", AclOperation.READ, AclPermissionType.ALLOW));
    private static final AclBinding DENY_PREFIX = new AclBinding(
            new ResourcePattern(ResourceType.GROUP, "ops-", PatternType.PREFIXED),
            new AccessControlEntry("User:*", "10.0.0.1", AclOperation.ALL, AclPermissionType.DENY));

    @Test
    void changesAreInForceAtOnceAndReadBackAfterARestart() throws IOException {
        AclAuthorizer authorizer = new AclAuthorizer(Set.of(), false);
        AclFile file = AclFile.load(dir.toFile(), authorizer);
        file.add(List.of(READ_ORDERS, DENY_PREFIX));
        assertEquals(Set.of(READ_ORDERS, DENY_PREFIX), Set.copyOf(authorizer.acls(AclBindingFilter.ANY)));
        file.remove(List.of(READ_ORDERS));
        assertEquals(List.of(DENY_PREFIX), authorizer.acls(AclBindingFilter.ANY));
        assertFalse(Files.exists(dir.resolve("meta/acls.tmp")));

        AclAuthorizer restarted = new AclAuthorizer(Set.of(), false);
        AclFile.load(dir.toFile(), restarted);
        assertEquals(List.of(DENY_PREFIX), restarted.acls(AclBindingFilter.ANY));
    }

    @Test
    void aDamagedFileStopsTheStart() throws IOException {
        AclFile.load(dir.toFile(), new AclAuthorizer(Set.of(), false)).add(List.of(READ_ORDERS));
        Path stored = dir.resolve("meta/acls");
        byte[] bytes = Files.readAllBytes(stored);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(stored, bytes);
        IOException e = assertThrows(IOException.class, () -> AclFile.load(dir.toFile(), new AclAuthorizer(Set.of(), false)));
        assertTrue(e.getMessage().contains("checksum") && e.getMessage().contains(stored.toString()), e.getMessage());
    }
}
