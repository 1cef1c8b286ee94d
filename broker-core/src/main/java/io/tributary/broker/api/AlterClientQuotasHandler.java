package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import io.tributary.broker.quota.ClientQuotaChange;
import io.tributary.broker.quota.ClientQuotaStore;
import io.tributary.broker.quota.QuotaEntity;
import io.tributary.broker.quota.QuotaType;
import org.apache.kafka.common.message.AlterClientQuotasRequestData;
import org.apache.kafka.common.message.AlterClientQuotasResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.quota.ClientQuotaEntity;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * AlterClientQuotas: sets and removes client quotas, validated as Kafka's controller validates
 * them, each entity answered on its own. An entity is refused with {@code INVALID_REQUEST} (and
 * Kafka's message) when it is empty, names an entity type twice or one other than {@code user}
 * and {@code client-id} (this broker has no {@code ip} quotas), has an empty name, appears twice
 * in the request, names a key twice, names a key that is not a client quota ({@code
 * producer_byte_rate}, {@code consumer_byte_rate}, {@code request_percentage}, {@code
 * controller_mutation_rate}), or gives a byte rate that is not a whole number, or any value that is
 * not a positive number. The accepted entities' changes are stored together (the metadata quorum
 * or the node's file) unless {@code validateOnly}. Stateless apart from the store; thread-safe.
 */
public final class AlterClientQuotasHandler implements ApiHandler<AlterClientQuotasRequestData> {
    private final ClientQuotaStore store;

    public AlterClientQuotasHandler(ClientQuotaStore store) {
        this.store = store;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, AlterClientQuotasRequestData request) {
        AlterClientQuotasResponseData response = new AlterClientQuotasResponseData();
        List<ClientQuotaChange> changes = new ArrayList<>();
        List<AlterClientQuotasResponseData.EntryData> accepted = new ArrayList<>();
        Set<QuotaEntity> seen = new HashSet<>();
        for (AlterClientQuotasRequestData.EntryData entry : request.entries()) {
            AlterClientQuotasResponseData.EntryData answer = new AlterClientQuotasResponseData.EntryData();
            for (AlterClientQuotasRequestData.EntityData e : entry.entity()) {
                answer.entity().add(new AlterClientQuotasResponseData.EntityData().setEntityType(e.entityType())
                        .setEntityName(e.entityName()));
            }
            response.entries().add(answer);
            String error;
            QuotaEntity entity = null;
            try {
                entity = entity(entry.entity());
                error = seen.add(entity) ? null : "Ignoring duplicate entity " + entity;
            } catch (IllegalArgumentException invalid) {
                error = invalid.getMessage();
            }
            List<ClientQuotaChange> own = new ArrayList<>();
            if (error == null) error = changes(entity, entry.ops(), own);
            if (error != null) {
                answer.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(error);
            } else {
                changes.addAll(own);
                accepted.add(answer);
            }
        }
        if (!request.validateOnly() && !changes.isEmpty()) {
            try {
                store.apply(changes);
            } catch (RuntimeException e) {
                Errors error = Errors.forException(e);
                for (AlterClientQuotasResponseData.EntryData answer : accepted) {
                    answer.setErrorCode(error.code()).setErrorMessage(e.getMessage());
                }
            }
        }
        return CompletableFuture.completedFuture(response);
    }

    /** The entity of a request entry, Kafka's entity checks; an invalid one throws with Kafka's message. */
    private static QuotaEntity entity(List<AlterClientQuotasRequestData.EntityData> data) {
        if (data.isEmpty()) throw new IllegalArgumentException("Invalid empty client quota entity");
        QuotaEntity.Name user = null;
        QuotaEntity.Name client = null;
        Set<String> types = new HashSet<>();
        for (AlterClientQuotasRequestData.EntityData e : data) {
            if (!types.add(e.entityType())) {
                throw new IllegalArgumentException("Invalid empty client quota entity, duplicate entity entry " + e.entityType());
            }
            if (e.entityName() != null && e.entityName().isEmpty()) {
                throw new IllegalArgumentException("Empty " + e.entityType() + " not supported");
            }
            switch (e.entityType()) {
                case ClientQuotaEntity.USER -> user = QuotaEntity.Name.of(e.entityName());
                case ClientQuotaEntity.CLIENT_ID -> client = QuotaEntity.Name.of(e.entityName());
                case ClientQuotaEntity.IP -> throw new IllegalArgumentException(
                        "IP quotas (connection_creation_rate) are not supported by this broker");
                default -> throw new IllegalArgumentException("Unhandled client quota entity type: " + e.entityType());
            }
        }
        return new QuotaEntity(user, client);
    }

    /** Adds the changes of {@code ops} to {@code out}; the error message when one is invalid, else null. */
    private static String changes(QuotaEntity entity, List<AlterClientQuotasRequestData.OpData> ops, List<ClientQuotaChange> out) {
        Set<String> keys = new HashSet<>();
        for (AlterClientQuotasRequestData.OpData op : ops) {
            if (!keys.add(op.key())) return "Duplicate quota key " + op.key() + " not updating quota for this entity " + entity;
            QuotaType type = QuotaType.forKey(op.key());
            if (type == null) return "Invalid configuration key " + op.key();
            if (op.remove()) {
                out.add(new ClientQuotaChange(entity, type, null));
                continue;
            }
            double value = op.value();
            if (type.integral()) {
                double epsilon = 1e-6;
                long whole = (long) (value + epsilon);
                if (Math.abs(whole - value) > epsilon) return "Configuration " + op.key() + " must be a Long value";
            }
            if (!(value > 0) || Double.isInfinite(value)) {
                return "Configuration " + op.key() + " must be a positive number, not " + value;
            }
            out.add(new ClientQuotaChange(entity, type, value));
        }
        return null;
    }
}
