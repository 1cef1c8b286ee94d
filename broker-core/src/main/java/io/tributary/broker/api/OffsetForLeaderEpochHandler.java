package io.tributary.broker.api;

import io.tributary.broker.cluster.Replication;
import io.tributary.broker.log.EpochEndOffset;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.network.RequestContext;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * OffsetForLeaderEpoch: for each partition this node leads, the largest epoch at or below the one
 * asked for and the offset where it ended (the start of the next epoch, or the log end offset for
 * the current one). Consumers use it to detect a log that was truncated under them after a
 * leader change; followers use the same lookup through the replication channel.
 */
public final class OffsetForLeaderEpochHandler implements ApiHandler<OffsetForLeaderEpochRequestData> {
    private final Replication replication;

    public OffsetForLeaderEpochHandler(Replication replication) {
        this.replication = replication;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, OffsetForLeaderEpochRequestData request) {
        OffsetForLeaderEpochResponseData response = new OffsetForLeaderEpochResponseData();
        for (OffsetForLeaderEpochRequestData.OffsetForLeaderTopic t : request.topics()) {
            OffsetForLeaderTopicResult tr = new OffsetForLeaderTopicResult().setTopic(t.topic());
            for (OffsetForLeaderEpochRequestData.OffsetForLeaderPartition p : t.partitions()) {
                OffsetForLeaderEpochResponseData.EpochEndOffset out = new OffsetForLeaderEpochResponseData.EpochEndOffset()
                        .setPartition(p.partition()).setLeaderEpoch(-1).setEndOffset(-1);
                try {
                    TopicPartition tp = new TopicPartition(t.topic(), p.partition());
                    PartitionLog log = replication.leaderLog(tp, p.currentLeaderEpoch());
                    Optional<EpochEndOffset> end = log.endOffsetForEpoch(p.leaderEpoch());
                    end.ifPresent(e -> out.setLeaderEpoch(e.epoch()).setEndOffset(e.endOffset()));
                } catch (RuntimeException e) {
                    out.setErrorCode(Errors.forException(e).code());
                }
                tr.partitions().add(out);
            }
            response.topics().add(tr);
        }
        return CompletableFuture.completedFuture(response);
    }
}
