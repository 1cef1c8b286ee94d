package io.tributary.broker.cluster;

import io.tributary.broker.quota.ClientQuotaChange;
import io.tributary.broker.quota.ClientQuotaChanges;
import org.apache.kafka.common.protocol.Errors;

import java.util.List;

/**
 * Client quota changes of a cluster member: one {@link MetadataCommand.ChangeClientQuotas}
 * committed by the quorum and applied by every node, whose image listener hands the resulting
 * quotas to its store. Returns once applied on this node. Stateless apart from the quorum;
 * thread-safe.
 */
public final class QuorumClientQuotaChanges implements ClientQuotaChanges {
    private final MetadataQuorum quorum;

    public QuorumClientQuotaChanges(MetadataQuorum quorum) {
        this.quorum = quorum;
    }

    @Override
    public void apply(List<ClientQuotaChange> changes) {
        Errors error = quorum.proposeAndWait(new MetadataCommand.ChangeClientQuotas(changes));
        if (error != Errors.NONE) throw error.exception("The metadata quorum did not store the client quota change: " + error.message());
    }
}
