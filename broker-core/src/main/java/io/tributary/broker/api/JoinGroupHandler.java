package io.tributary.broker.api;

import io.tributary.broker.group.GroupCoordinator;
import io.tributary.broker.network.RequestContext;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.protocol.ApiMessage;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/** JoinGroup: parks until the group's rebalance completes (see {@link GroupCoordinator}). */
public final class JoinGroupHandler implements ApiHandler<JoinGroupRequestData> {
    private final GroupCoordinator coordinator;

    public JoinGroupHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, JoinGroupRequestData request) {
        if (ctx.apiVersion() == 0) request.setRebalanceTimeoutMs(request.sessionTimeoutMs());
        String host = ctx.clientAddress() instanceof InetSocketAddress a ? "/" + a.getAddress().getHostAddress() : "";
        return coordinator.join(request, ctx.clientId(), host, ctx.apiVersion()).thenApply(r -> {
            if (ctx.apiVersion() < 7) r.setProtocolType(null);
            if (ctx.apiVersion() < 9) r.setSkipAssignment(false);
            if (ctx.apiVersion() < 5) r.members().forEach(m -> m.setGroupInstanceId(null));
            if (r.protocolName() == null && ctx.apiVersion() < 7) r.setProtocolName("");
            return r;
        });
    }
}
