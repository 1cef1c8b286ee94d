package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.EnumSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * DescribeCluster: the cluster id and this node, which is also the controller. Only the broker
 * endpoint type (1) is served; asking a broker for controllers (2) is
 * {@code MISMATCHED_ENDPOINT_TYPE} and any other type {@code UNSUPPORTED_ENDPOINT_TYPE}, as in
 * Kafka. With no authorizer every cluster operation is allowed, so when the client asks for the
 * authorized operations it gets all of them.
 */
public final class DescribeClusterHandler implements ApiHandler<DescribeClusterRequestData> {
    private static final byte BROKERS = 1;
    private static final byte CONTROLLERS = 2;
    private static final EnumSet<AclOperation> CLUSTER_OPERATIONS = EnumSet.of(AclOperation.ALTER,
            AclOperation.ALTER_CONFIGS, AclOperation.CLUSTER_ACTION, AclOperation.CREATE, AclOperation.DESCRIBE,
            AclOperation.DESCRIBE_CONFIGS, AclOperation.IDEMPOTENT_WRITE);

    private final Supplier<ClusterView> view;

    /** {@code view} is read per request: the advertised port is known only once the listener is bound. */
    private final io.tributary.broker.cluster.Replication replication;

    public DescribeClusterHandler(Supplier<ClusterView> view, io.tributary.broker.cluster.Replication replication) {
        this.view = view;
        this.replication = replication;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, DescribeClusterRequestData request) {
        short version = ctx.apiVersion();
        ClusterView cluster = view.get();
        DescribeClusterResponseData response = new DescribeClusterResponseData()
                .setClusterId(cluster.clusterId());
        byte endpointType = version >= 1 ? request.endpointType() : BROKERS;
        if (endpointType != BROKERS) {
            Errors error = endpointType == CONTROLLERS ? Errors.MISMATCHED_ENDPOINT_TYPE : Errors.UNSUPPORTED_ENDPOINT_TYPE;
            String message = endpointType == CONTROLLERS
                    ? "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER"
                    : "Unsupported endpoint type " + endpointType;
            if (version >= 1) response.setEndpointType(endpointType);
            return CompletableFuture.completedFuture(response.setErrorCode(error.code()).setErrorMessage(message));
        }
        response.setErrorMessage(null).setControllerId(replication.controllerId());
        if (version >= 1) response.setEndpointType(BROKERS);
        for (io.tributary.broker.cluster.BrokerRegistration b : replication.liveBrokers()) {
            b.endpoint(ctx.listenerName()).ifPresent(e -> response.brokers().add(new DescribeClusterBroker()
                    .setBrokerId(b.nodeId()).setHost(e.host()).setPort(e.port()).setRack(null)));
        }
        if (request.includeClusterAuthorizedOperations()) {
            int bits = 0;
            for (AclOperation op : CLUSTER_OPERATIONS) bits |= 1 << op.code();
            response.setClusterAuthorizedOperations(bits);
        }
        return CompletableFuture.completedFuture(response);
    }
}
