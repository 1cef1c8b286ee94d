package io.tributary.broker.security;

import io.tributary.broker.network.RequestContext;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.server.authorizer.AuthorizationResult;

/**
 * Decides whether a request may perform an operation on a resource, shaped as Kafka's
 * {@code Authorizer}: the context gives the principal ({@link RequestContext#principal()}), the
 * host ({@link RequestContext#clientHost()}) and the listener; the operation is an
 * {@link AclOperation}; the resource a type and a literal name ({@code TOPIC orders},
 * {@code GROUP billing}, {@code CLUSTER kafka-cluster}).
 *
 * <p>{@code RequestDispatcher} calls it from one place, for every resource a request names,
 * before the request's handler runs: a denial of what the request as a whole needs answers it
 * with the authorization error of the resource's type, a denied resource among others is answered
 * with that error while the others are served, as Kafka does. {@link #ALLOW_ALL} when no
 * authorizer is configured; {@link AclAuthorizer} is the built-in one. Implementations must be
 * thread-safe and must not block: they run on the I/O threads.
 */
@FunctionalInterface
public interface RequestAuthorizer {
    RequestAuthorizer ALLOW_ALL = (context, operation, resource) -> AuthorizationResult.ALLOWED;

    AuthorizationResult authorize(RequestContext context, AclOperation operation, ResourcePattern resource);

    /**
     * Whether the request may do {@code operation} on at least one resource of {@code type}, as
     * Kafka's {@code Authorizer.authorizeByResourceType} (an idempotent producer needs
     * IDEMPOTENT_WRITE on the cluster or WRITE on some topic). By default: on the wildcard name.
     */
    default AuthorizationResult authorizeByResourceType(RequestContext context, AclOperation operation,
                                                        ResourceType type) {
        return authorize(context, operation, new ResourcePattern(type, ResourcePattern.WILDCARD_RESOURCE,
                PatternType.LITERAL));
    }
}
