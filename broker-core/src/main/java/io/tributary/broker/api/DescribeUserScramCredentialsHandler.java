package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import io.tributary.broker.security.ScramCredentialStore;
import io.tributary.broker.security.StoredScramCredential;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeUserScramCredentials: each user's mechanisms and iteration counts (never salts or keys);
 * every user with a credential when the request names none. As Kafka: a user named twice is
 * {@code DUPLICATE_RESOURCE}, one without credentials {@code RESOURCE_NOT_FOUND}. Stateless apart
 * from the store; thread-safe.
 */
public final class DescribeUserScramCredentialsHandler implements ApiHandler<DescribeUserScramCredentialsRequestData> {
    private final ScramCredentialStore store;

    public DescribeUserScramCredentialsHandler(ScramCredentialStore store) {
        this.store = store;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, DescribeUserScramCredentialsRequestData request) {
        Map<String, Map<ScramMechanism, StoredScramCredential>> users = store.users();
        DescribeUserScramCredentialsResponseData response = new DescribeUserScramCredentialsResponseData();
        List<String> names = new ArrayList<>();
        boolean all = request.users() == null || request.users().isEmpty();
        if (all) names.addAll(users.keySet());
        else for (var u : request.users()) names.add(u.name());
        Map<String, Integer> counts = new HashMap<>();
        for (String n : names) counts.merge(n, 1, Integer::sum);
        List<String> answered = new ArrayList<>();
        for (String name : names) {
            if (answered.contains(name)) continue;
            answered.add(name);
            var result = new DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult().setUser(name);
            Map<ScramMechanism, StoredScramCredential> credentials = users.get(name);
            if (counts.get(name) > 1) {
                result.setErrorCode(Errors.DUPLICATE_RESOURCE.code())
                        .setErrorMessage("Cannot describe SCRAM credentials for the same user twice in a single request");
            } else if (credentials == null) {
                result.setErrorCode(Errors.RESOURCE_NOT_FOUND.code()).setErrorMessage("Attempt to describe nonexistent user.");
            } else {
                credentials.forEach((mechanism, c) -> result.credentialInfos().add(
                        new DescribeUserScramCredentialsResponseData.CredentialInfo().setMechanism(mechanism.type())
                                .setIterations(c.iterations())));
            }
            response.results().add(result);
        }
        return CompletableFuture.completedFuture(response);
    }
}
