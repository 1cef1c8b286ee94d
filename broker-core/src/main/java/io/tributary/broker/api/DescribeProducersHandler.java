package io.tributary.broker.api;

import io.tributary.broker.cluster.Replication;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.log.ProducerStateManager;
import io.tributary.broker.network.RequestContext;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.concurrent.CompletableFuture;

/**
 * DescribeProducers: the producers a partition's leader knows, with their epoch, last sequence,
 * last write, the epoch of the coordinator that last ended a transaction of theirs, and the first
 * offset of their open transaction (what {@code kafka-transactions describe-producers} and
 * {@code abort} read). A partition this node does not lead answers {@code NOT_LEADER_OR_FOLLOWER}.
 */
public final class DescribeProducersHandler implements ApiHandler<DescribeProducersRequestData> {
    private final Replication replication;

    public DescribeProducersHandler(Replication replication) {
        this.replication = replication;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, DescribeProducersRequestData request) {
        DescribeProducersResponseData response = new DescribeProducersResponseData();
        for (DescribeProducersRequestData.TopicRequest t : request.topics()) {
            DescribeProducersResponseData.TopicResponse tr = new DescribeProducersResponseData.TopicResponse().setName(t.name());
            for (int p : t.partitionIndexes()) {
                DescribeProducersResponseData.PartitionResponse pr =
                        new DescribeProducersResponseData.PartitionResponse().setPartitionIndex(p);
                try {
                    PartitionLog log = replication.leaderLog(new TopicPartition(t.name(), p), Replication.NO_EPOCH);
                    for (ProducerStateManager.ActiveProducer a : log.activeProducers()) {
                        pr.activeProducers().add(new DescribeProducersResponseData.ProducerState()
                                .setProducerId(a.producerId()).setProducerEpoch(a.epoch()).setLastSequence(a.lastSequence())
                                .setLastTimestamp(a.lastTimestamp()).setCoordinatorEpoch(a.coordinatorEpoch())
                                .setCurrentTxnStartOffset(a.currentTxnStartOffset()));
                    }
                } catch (RuntimeException e) {
                    Errors error = Errors.forException(e);
                    pr.setErrorCode(error.code()).setErrorMessage(e.getMessage());
                }
                tr.partitions().add(pr);
            }
            response.topics().add(tr);
        }
        return CompletableFuture.completedFuture(response);
    }
}
