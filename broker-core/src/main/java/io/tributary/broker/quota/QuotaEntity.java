package io.tributary.broker.quota;

import java.util.List;

/**
 * The entity a client quota is set for, Kafka's model (KIP-55): a user, a client id, or both, each
 * either named or the default ({@code <default>}). A null component is absent: {@code (user=alice,
 * clientId=null)} is {@code /config/users/alice}, {@code (user=<default>, clientId=app)} is
 * {@code /config/users/<default>/clients/app}. Immutable.
 */
public record QuotaEntity(Name user, Name clientId) {
    /** One component's name: {@link #DEFAULT} or a given name (never empty). */
    public record Name(String value) {
        public static final Name DEFAULT = new Name(null);

        public Name {
            if (value != null && value.isEmpty()) throw new IllegalArgumentException("an entity name cannot be empty");
        }

        public static Name of(String value) {
            return value == null ? DEFAULT : new Name(value);
        }

        public boolean isDefault() {
            return value == null;
        }

        @Override
        public String toString() {
            return value == null ? "<default>" : value;
        }
    }

    public QuotaEntity {
        if (user == null && clientId == null) throw new IllegalArgumentException("a quota entity names a user, a client id or both");
    }

    public static QuotaEntity user(String user) {
        return new QuotaEntity(Name.of(user), null);
    }

    public static QuotaEntity client(String clientId) {
        return new QuotaEntity(null, Name.of(clientId));
    }

    public static QuotaEntity userAndClient(String user, String clientId) {
        return new QuotaEntity(Name.of(user), Name.of(clientId));
    }

    /**
     * The entities whose quota applies to {@code user} connecting as {@code clientId}, most specific
     * first: Kafka's order of precedence, the first that has a quota for a given key wins.
     * <ol>
     * <li>{@code /config/users/<user>/clients/<client-id>}</li>
     * <li>{@code /config/users/<user>/clients/<default>}</li>
     * <li>{@code /config/users/<user>}</li>
     * <li>{@code /config/users/<default>/clients/<client-id>}</li>
     * <li>{@code /config/users/<default>/clients/<default>}</li>
     * <li>{@code /config/users/<default>}</li>
     * <li>{@code /config/clients/<client-id>}</li>
     * <li>{@code /config/clients/<default>}</li>
     * </ol>
     */
    static List<QuotaEntity> precedence(String user, String clientId) {
        Name u = new Name(user.isEmpty() ? null : user);
        Name c = new Name(clientId.isEmpty() ? null : clientId);
        // An empty user or client id (unauthenticated connection, client without client.id) can only
        // match the default of its component, as in Kafka where the sanitized name is "".
        return List.of(new QuotaEntity(u, c), new QuotaEntity(u, Name.DEFAULT), new QuotaEntity(u, null),
                new QuotaEntity(Name.DEFAULT, c), new QuotaEntity(Name.DEFAULT, Name.DEFAULT),
                new QuotaEntity(Name.DEFAULT, null), new QuotaEntity(null, c), new QuotaEntity(null, Name.DEFAULT));
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        if (user != null) b.append("user=").append(user);
        if (clientId != null) b.append(b.isEmpty() ? "" : ", ").append("client-id=").append(clientId);
        return b.toString();
    }
}
