package io.tributary.broker.quota;

import java.util.List;

/**
 * The client quotas this node enforces. Reads ({@link #current()}) see one immutable snapshot (a
 * volatile reference), so a request never waits for a change. Changes go through the {@link
 * ClientQuotaChanges} in force — the node's own file on a node alone, the metadata quorum in a
 * cluster — which hands the resulting state back through {@link #replaceAll}. Thread-safe.
 */
public final class ClientQuotaStore {
    private volatile ClientQuotaConfigs current = ClientQuotaConfigs.EMPTY;
    private volatile ClientQuotaChanges changes;

    public void routeChangesThrough(ClientQuotaChanges changes) {
        this.changes = changes;
    }

    public ClientQuotaConfigs current() {
        return current;
    }

    /** Applies {@code changes} through the quorum or the node's file; returns once in force here. */
    public void apply(List<ClientQuotaChange> changes) {
        ClientQuotaChanges route = this.changes;
        if (route == null) throw new IllegalStateException("Client quotas cannot be changed before the node has started");
        if (!changes.isEmpty()) route.apply(changes);
    }

    /** Replaces the whole state (what the quorum or the node's file now holds). */
    public void replaceAll(ClientQuotaConfigs state) {
        if (!state.equals(current)) this.current = state;
    }
}
