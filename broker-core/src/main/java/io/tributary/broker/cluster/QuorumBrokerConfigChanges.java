package io.tributary.broker.cluster;

import io.tributary.broker.config.BrokerConfigChanges;
import org.apache.kafka.common.protocol.Errors;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Dynamic broker config changes of a cluster member: one {@link MetadataCommand.AlterBrokerConfigs}
 * committed by the quorum and applied by every node, which hands the resulting configs to its
 * store (and so to whatever they reconfigure). Returns once applied on this node. Stateless apart
 * from the quorum; thread-safe.
 */
public final class QuorumBrokerConfigChanges implements BrokerConfigChanges {
    private final MetadataQuorum quorum;

    public QuorumBrokerConfigChanges(MetadataQuorum quorum) {
        this.quorum = quorum;
    }

    @Override
    public void alter(String resource, Map<String, String> set, Set<String> removed) {
        Errors error = quorum.proposeAndWait(new MetadataCommand.AlterBrokerConfigs(resource, set,
                List.copyOf(new TreeSet<>(removed))));
        if (error != Errors.NONE) {
            throw error.exception("Changing the configs of broker resource '" + resource + "': " + error.message());
        }
    }
}
