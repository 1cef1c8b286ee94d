package io.tributary.broker.api;

import io.tributary.broker.group.CoordinatorLocator;
import io.tributary.broker.network.RequestContext;
import org.apache.kafka.common.protocol.ApiMessage;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/**
 * Puts a group API behind the coordinator check: a request naming a group this node does not
 * coordinate is answered {@code NOT_COORDINATOR} (the API's own error response, built by the
 * dispatcher), and the client looks the coordinator up again. Stateless; thread-safe.
 */
public final class GroupGate<T extends ApiMessage> implements ApiHandler<T> {
    private final ApiHandler<T> handler;
    private final CoordinatorLocator locator;
    private final BiFunction<T, Short, List<String>> groups;

    private GroupGate(ApiHandler<T> handler, CoordinatorLocator locator, BiFunction<T, Short, List<String>> groups) {
        this.handler = handler;
        this.locator = locator;
        this.groups = groups;
    }

    /** {@code groups} names the groups a request (at an API version) is about. */
    public static <T extends ApiMessage> ApiHandler<T> gate(ApiHandler<T> handler, CoordinatorLocator locator,
                                                           BiFunction<T, Short, List<String>> groups) {
        return new GroupGate<>(handler, locator, groups);
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, T request) {
        for (String group : groups.apply(request, ctx.apiVersion())) locator.check(group);
        return handler.handle(ctx, request);
    }
}
