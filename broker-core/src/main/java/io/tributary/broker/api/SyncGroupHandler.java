package io.tributary.broker.api;

import io.tributary.broker.group.GroupCoordinator;
import io.tributary.broker.network.RequestContext;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiMessage;

import java.util.concurrent.CompletableFuture;

/** SyncGroup: the leader hands in the assignment; every member waits for its share. */
public final class SyncGroupHandler implements ApiHandler<SyncGroupRequestData> {
    private final GroupCoordinator coordinator;

    public SyncGroupHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, SyncGroupRequestData request) {
        return coordinator.sync(request).thenApply(r -> {
            if (ctx.apiVersion() < 5) r.setProtocolType(null).setProtocolName(null);
            return r;
        });
    }
}
