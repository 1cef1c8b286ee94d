package io.tributary.broker.api;

import io.tributary.broker.cluster.BrokerRegistration;
import io.tributary.broker.network.RequestContext;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * FindCoordinator for consumer groups (key type 0) and transactional ids (key type 1): the node
 * leading the key's partition of {@code __consumer_offsets} or {@code __transaction_state}, or
 * {@code COORDINATOR_NOT_AVAILABLE} while it has no leader. Share groups (key type 2) are answered
 * with {@code INVALID_REQUEST}: they are not offered.
 */
public final class FindCoordinatorHandler implements ApiHandler<FindCoordinatorRequestData> {
    private final Function<String, Optional<BrokerRegistration>> groupCoordinatorOf;
    private final Function<String, Optional<BrokerRegistration>> transactionCoordinatorOf;

    /** Each function answers the node coordinating a key, empty while there is none. */
    public FindCoordinatorHandler(Function<String, Optional<BrokerRegistration>> groupCoordinatorOf,
                                  Function<String, Optional<BrokerRegistration>> transactionCoordinatorOf) {
        this.groupCoordinatorOf = groupCoordinatorOf;
        this.transactionCoordinatorOf = transactionCoordinatorOf;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, FindCoordinatorRequestData request) {
        Function<String, Optional<BrokerRegistration>> lookup;
        String kind;
        if (request.keyType() == CoordinatorType.GROUP.id()) {
            lookup = groupCoordinatorOf;
            kind = "group";
        } else if (request.keyType() == CoordinatorType.TRANSACTION.id()) {
            lookup = transactionCoordinatorOf;
            kind = "transactional id";
        } else {
            lookup = null;
            kind = null;
        }
        FindCoordinatorResponseData response = new FindCoordinatorResponseData();
        List<String> keys = ctx.apiVersion() >= 4 ? request.coordinatorKeys() : List.of(request.key());
        for (String key : keys) {
            Errors error = Errors.NONE;
            String message = null;
            Optional<BrokerRegistration> node = Optional.empty();
            if (lookup == null) {
                error = Errors.INVALID_REQUEST;
                message = "Only group and transaction coordinators are offered (key type " + request.keyType() + ")";
            } else if (lookup == transactionCoordinatorOf && (key == null || key.isEmpty())) {
                error = Errors.INVALID_REQUEST;
                message = "The transactional id is empty";
            } else {
                try {
                    node = lookup.apply(key);
                    if (node.isEmpty()) {
                        error = Errors.COORDINATOR_NOT_AVAILABLE;
                        message = "The partition of " + kind + " " + key + " has no leader";
                    }
                } catch (RuntimeException e) {
                    error = Errors.COORDINATOR_NOT_AVAILABLE;
                    message = e.getMessage();
                }
            }
            // The coordinator's address on the listener this request came in on, as Kafka answers.
            Optional<BrokerRegistration.Endpoint> endpoint = node.flatMap(b -> b.endpoint(ctx.listenerName()));
            if (node.isPresent() && endpoint.isEmpty()) {
                error = Errors.COORDINATOR_NOT_AVAILABLE;
                message = "The coordinator of " + kind + " " + key + " (node " + node.get().nodeId()
                        + ") has no listener " + ctx.listenerName();
                node = Optional.empty();
            }
            int nodeId = node.map(BrokerRegistration::nodeId).orElse(-1);
            String host = endpoint.map(BrokerRegistration.Endpoint::host).orElse("");
            int port = endpoint.map(BrokerRegistration.Endpoint::port).orElse(-1);
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
