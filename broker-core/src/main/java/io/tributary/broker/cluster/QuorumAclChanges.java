package io.tributary.broker.cluster;

import io.tributary.broker.security.AclChanges;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.protocol.Errors;

import java.util.Collection;
import java.util.List;

/**
 * ACL changes of a cluster member: each becomes a {@link MetadataCommand} committed by the quorum
 * and applied by every node, whose image listener puts the image's ACLs in force in its
 * authorizer. Stateless apart from the quorum; thread-safe.
 */
public final class QuorumAclChanges implements AclChanges {
    private final MetadataQuorum quorum;

    public QuorumAclChanges(MetadataQuorum quorum) {
        this.quorum = quorum;
    }

    @Override
    public void add(Collection<AclBinding> acls) {
        if (acls.isEmpty()) return;
        check(quorum.proposeAndWait(new MetadataCommand.CreateAcls(List.copyOf(acls))));
    }

    @Override
    public void remove(Collection<AclBinding> acls) {
        if (acls.isEmpty()) return;
        check(quorum.proposeAndWait(new MetadataCommand.DeleteAcls(List.copyOf(acls))));
    }

    private static void check(Errors error) {
        if (error != Errors.NONE) throw error.exception("The metadata quorum did not store the ACL change: " + error.message());
    }
}
