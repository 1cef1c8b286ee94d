package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * FindCoordinator: this node coordinates every consumer group. Transaction and share-group
 * coordinators are answered with {@code INVALID_REQUEST}: those features are not offered.
 */
public final class FindCoordinatorHandler implements ApiHandler<FindCoordinatorRequestData> {
    private final Supplier<ClusterView> cluster;

    public FindCoordinatorHandler(Supplier<ClusterView> cluster) {
        this.cluster = cluster;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, FindCoordinatorRequestData request) {
        ClusterView c = cluster.get();
        boolean groups = request.keyType() == FindCoordinatorRequest.CoordinatorType.GROUP.id();
        Errors error = groups ? Errors.NONE : Errors.INVALID_REQUEST;
        String message = groups ? null : "Only consumer group coordinators are offered (key type " + request.keyType() + ")";
        FindCoordinatorResponseData response = new FindCoordinatorResponseData();
        if (ctx.apiVersion() >= 4) {
            for (String key : request.coordinatorKeys()) {
                response.coordinators().add(new FindCoordinatorResponseData.Coordinator().setKey(key)
                        .setNodeId(groups ? c.nodeId() : -1).setHost(groups ? c.host() : "").setPort(groups ? c.port() : -1)
                        .setErrorCode(error.code()).setErrorMessage(message));
            }
        } else {
            response.setErrorCode(error.code()).setErrorMessage(ctx.apiVersion() >= 1 ? message : null)
                    .setNodeId(groups ? c.nodeId() : -1).setHost(groups ? c.host() : "").setPort(groups ? c.port() : -1);
        }
        return CompletableFuture.completedFuture(response);
    }

}
