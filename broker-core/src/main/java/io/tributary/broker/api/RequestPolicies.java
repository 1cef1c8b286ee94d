package io.tributary.broker.api;

import io.tributary.broker.quota.ThrottlePolicy;
import io.tributary.broker.security.RequestAuthorizer;

/**
 * The per-request policies the {@link RequestDispatcher} applies: authorization before a handler
 * runs, throttling of its response. {@link #DEFAULTS} allows everything and throttles nothing.
 */
public record RequestPolicies(RequestAuthorizer authorizer, ThrottlePolicy throttle) {
    public static final RequestPolicies DEFAULTS = new RequestPolicies(RequestAuthorizer.ALLOW_ALL, ThrottlePolicy.NONE);
}
