package io.tributary.broker.security;

import org.apache.kafka.clients.admin.ScramMechanism;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The SCRAM credentials this node authenticates with: user → mechanism → stored credential. Reads
 * ({@link #lookup}, {@link #users}) see one immutable snapshot (a volatile reference), so a login
 * never waits for a change. Changes go through the {@link ScramCredentialChanges} in force — the
 * node's own file until the node joins a cluster, the metadata quorum after — which hands the
 * resulting state back through {@link #replaceAll}. Thread-safe.
 */
public final class ScramCredentialStore {
    private volatile Map<String, Map<ScramMechanism, StoredScramCredential>> users = Map.of();
    private volatile ScramCredentialChanges changes;

    /** A store whose changes go to {@code changes} (null until {@link #routeChangesThrough}). */
    public ScramCredentialStore() {
    }

    public void routeChangesThrough(ScramCredentialChanges changes) {
        this.changes = changes;
    }

    public Optional<StoredScramCredential> lookup(String user, ScramMechanism mechanism) {
        Map<ScramMechanism, StoredScramCredential> credentials = users.get(user);
        return credentials == null ? Optional.empty() : Optional.ofNullable(credentials.get(mechanism));
    }

    /** Every user with at least one credential, sorted by name. */
    public Map<String, Map<ScramMechanism, StoredScramCredential>> users() {
        return users;
    }

    /** Applies {@code changes} through the quorum or the node's file; returns once applied here. */
    public void apply(List<ScramCredentialChange> changes) {
        ScramCredentialChanges route = this.changes;
        if (route == null) throw new IllegalStateException("SCRAM credentials cannot be changed before the node has started");
        route.apply(changes);
    }

    /** Replaces the whole state (what the quorum or the node's file now holds). */
    public void replaceAll(Map<String, Map<ScramMechanism, StoredScramCredential>> state) {
        this.users = copy(state);
    }

    /** {@code state} with {@code changes} applied in order; a deletion of what is not there changes nothing. */
    public static Map<String, Map<ScramMechanism, StoredScramCredential>> applied(
            Map<String, Map<ScramMechanism, StoredScramCredential>> state, List<ScramCredentialChange> changes) {
        Map<String, Map<ScramMechanism, StoredScramCredential>> next = new TreeMap<>();
        state.forEach((user, credentials) -> next.put(user, new EnumMap<>(credentials)));
        for (ScramCredentialChange c : changes) {
            if (c.deletes()) {
                Map<ScramMechanism, StoredScramCredential> credentials = next.get(c.user());
                if (credentials == null) continue;
                credentials.remove(c.mechanism());
                if (credentials.isEmpty()) next.remove(c.user());
            } else {
                next.computeIfAbsent(c.user(), u -> new EnumMap<>(ScramMechanism.class)).put(c.mechanism(), c.credential());
            }
        }
        return copy(next);
    }

    private static Map<String, Map<ScramMechanism, StoredScramCredential>> copy(
            Map<String, Map<ScramMechanism, StoredScramCredential>> state) {
        Map<String, Map<ScramMechanism, StoredScramCredential>> out = new TreeMap<>();
        state.forEach((user, credentials) -> {
            if (!credentials.isEmpty()) out.put(user, java.util.Collections.unmodifiableMap(new EnumMap<>(credentials)));
        });
        return java.util.Collections.unmodifiableMap(out);
    }
}
