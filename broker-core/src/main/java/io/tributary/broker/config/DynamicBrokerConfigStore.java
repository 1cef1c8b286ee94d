package io.tributary.broker.config;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The dynamic broker configs this node knows: resource (a node id, or {@code ""} for the
 * cluster-wide default) → name → value, as last stored by the node's file or committed by the
 * quorum. Reads see one immutable snapshot (a volatile reference). Changes go through the
 * {@link BrokerConfigChanges} in force, which hands the resulting state back through
 * {@link #replaceAll}; listeners hear of each new state in order, on the thread that applied it,
 * under this store's monitor (so two states are never applied out of order). Thread-safe.
 */
public final class DynamicBrokerConfigStore {
    private volatile Map<String, Map<String, String>> configs = Map.of();
    private volatile BrokerConfigChanges changes;
    private final List<Consumer<Map<String, Map<String, String>>>> listeners = new CopyOnWriteArrayList<>();

    public void routeChangesThrough(BrokerConfigChanges changes) {
        this.changes = changes;
    }

    /** Every resource with at least one dynamic config. */
    public Map<String, Map<String, String>> all() {
        return configs;
    }

    /** The dynamic configs of {@code resource} (empty when none). */
    public Map<String, String> of(String resource) {
        return configs.getOrDefault(resource, Map.of());
    }

    /** Stores the change through the node's file or the quorum; returns once applied here. */
    public void alter(String resource, Map<String, String> set, Set<String> removed) {
        BrokerConfigChanges route = this.changes;
        if (route == null) throw new IllegalStateException("Broker configs cannot be changed before the node has started");
        route.alter(resource, set, removed);
    }

    /** Adds a listener, told of the current state at once and of every later one. */
    public synchronized void addListener(Consumer<Map<String, Map<String, String>>> listener) {
        listeners.add(listener);
        listener.accept(configs);
    }

    /** Replaces the whole state; listeners are told when it differs from the current one. */
    public synchronized void replaceAll(Map<String, Map<String, String>> state) {
        Map<String, Map<String, String>> next = copy(state);
        if (next.equals(configs)) return;
        this.configs = next;
        for (Consumer<Map<String, Map<String, String>>> l : listeners) l.accept(next);
    }

    /** {@code state} with the change applied; a resource left without configs disappears. */
    public static Map<String, Map<String, String>> applied(Map<String, Map<String, String>> state, String resource,
                                                           Map<String, String> set, Set<String> removed) {
        Map<String, Map<String, String>> next = new TreeMap<>();
        state.forEach((r, c) -> next.put(r, new TreeMap<>(c)));
        Map<String, String> target = next.computeIfAbsent(resource, r -> new TreeMap<>());
        target.keySet().removeAll(removed);
        target.putAll(set);
        if (target.isEmpty()) next.remove(resource);
        return next;
    }

    private static Map<String, Map<String, String>> copy(Map<String, Map<String, String>> state) {
        Map<String, Map<String, String>> out = new TreeMap<>();
        state.forEach((r, c) -> {
            if (!c.isEmpty()) out.put(r, Map.copyOf(c));
        });
        return java.util.Collections.unmodifiableMap(out);
    }
}
