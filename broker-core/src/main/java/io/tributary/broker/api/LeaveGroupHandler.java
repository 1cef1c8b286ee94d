package io.tributary.broker.api;

import io.tributary.broker.group.GroupCoordinator;
import io.tributary.broker.network.RequestContext;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** LeaveGroup: one member (v0–2) or a batch of members by member or instance id (v3+). */
public final class LeaveGroupHandler implements ApiHandler<LeaveGroupRequestData> {
    private final GroupCoordinator coordinator;

    public LeaveGroupHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, LeaveGroupRequestData request) {
        LeaveGroupResponseData response = new LeaveGroupResponseData();
        if (ctx.apiVersion() < 3) {
            List<Errors> r = coordinator.leave(request.groupId(), List.<String[]>of(new String[]{request.memberId(), null}));
            return CompletableFuture.completedFuture(response.setErrorCode(r.get(0).code()));
        }
        List<String[]> ids = new ArrayList<>();
        request.members().forEach(m -> ids.add(new String[]{m.memberId(), m.groupInstanceId()}));
        List<Errors> results = coordinator.leave(request.groupId(), ids);
        for (int i = 0; i < ids.size(); i++) {
            response.members().add(new LeaveGroupResponseData.MemberResponse().setMemberId(ids.get(i)[0])
                    .setGroupInstanceId(ids.get(i)[1]).setErrorCode(results.get(i).code()));
        }
        return CompletableFuture.completedFuture(response);
    }
}
