package io.tributary.broker.config;

import java.util.Map;
import java.util.Set;

/**
 * Where changes of the dynamic broker configs go: the node's own file when it runs alone, the
 * metadata quorum in a cluster. Each returns once the change is stored and applied on this node
 * (through {@link DynamicBrokerConfigStore#replaceAll}), or throws a Kafka exception.
 */
public interface BrokerConfigChanges {
    /**
     * Sets {@code set} and removes {@code removed} in the dynamic configs of {@code resource}: a
     * node id, or {@link DynamicBrokerConfigs#DEFAULT_RESOURCE} for the cluster-wide default.
     */
    void alter(String resource, Map<String, String> set, Set<String> removed);
}
