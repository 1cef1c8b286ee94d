package io.tributary.broker.quota;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every client quota in force: entity → quota type → value, and which quota applies to a client.
 * Immutable (its resolution cache is private and only ever holds answers derived from the
 * immutable state, so it is safe to share); a change produces a new instance ({@link #applied}).
 */
public final class ClientQuotaConfigs {
    public static final ClientQuotaConfigs EMPTY = new ClientQuotaConfigs(Map.of());

    /**
     * The quota that applies to a client, and whom it is shared with: the metric tags Kafka's
     * default quota callback gives the client (a quota set for a user alone is shared by all of
     * that user's client ids, tagged {@code client-id=""}; one set for a client id alone by all
     * users of it, tagged {@code user=""}).
     */
    public record Resolved(String userTag, String clientIdTag, double limit) {
    }

    private final Map<QuotaEntity, Map<QuotaType, Double>> quotas;
    private final Set<QuotaType> typesInUse;
    private final Map<String, Map<String, Resolved>>[] cache;

    @SuppressWarnings("unchecked")
    public ClientQuotaConfigs(Map<QuotaEntity, Map<QuotaType, Double>> quotas) {
        Map<QuotaEntity, Map<QuotaType, Double>> copy = new LinkedHashMap<>();
        Set<QuotaType> inUse = EnumSet.noneOf(QuotaType.class);
        quotas.forEach((entity, values) -> {
            if (values.isEmpty()) return;
            copy.put(entity, Collections.unmodifiableMap(new EnumMap<>(values)));
            inUse.addAll(values.keySet());
        });
        this.quotas = Collections.unmodifiableMap(copy);
        this.typesInUse = Collections.unmodifiableSet(inUse);
        this.cache = new Map[QuotaType.values().length];
        for (int i = 0; i < cache.length; i++) cache[i] = new ConcurrentHashMap<>();
    }

    /** Every entity with at least one quota, with its quotas. */
    public Map<QuotaEntity, Map<QuotaType, Double>> entities() {
        return quotas;
    }

    public boolean isEmpty() {
        return quotas.isEmpty();
    }

    /** Whether any entity has a quota of {@code type}. */
    public boolean inUse(QuotaType type) {
        return typesInUse.contains(type);
    }

    /**
     * The quota of {@code type} for {@code user} (the principal's name) connecting as {@code
     * clientId}, by Kafka's precedence ({@link QuotaEntity#precedence}); null when none applies.
     */
    public Resolved resolve(QuotaType type, String user, String clientId) {
        if (!typesInUse.contains(type)) return null;
        Map<String, Resolved> byClient = cache[type.ordinal()].computeIfAbsent(user, u -> new ConcurrentHashMap<>());
        Resolved r = byClient.get(clientId);
        if (r == null && !byClient.containsKey(clientId)) {
            r = lookup(type, user, clientId);
            if (byClient.size() < 10_000) byClient.put(clientId, r == null ? NONE : r);
        }
        return r == NONE ? null : r;
    }

    private static final Resolved NONE = new Resolved("", "", Double.NaN);

    private Resolved lookup(QuotaType type, String user, String clientId) {
        List<QuotaEntity> order = QuotaEntity.precedence(user, clientId);
        for (int level = 0; level < order.size(); level++) {
            Map<QuotaType, Double> values = quotas.get(order.get(level));
            Double limit = values == null ? null : values.get(type);
            if (limit == null) continue;
            return switch (level) {
                case 2, 5 -> new Resolved(user, "", limit);
                case 6, 7 -> new Resolved("", clientId, limit);
                default -> new Resolved(user, clientId, limit);
            };
        }
        return null;
    }

    /** This state with {@code changes} applied in order; removing what is not there changes nothing. */
    public ClientQuotaConfigs applied(List<ClientQuotaChange> changes) {
        Map<QuotaEntity, Map<QuotaType, Double>> next = new LinkedHashMap<>();
        quotas.forEach((entity, values) -> next.put(entity, new EnumMap<>(values)));
        for (ClientQuotaChange c : changes) {
            if (c.removes()) {
                Map<QuotaType, Double> values = next.get(c.entity());
                if (values == null) continue;
                values.remove(c.type());
                if (values.isEmpty()) next.remove(c.entity());
            } else {
                next.computeIfAbsent(c.entity(), e -> new EnumMap<>(QuotaType.class)).put(c.type(), c.value());
            }
        }
        return new ClientQuotaConfigs(next);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClientQuotaConfigs other && quotas.equals(other.quotas);
    }

    @Override
    public int hashCode() {
        return quotas.hashCode();
    }

    @Override
    public String toString() {
        return quotas.toString();
    }
}
