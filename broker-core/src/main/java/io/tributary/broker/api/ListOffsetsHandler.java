package io.tributary.broker.api;

import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.network.RequestContext;
import io.tributary.broker.topic.TopicManager;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.requests.ListOffsetsRequest;

import java.util.concurrent.CompletableFuture;

/**
 * ListOffsets: earliest ({@code -2}), latest ({@code -1}), the record with the largest timestamp
 * ({@code -3}), earliest local ({@code -4}), or the first offset whose record timestamp is at or
 * after a given time. Offset {@code -1} with timestamp {@code -1} means no such record.
 */
public final class ListOffsetsHandler implements ApiHandler<ListOffsetsRequestData> {
    private final TopicManager topics;

    private final io.tributary.broker.cluster.Replication replication;

    public ListOffsetsHandler(TopicManager topics, io.tributary.broker.cluster.Replication replication) {
        this.topics = topics;
        this.replication = replication;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, ListOffsetsRequestData request) {
        ListOffsetsResponseData response = new ListOffsetsResponseData();
        for (ListOffsetsRequestData.ListOffsetsTopic t : request.topics()) {
            ListOffsetsTopicResponse tr = new ListOffsetsTopicResponse().setName(t.name());
            for (ListOffsetsRequestData.ListOffsetsPartition p : t.partitions()) {
                ListOffsetsPartitionResponse pr = new ListOffsetsPartitionResponse().setPartitionIndex(p.partitionIndex())
                        .setTimestamp(-1).setOffset(-1).setLeaderEpoch(-1);
                try {
                    TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
                    PartitionLog log = replication.leaderLog(tp, p.currentLeaderEpoch());
                    lookup(log, p.timestamp(), pr);
                    if (pr.leaderEpoch() == 0) pr.setLeaderEpoch(replication.leaderEpoch(tp));
                    if (ctx.apiVersion() < 4) pr.setLeaderEpoch(-1); // no leader epoch field before v4
                } catch (RuntimeException e) {
                    pr.setErrorCode(Errors.forException(e).code());
                }
                tr.partitions().add(pr);
            }
            response.topics().add(tr);
        }
        return CompletableFuture.completedFuture(response);
    }

    private static void lookup(PartitionLog log, long timestamp, ListOffsetsPartitionResponse pr) {
        pr.setLeaderEpoch(0);
        if (timestamp == ListOffsetsRequest.EARLIEST_TIMESTAMP || timestamp == ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP) {
            pr.setOffset(log.logStartOffset());
        } else if (timestamp == ListOffsetsRequest.LATEST_TIMESTAMP) {
            pr.setOffset(log.highWatermark());
        } else if (timestamp == ListOffsetsRequest.MAX_TIMESTAMP) {
            FileRecords.TimestampAndOffset max = log.maxTimestampAndOffset();
            if (max != null) pr.setOffset(max.offset).setTimestamp(max.timestamp);
        } else if (timestamp >= 0) {
            FileRecords.TimestampAndOffset found = log.offsetForTimestamp(timestamp);
            if (found != null) pr.setOffset(found.offset).setTimestamp(found.timestamp);
        } else {
            pr.setLeaderEpoch(-1);
        }
    }
}
