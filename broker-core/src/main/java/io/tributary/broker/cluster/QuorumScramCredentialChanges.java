package io.tributary.broker.cluster;

import io.tributary.broker.security.ScramCredentialChange;
import io.tributary.broker.security.ScramCredentialChanges;
import org.apache.kafka.common.protocol.Errors;

import java.util.List;

/**
 * SCRAM credential changes of a cluster member: one {@link MetadataCommand.ChangeScramCredentials}
 * committed by the quorum and applied by every node, which hands the resulting credentials to its
 * store. Returns once applied on this node. Stateless apart from the quorum; thread-safe.
 */
public final class QuorumScramCredentialChanges implements ScramCredentialChanges {
    private final MetadataQuorum quorum;

    public QuorumScramCredentialChanges(MetadataQuorum quorum) {
        this.quorum = quorum;
    }

    @Override
    public void apply(List<ScramCredentialChange> changes) {
        Errors error = quorum.proposeAndWait(new MetadataCommand.ChangeScramCredentials(changes));
        if (error != Errors.NONE) throw error.exception("Changing SCRAM credentials: " + error.message());
    }
}
