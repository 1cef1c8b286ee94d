package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import io.tributary.broker.topic.TopicManager;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.concurrent.CompletableFuture;

/** DeleteRecords: moves each partition's log start offset; answers with the new low watermark. */
public final class DeleteRecordsHandler implements ApiHandler<DeleteRecordsRequestData> {
    private final TopicManager topics;

    private final io.tributary.broker.cluster.Replication replication;

    public DeleteRecordsHandler(TopicManager topics, io.tributary.broker.cluster.Replication replication) {
        this.topics = topics;
        this.replication = replication;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, DeleteRecordsRequestData request) {
        DeleteRecordsResponseData response = new DeleteRecordsResponseData();
        for (DeleteRecordsRequestData.DeleteRecordsTopic t : request.topics()) {
            DeleteRecordsTopicResult tr = new DeleteRecordsTopicResult().setName(t.name());
            for (DeleteRecordsRequestData.DeleteRecordsPartition p : t.partitions()) {
                DeleteRecordsPartitionResult pr = new DeleteRecordsPartitionResult().setPartitionIndex(p.partitionIndex())
                        .setLowWatermark(-1);
                try {
                    long low = replication.leaderLog(new TopicPartition(t.name(), p.partitionIndex()),
                            io.tributary.broker.cluster.Replication.NO_EPOCH).deleteRecordsBefore(p.offset());
                    pr.setLowWatermark(low);
                } catch (RuntimeException e) {
                    pr.setErrorCode(Errors.forException(e).code());
                }
                tr.partitions().add(pr);
            }
            response.topics().add(tr);
        }
        return CompletableFuture.completedFuture(response);
    }
}
