package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import io.tributary.broker.network.RequestProcessor;
import io.tributary.broker.security.RequestAuthorizer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.server.authorizer.AuthorizationResult;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Asks the {@link RequestAuthorizer} about every action of a request ({@link RequestActions}) and
 * turns a denial into the authorization error Kafka answers for the denied resource's type:
 * {@code TOPIC_AUTHORIZATION_FAILED} (naming every denied topic), {@code GROUP_AUTHORIZATION_FAILED},
 * {@code TRANSACTIONAL_ID_AUTHORIZATION_FAILED} or {@code CLUSTER_AUTHORIZATION_FAILED}. Today a
 * denial fails the whole request; answering the allowed resources and failing only the denied
 * ones, as Kafka does, comes with ACLs. A denied {@code acks=0} Produce, which gets no response,
 * closes the connection instead, as Kafka does, so the producer notices. Immutable; thread-safe if
 * the authorizer is.
 */
final class RequestAuthorization {
    private final RequestAuthorizer authorizer;
    private final Function<Uuid, Optional<String>> topicNames;

    RequestAuthorization(RequestAuthorizer authorizer, Function<Uuid, Optional<String>> topicNames) {
        this.authorizer = authorizer;
        this.topicNames = topicNames;
    }

    /**
     * @throws AuthorizationException when any action of {@code request} is denied
     * @throws RequestProcessor.ConnectionCloseException when it is denied and expects no response
     */
    void check(RequestContext ctx, ApiKeys key, ApiMessage request) {
        List<RequestActions.Action> denied = new ArrayList<>();
        for (RequestActions.Action a : RequestActions.of(key, request, topicNames)) {
            if (authorizer.authorize(ctx, a.operation(), a.resource()) != AuthorizationResult.ALLOWED) denied.add(a);
        }
        if (denied.isEmpty()) return;
        RequestActions.Action first = denied.get(0);
        ResourceType type = first.resource().resourceType();
        String who = ctx.principal() + " from " + (ctx.clientHost().isEmpty() ? "an unknown host" : ctx.clientHost());
        String what = key + " needs " + first.operation() + " on " + type + " " + first.resource().name();
        if (request instanceof ProduceRequestData produce && produce.acks() == 0) {
            throw new RequestProcessor.ConnectionCloseException(who + " is not authorized (acks=0 produce): " + what);
        }
        switch (type) {
            case TOPIC -> {
                Set<String> topics = new LinkedHashSet<>();
                for (RequestActions.Action a : denied) {
                    if (a.resource().resourceType() == ResourceType.TOPIC) topics.add(a.resource().name());
                }
                throw new TopicAuthorizationException(who + " is not authorized to access topics " + topics, topics);
            }
            case GROUP -> throw new GroupAuthorizationException(who + " is not authorized: " + what, first.resource().name());
            case TRANSACTIONAL_ID -> throw new TransactionalIdAuthorizationException(who + " is not authorized: " + what);
            default -> throw new ClusterAuthorizationException(who + " is not authorized: " + what);
        }
    }
}
