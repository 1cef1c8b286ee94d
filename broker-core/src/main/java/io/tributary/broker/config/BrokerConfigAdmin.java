package io.tributary.broker.config;

import org.apache.kafka.common.errors.InvalidRequestException;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The broker side of {@code BROKER} config resources on one node: which resource names it answers
 * for (its own id, or "" for the cluster-wide default), checking a change with Kafka's rules
 * ({@link DynamicBrokerConfigs}) and against what it would do to this node (for example TLS
 * material that cannot be loaded), storing it ({@link DynamicBrokerConfigStore}), and the layers
 * DescribeConfigs reports. Immutable apart from the store; thread-safe.
 */
public final class BrokerConfigAdmin {
    private final int nodeId;
    private final Map<String, String> staticProps;
    private final DynamicBrokerConfigs rules;
    private final DynamicBrokerConfigStore store;
    private final Consumer<Map<String, String>> checkEffective;

    /**
     * @param staticProps    the node's properties (file and built-in defaults)
     * @param checkEffective throws (a Kafka or config exception) when the node could not run with
     *                       the given effective properties
     */
    public BrokerConfigAdmin(int nodeId, Map<String, String> staticProps, DynamicBrokerConfigs rules,
                             DynamicBrokerConfigStore store, Consumer<Map<String, String>> checkEffective) {
        this.nodeId = nodeId;
        this.staticProps = Map.copyOf(staticProps);
        this.rules = rules;
        this.store = store;
        this.checkEffective = checkEffective;
    }

    public int nodeId() {
        return nodeId;
    }

    public DynamicBrokerConfigs rules() {
        return rules;
    }

    public Map<String, String> staticProps() {
        return staticProps;
    }

    /** The dynamic configs of {@code resource}: this node's id or "" for the cluster-wide default. */
    public Map<String, String> dynamic(String resource) {
        return store.of(resource);
    }

    /** The properties this node runs with now (static under the dynamic layers). */
    public Map<String, String> effective() {
        return DynamicBrokerConfigs.effective(staticProps, store.of(DynamicBrokerConfigs.DEFAULT_RESOURCE),
                store.of(Integer.toString(nodeId)));
    }

    /**
     * Accepts the BROKER resource names this node answers for: its own id, or the empty name of
     * the cluster-wide default; returns the canonical name.
     */
    public String checkResource(String name) {
        if (name.isEmpty()) return DynamicBrokerConfigs.DEFAULT_RESOURCE;
        int id;
        try {
            id = Integer.parseInt(name.trim());
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("Broker id must be an integer, but it is: " + name);
        }
        if (id != nodeId) {
            throw new InvalidRequestException("Unexpected broker id, expected " + nodeId
                    + " or empty string, but received " + name);
        }
        return Integer.toString(id);
    }

    /**
     * Checks, then (unless {@code validateOnly}) stores a change of {@code resource}'s dynamic configs;
     * returns once applied on this node.
     *
     * @throws InvalidRequestException with Kafka's message when the change is refused
     */
    public void alter(String resource, Map<String, String> set, Set<String> removed, boolean validateOnly) {
        String canonical = checkResource(resource);
        rules.validate(canonical, set, removed);
        Map<String, String> values = new HashMap<>();
        set.forEach((name, value) -> values.put(name, DynamicBrokerConfigs.validateValue(name, value)));
        Map<String, Map<String, String>> next = DynamicBrokerConfigStore.applied(store.all(), canonical, values, removed);
        Map<String, String> effective = DynamicBrokerConfigs.effective(staticProps,
                next.getOrDefault(DynamicBrokerConfigs.DEFAULT_RESOURCE, Map.of()),
                next.getOrDefault(Integer.toString(nodeId), Map.of()));
        try {
            checkEffective.accept(effective);
        } catch (RuntimeException e) {
            throw new InvalidRequestException("Invalid config value for resource ConfigResource(type=BROKER, name='"
                    + canonical + "'): " + e.getMessage(), e);
        }
        if (!validateOnly) store.alter(canonical, values, removed);
    }
}
