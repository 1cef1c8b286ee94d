package io.tributary.broker.api;

import io.tributary.broker.group.GroupCoordinator;
import io.tributary.broker.network.RequestContext;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.protocol.ApiMessage;

import java.util.concurrent.CompletableFuture;

/** Heartbeat: keeps a member's session alive and tells it when to rejoin. */
public final class HeartbeatHandler implements ApiHandler<HeartbeatRequestData> {
    private final GroupCoordinator coordinator;

    public HeartbeatHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, HeartbeatRequestData request) {
        return CompletableFuture.completedFuture(new HeartbeatResponseData().setErrorCode(coordinator.heartbeat(
                request.groupId(), request.memberId(), request.groupInstanceId(), request.generationId()).code()));
    }
}
