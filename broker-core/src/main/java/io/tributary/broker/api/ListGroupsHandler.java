package io.tributary.broker.api;

import io.tributary.broker.group.GroupCoordinator;
import io.tributary.broker.network.RequestContext;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;

import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/** ListGroups: every group, optionally filtered by state (v4+) and type (v5+; all are classic). */
public final class ListGroupsHandler implements ApiHandler<ListGroupsRequestData> {
    private final GroupCoordinator coordinator;

    public ListGroupsHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, ListGroupsRequestData request) {
        short version = ctx.apiVersion();
        Set<String> states = request.statesFilter().stream().map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        Set<String> types = request.typesFilter().stream().map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        ListGroupsResponseData response = new ListGroupsResponseData();
        for (GroupCoordinator.GroupSummary g : coordinator.list()) {
            if (!states.isEmpty() && !states.contains(g.state().toLowerCase(Locale.ROOT))) continue;
            if (!types.isEmpty() && !types.contains("classic")) continue;
            ListGroupsResponseData.ListedGroup lg = new ListGroupsResponseData.ListedGroup().setGroupId(g.groupId())
                    .setProtocolType(g.protocolType());
            if (version >= 4) lg.setGroupState(g.state());
            if (version >= 5) lg.setGroupType("classic");
            response.groups().add(lg);
        }
        return CompletableFuture.completedFuture(response);
    }
}
