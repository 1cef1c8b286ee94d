package io.tributary.broker.security;

import io.tributary.broker.network.RequestContext;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.server.authorizer.AuthorizationResult;

/**
 * Decides whether a request may perform an operation on a resource, shaped as Kafka's
 * {@code Authorizer}: the context gives the principal ({@link RequestContext#principal()}), the
 * host ({@link RequestContext#clientHost()}) and the listener; the operation is an
 * {@link AclOperation}; the resource a type and a literal name ({@code TOPIC orders},
 * {@code GROUP billing}, {@code CLUSTER kafka-cluster}).
 *
 * <p>{@code RequestDispatcher} calls it in exactly one place, for every resource a request names,
 * before the request's handler runs; a denial answers the request with the authorization error of
 * the resource's type. {@link #ALLOW_ALL} until ACLs exist. Implementations must be thread-safe
 * and must not block: they run on the I/O threads.
 */
@FunctionalInterface
public interface RequestAuthorizer {
    RequestAuthorizer ALLOW_ALL = (context, operation, resource) -> AuthorizationResult.ALLOWED;

    AuthorizationResult authorize(RequestContext context, AclOperation operation, ResourcePattern resource);
}
