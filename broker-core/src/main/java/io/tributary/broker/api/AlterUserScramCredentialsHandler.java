package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import io.tributary.broker.security.ScramCredentialChange;
import io.tributary.broker.security.ScramCredentialStore;
import io.tributary.broker.security.ScramCredentials;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * AlterUserScramCredentials, with Kafka's rules: an upsertion carries the salt and the salted
 * password (never the password), at 4096 to 16384 iterations; the answer is per user, and a user
 * any of whose alterations is refused has none applied. Errors: an empty user name or a credential
 * out of bounds {@code UNACCEPTABLE_CREDENTIAL}, an unknown mechanism
 * {@code UNSUPPORTED_SASL_MECHANISM}, the same user and mechanism twice in one request
 * {@code DUPLICATE_RESOURCE}, deleting a credential that does not exist {@code RESOURCE_NOT_FOUND}.
 * The accepted alterations are applied together through the store (the quorum in a cluster).
 * Stateless apart from the store; thread-safe.
 */
public final class AlterUserScramCredentialsHandler implements ApiHandler<AlterUserScramCredentialsRequestData> {
    private final ScramCredentialStore store;

    public AlterUserScramCredentialsHandler(ScramCredentialStore store) {
        this.store = store;
    }

    private record Refusal(Errors error, String message) {
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, AlterUserScramCredentialsRequestData request) {
        Map<String, Refusal> refused = new HashMap<>();
        Map<String, List<ScramCredentialChange>> changes = new LinkedHashMap<>();
        Set<String> users = new java.util.LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (var d : request.deletions()) seen.merge(d.name() + "\0" + d.mechanism(), 1, Integer::sum);
        for (var u : request.upsertions()) seen.merge(u.name() + "\0" + u.mechanism(), 1, Integer::sum);
        Set<String> duplicated = new HashSet<>();
        seen.forEach((k, n) -> {
            if (n > 1) duplicated.add(k.substring(0, k.indexOf('\0')));
        });
        for (var d : request.deletions()) {
            users.add(d.name());
            ScramMechanism mechanism = ScramMechanism.fromType(d.mechanism());
            Refusal r = common(d.name(), mechanism, duplicated);
            if (r == null && store.lookup(d.name(), mechanism).isEmpty()) {
                r = new Refusal(Errors.RESOURCE_NOT_FOUND, "Attempt to delete a user credential that does not exist");
            }
            if (r != null) refused.putIfAbsent(d.name(), r);
            else changes.computeIfAbsent(d.name(), n -> new ArrayList<>()).add(new ScramCredentialChange(d.name(), mechanism, null));
        }
        for (var u : request.upsertions()) {
            users.add(u.name());
            ScramMechanism mechanism = ScramMechanism.fromType(u.mechanism());
            Refusal r = common(u.name(), mechanism, duplicated);
            if (r == null) {
                try {
                    changes.computeIfAbsent(u.name(), n -> new ArrayList<>()).add(new ScramCredentialChange(u.name(), mechanism,
                            ScramCredentials.fromSaltedPassword(mechanism, u.salt(), u.saltedPassword(), u.iterations())));
                } catch (IllegalArgumentException unacceptable) {
                    r = new Refusal(Errors.UNACCEPTABLE_CREDENTIAL, unacceptable.getMessage());
                }
            }
            if (r != null) refused.putIfAbsent(u.name(), r);
        }
        List<ScramCredentialChange> accepted = new ArrayList<>();
        changes.forEach((user, list) -> {
            if (!refused.containsKey(user)) accepted.addAll(list);
        });
        Refusal failure = null;
        if (!accepted.isEmpty()) {
            try {
                store.apply(accepted);
            } catch (ApiException e) {
                failure = new Refusal(Errors.forException(e), e.getMessage());
            }
        }
        AlterUserScramCredentialsResponseData response = new AlterUserScramCredentialsResponseData();
        for (String user : users) {
            Refusal r = refused.containsKey(user) ? refused.get(user) : failure;
            response.results().add(new AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult()
                    .setUser(user).setErrorCode(r == null ? Errors.NONE.code() : r.error().code())
                    .setErrorMessage(r == null ? null : r.message()));
        }
        return CompletableFuture.completedFuture(response);
    }

    private static Refusal common(String user, ScramMechanism mechanism, Set<String> duplicated) {
        if (user == null || user.isEmpty()) return new Refusal(Errors.UNACCEPTABLE_CREDENTIAL, "Username must not be empty");
        if (mechanism == ScramMechanism.UNKNOWN) return new Refusal(Errors.UNSUPPORTED_SASL_MECHANISM, "Unknown SCRAM mechanism");
        if (duplicated.contains(user)) {
            return new Refusal(Errors.DUPLICATE_RESOURCE, "A user credential cannot be altered twice in the same request");
        }
        return null;
    }
}
