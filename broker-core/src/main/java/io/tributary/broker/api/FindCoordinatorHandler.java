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
    private final java.util.function.Function<String, java.util.Optional<io.tributary.broker.cluster.BrokerRegistration>> coordinatorOf;

    /** {@code coordinatorOf} answers the node coordinating a group, empty while there is none. */
    public FindCoordinatorHandler(
            java.util.function.Function<String, java.util.Optional<io.tributary.broker.cluster.BrokerRegistration>> coordinatorOf) {
        this.coordinatorOf = coordinatorOf;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, FindCoordinatorRequestData request) {
        boolean groups = request.keyType() == FindCoordinatorRequest.CoordinatorType.GROUP.id();
        FindCoordinatorResponseData response = new FindCoordinatorResponseData();
        java.util.List<String> keys = ctx.apiVersion() >= 4 ? request.coordinatorKeys() : java.util.List.of(request.key());
        for (String key : keys) {
            Errors error = Errors.NONE;
            String message = null;
            java.util.Optional<io.tributary.broker.cluster.BrokerRegistration> node = java.util.Optional.empty();
            if (!groups) {
                error = Errors.INVALID_REQUEST;
                message = "Only consumer group coordinators are offered (key type " + request.keyType() + ")";
            } else {
                try {
                    node = coordinatorOf.apply(key);
                    if (node.isEmpty()) {
                        error = Errors.COORDINATOR_NOT_AVAILABLE;
                        message = "The offsets partition of group " + key + " has no leader";
                    }
                } catch (RuntimeException e) {
                    error = Errors.COORDINATOR_NOT_AVAILABLE;
                    message = e.getMessage();
                }
            }
            int nodeId = node.map(io.tributary.broker.cluster.BrokerRegistration::nodeId).orElse(-1);
            String host = node.map(io.tributary.broker.cluster.BrokerRegistration::host).orElse("");
            int port = node.map(io.tributary.broker.cluster.BrokerRegistration::port).orElse(-1);
            if (ctx.apiVersion() >= 4) {
                response.coordinators().add(new FindCoordinatorResponseData.Coordinator().setKey(key)
                        .setNodeId(nodeId).setHost(host).setPort(port).setErrorCode(error.code()).setErrorMessage(message));
            } else {
                response.setErrorCode(error.code()).setErrorMessage(ctx.apiVersion() >= 1 ? message : null)
                        .setNodeId(nodeId).setHost(host).setPort(port);
            }
        }
        return CompletableFuture.completedFuture(response);
    }

}
