package io.tributary.broker.api;

import io.tributary.broker.group.GroupCoordinator;
import io.tributary.broker.network.RequestContext;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.concurrent.CompletableFuture;

/** DescribeGroups: state, protocol and members (with metadata and assignment) of each group. */
public final class DescribeGroupsHandler implements ApiHandler<DescribeGroupsRequestData> {
    private static final int AUTHORIZED_OPERATIONS_OMITTED = Integer.MIN_VALUE;
    private final GroupCoordinator coordinator;

    public DescribeGroupsHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, DescribeGroupsRequestData request) {
        short version = ctx.apiVersion();
        DescribeGroupsResponseData response = new DescribeGroupsResponseData();
        for (String groupId : request.groups()) {
            DescribeGroupsResponseData.DescribedGroup g = new DescribeGroupsResponseData.DescribedGroup().setGroupId(groupId)
                    .setAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
            coordinator.describe(groupId).ifPresentOrElse(s -> {
                g.setGroupState(s.state()).setProtocolType(s.protocolType()).setProtocolData(s.protocol());
                for (GroupCoordinator.MemberSummary m : s.members()) {
                    g.members().add(new DescribeGroupsResponseData.DescribedGroupMember().setMemberId(m.memberId())
                            .setGroupInstanceId(version >= 4 ? m.groupInstanceId() : null).setClientId(m.clientId())
                            .setClientHost(m.clientHost()).setMemberMetadata(m.metadata()).setMemberAssignment(m.assignment()));
                }
            }, () -> {
                g.setGroupState("Dead").setProtocolType("").setProtocolData("");
                if (version >= 6) g.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code()).setErrorMessage("Group " + groupId + " not found.");
            });
            response.groups().add(g);
        }
        return CompletableFuture.completedFuture(response);
    }
}
