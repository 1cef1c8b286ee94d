package io.tributary.broker.api;

import io.tributary.broker.group.GroupCoordinator;
import io.tributary.broker.network.RequestContext;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;

import java.util.concurrent.CompletableFuture;

/** DeleteGroups: deletes empty groups and their offsets ({@code NON_EMPTY_GROUP} otherwise). */
public final class DeleteGroupsHandler implements ApiHandler<DeleteGroupsRequestData> {
    private final GroupCoordinator coordinator;

    public DeleteGroupsHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, DeleteGroupsRequestData request) {
        DeleteGroupsResponseData response = new DeleteGroupsResponseData();
        for (String groupId : request.groupsNames()) {
            response.results().add(new DeleteGroupsResponseData.DeletableGroupResult().setGroupId(groupId)
                    .setErrorCode(coordinator.delete(groupId).code()));
        }
        return CompletableFuture.completedFuture(response);
    }
}
