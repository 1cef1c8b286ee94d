package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import io.tributary.broker.quota.ClientQuotaStore;
import io.tributary.broker.quota.QuotaEntity;
import io.tributary.broker.quota.QuotaType;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.requests.DescribeClientQuotasRequest;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeClientQuotas: the entities whose quotas match the filter, with their quotas, as Kafka's
 * metadata image answers. Each filter component names an entity type and matches an exact name
 * ({@code match}), the default, or any entity that has the type ({@code specified}); an entity
 * matches when it satisfies every component, and with {@code strict} only when it has no other
 * component. A malformed filter (a type twice, an exact match without a name, a default or
 * specified match with one, an IP component beside user or client id) fails the request with
 * {@code INVALID_REQUEST}; an unknown entity type or match type with {@code UNSUPPORTED_VERSION}.
 * {@code kafka-configs --describe} asks this (for users beside their SCRAM credentials). Reads the
 * store's snapshot; thread-safe.
 */
public final class DescribeClientQuotasHandler implements ApiHandler<DescribeClientQuotasRequestData> {
    private final ClientQuotaStore store;

    public DescribeClientQuotasHandler(ClientQuotaStore store) {
        this.store = store;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, DescribeClientQuotasRequestData request) {
        Map<String, String> exact = new HashMap<>();
        Set<String> specified = new HashSet<>();
        for (DescribeClientQuotasRequestData.ComponentData c : request.components()) {
            String type = c.entityType();
            if (type.isEmpty()) throw new InvalidRequestException("Invalid empty entity type.");
            if (exact.containsKey(type) || specified.contains(type)) {
                throw new InvalidRequestException("Entity type " + type + " cannot appear more than once in the filter.");
            }
            if (!type.equals(ClientQuotaEntity.USER) && !type.equals(ClientQuotaEntity.CLIENT_ID)
                    && !type.equals(ClientQuotaEntity.IP)) {
                throw new UnsupportedVersionException("Unsupported entity type " + type);
            }
            switch (c.matchType()) {
                case DescribeClientQuotasRequest.MATCH_TYPE_EXACT -> {
                    if (c.match() == null) {
                        throw new InvalidRequestException("Request specified MATCH_TYPE_EXACT, but set match string to null.");
                    }
                    exact.put(type, c.match());
                }
                case DescribeClientQuotasRequest.MATCH_TYPE_DEFAULT -> {
                    if (c.match() != null) {
                        throw new InvalidRequestException("Request specified MATCH_TYPE_DEFAULT, but also specified a match string.");
                    }
                    exact.put(type, null);
                }
                case DescribeClientQuotasRequest.MATCH_TYPE_SPECIFIED -> {
                    if (c.match() != null) {
                        throw new InvalidRequestException("Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.");
                    }
                    specified.add(type);
                }
                default -> throw new UnsupportedVersionException("Unknown match type " + c.matchType());
            }
        }
        boolean ip = exact.containsKey(ClientQuotaEntity.IP) || specified.contains(ClientQuotaEntity.IP);
        if (ip && (exact.size() + specified.size() > 1)) {
            throw new InvalidRequestException("Invalid entity filter component combination. IP filter component should "
                    + "not be used with user or clientId filter component.");
        }
        DescribeClientQuotasResponseData response = new DescribeClientQuotasResponseData();
        store.current().entities().forEach((entity, quotas) -> {
            Map<String, String> components = components(entity);
            if (!matches(components, exact, specified, request.strict())) return;
            DescribeClientQuotasResponseData.EntryData entry = new DescribeClientQuotasResponseData.EntryData();
            components.forEach((type, name) -> entry.entity().add(
                    new DescribeClientQuotasResponseData.EntityData().setEntityType(type).setEntityName(name)));
            for (Map.Entry<QuotaType, Double> q : quotas.entrySet()) {
                entry.values().add(new DescribeClientQuotasResponseData.ValueData().setKey(q.getKey().key())
                        .setValue(q.getValue()));
            }
            response.entries().add(entry);
        });
        return CompletableFuture.completedFuture(response);
    }

    /** Entity type → name (null for the default), as Kafka's {@code ClientQuotaEntity} has it. */
    private static Map<String, String> components(QuotaEntity entity) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        if (entity.user() != null) m.put(ClientQuotaEntity.USER, entity.user().value());
        if (entity.clientId() != null) m.put(ClientQuotaEntity.CLIENT_ID, entity.clientId().value());
        return m;
    }

    private static boolean matches(Map<String, String> entity, Map<String, String> exact, Set<String> specified, boolean strict) {
        if (strict && entity.size() != exact.size() + specified.size()) return false;
        for (Map.Entry<String, String> e : exact.entrySet()) {
            if (!entity.containsKey(e.getKey()) || !Objects.equals(entity.get(e.getKey()), e.getValue())) return false;
        }
        for (String type : specified) if (!entity.containsKey(type)) return false;
        return true;
    }
}
