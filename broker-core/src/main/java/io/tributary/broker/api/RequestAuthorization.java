package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import io.tributary.broker.network.RequestProcessor;
import io.tributary.broker.security.RequestAuthorizer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.server.authorizer.AuthorizationResult;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Authorizes a request as Kafka does, in two steps. First what the request as a whole needs
 * ({@link RequestActions}): a denial fails it with the authorization error Kafka answers for the
 * denied resource's type ({@code TRANSACTIONAL_ID_AUTHORIZATION_FAILED},
 * {@code GROUP_AUTHORIZATION_FAILED}, {@code CLUSTER_AUTHORIZATION_FAILED},
 * {@code TOPIC_AUTHORIZATION_FAILED} naming the topics); an idempotent InitProducerId needs
 * IDEMPOTENT_WRITE on the cluster or WRITE on some topic. Then what Kafka answers per resource
 * ({@link PartialAuthorization}): denied resources are taken out of the request and answered with
 * their error next to the handler's answers for the others. A denied {@code acks=0} Produce, which
 * gets no response, closes the connection instead, as Kafka does, so the producer notices.
 * Immutable; thread-safe if the authorizer is.
 */
final class RequestAuthorization {
    private final RequestAuthorizer authorizer;
    private final Function<Uuid, Optional<String>> topicNames;
    private final Predicate<String> topicExists;
    private final boolean autoCreateTopics;

    RequestAuthorization(RequestAuthorizer authorizer, Function<Uuid, Optional<String>> topicNames,
                         Predicate<String> topicExists, boolean autoCreateTopics) {
        this.authorizer = authorizer;
        this.topicNames = topicNames;
        this.topicExists = topicExists;
        this.autoCreateTopics = autoCreateTopics;
    }

    /**
     * Authorizes {@code request} (narrowing it to what the principal may touch) and returns what
     * completes the handler's response with the answers for what was taken out, or the answer
     * itself when the handler is not to run.
     *
     * @throws AuthorizationException when the request as a whole is denied
     * @throws RequestProcessor.ConnectionCloseException when it is denied and expects no response
     */
    PartialAuthorization.Outcome authorize(RequestContext ctx, ApiKeys key, ApiMessage request) {
        Map<ResourcePattern, Map<AclOperation, Boolean>> decisions = new HashMap<>();
        PartialAuthorization.Check check = (operation, type, name) -> decisions
                .computeIfAbsent(new ResourcePattern(type, name, PatternType.LITERAL), r -> new HashMap<>())
                .computeIfAbsent(operation, op -> authorizer.authorize(ctx, op,
                        new ResourcePattern(type, name, PatternType.LITERAL)) == AuthorizationResult.ALLOWED);
        List<RequestActions.Action> actions = RequestActions.of(key, ctx.apiVersion(), request);
        Set<String> deniedTopics = new LinkedHashSet<>();
        RequestActions.Action firstDenied = null;
        for (RequestActions.Action a : actions) {
            if (check.allowed(a.operation(), a.resource().resourceType(), a.resource().name())) continue;
            if (firstDenied == null) firstDenied = a;
            if (a.resource().resourceType() == ResourceType.TOPIC) deniedTopics.add(a.resource().name());
        }
        if (firstDenied != null) throw denial(ctx, key, request, firstDenied, deniedTopics);
        if (request instanceof InitProducerIdRequestData r && r.transactionalId() == null
                && !check.allowed(AclOperation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, RequestActions.CLUSTER.name())
                && authorizer.authorizeByResourceType(ctx, AclOperation.WRITE, ResourceType.TOPIC) != AuthorizationResult.ALLOWED) {
            throw new ClusterAuthorizationException(who(ctx) + " is not authorized: an idempotent producer needs"
                    + " IDEMPOTENT_WRITE on the cluster or WRITE on a topic");
        }
        return new PartialAuthorization(check, topicNames, topicExists, autoCreateTopics)
                .narrow(key, ctx.apiVersion(), request);
    }

    private static String who(RequestContext ctx) {
        return ctx.principal() + " from " + (ctx.clientHost().isEmpty() ? "an unknown host" : ctx.clientHost());
    }

    private static RuntimeException denial(RequestContext ctx, ApiKeys key, ApiMessage request,
                                           RequestActions.Action first, Set<String> deniedTopics) {
        ResourceType type = first.resource().resourceType();
        String what = key + " needs " + first.operation() + " on " + type + " " + first.resource().name();
        if (request instanceof ProduceRequestData produce && produce.acks() == 0) {
            return new RequestProcessor.ConnectionCloseException(who(ctx) + " is not authorized (acks=0 produce): " + what);
        }
        return switch (type) {
            case TOPIC -> new TopicAuthorizationException(who(ctx) + " is not authorized to access topics " + deniedTopics,
                    deniedTopics);
            case GROUP -> new GroupAuthorizationException(who(ctx) + " is not authorized: " + what, first.resource().name());
            case TRANSACTIONAL_ID -> new TransactionalIdAuthorizationException(who(ctx) + " is not authorized: " + what);
            default -> new ClusterAuthorizationException(who(ctx) + " is not authorized: " + what);
        };
    }
}
