package io.tributary.broker.security;

import org.apache.kafka.common.acl.AclBinding;

import java.util.Collection;

/**
 * Where ACL changes go: the local {@link AclFile} on a node alone, the metadata quorum in a
 * cluster. Each method returns once the change is stored (committed and applied on this node) and
 * in force in the {@link AclAuthorizer}, or throws a Kafka exception.
 */
public interface AclChanges {
    /** Adds {@code acls}; those already present stay as they are. */
    void add(Collection<AclBinding> acls);

    /** Removes {@code acls}; those not present are ignored. */
    void remove(Collection<AclBinding> acls);
}
