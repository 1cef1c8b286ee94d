package io.tributary.broker.api;

import io.tributary.broker.cluster.Replication;
import io.tributary.broker.log.EpochEntry;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.network.RequestContext;
import io.tributary.broker.topic.TopicManager;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OffsetNotAvailableException;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.requests.ListOffsetsRequest;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * ListOffsets, answered by the partition's leader as Kafka's {@code Partition.fetchOffsetForTimestamp}
 * does for a consumer: earliest ({@code -2}) and earliest local ({@code -4}) are the log start
 * offset; latest ({@code -1}) is the high watermark ({@code read_uncommitted}) or the last stable
 * offset ({@code read_committed}, which also sees no timestamp lookup at or above it); the largest timestamp ({@code -3}) and a
 * timestamp are the record found, with the leader epoch of its batch, but only below the high
 * watermark (at or above it the answer is offset and timestamp {@code -1}, "no such record", as
 * for a log without one).
 *
 * <p>A leader whose high watermark is still below the start offset of its own leader epoch (just
 * elected, not yet sure what its predecessor committed) answers latest with
 * {@code OFFSET_NOT_AVAILABLE}, and so a timestamp or largest-timestamp lookup that finds nothing
 * below the high watermark ({@code LEADER_NOT_AVAILABLE} before v5, as Kafka): the client retries.
 * On a leader the latest epoch of its log is its own, recorded when it took over.
 */
public final class ListOffsetsHandler implements ApiHandler<ListOffsetsRequestData> {
    private final TopicManager topics;
    private final Replication replication;

    public ListOffsetsHandler(TopicManager topics, Replication replication) {
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
                    lookup(tp, log, p.timestamp(), pr, request.isolationLevel() == IsolationLevel.READ_COMMITTED.id());
                    if (ctx.apiVersion() < 4) pr.setLeaderEpoch(-1); // no leader epoch field before v4
                } catch (OffsetNotAvailableException e) {
                    pr.setTimestamp(-1).setOffset(-1).setLeaderEpoch(-1).setErrorCode(ctx.apiVersion() >= 5
                            ? Errors.OFFSET_NOT_AVAILABLE.code() : Errors.LEADER_NOT_AVAILABLE.code());
                } catch (RuntimeException e) {
                    pr.setErrorCode(Errors.forException(e).code());
                }
                tr.partitions().add(pr);
            }
            response.topics().add(tr);
        }
        return CompletableFuture.completedFuture(response);
    }

    private void lookup(TopicPartition tp, PartitionLog log, long timestamp, ListOffsetsPartitionResponse pr,
                        boolean readCommitted) {
        long highWatermark = log.highWatermark();
        long fetchable = readCommitted ? log.lastStableOffset() : highWatermark;
        List<EpochEntry> epochs = log.leaderEpochCache().entries();
        EpochEntry latest = epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
        boolean lagging = latest != null && latest.startOffset() > highWatermark;
        if (timestamp == ListOffsetsRequest.EARLIEST_TIMESTAMP || timestamp == ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP) {
            long start = log.logStartOffset();
            pr.setOffset(start);
            // The first epoch covers the log start unless its batches were written before epochs existed.
            if (!epochs.isEmpty() && epochs.get(0).startOffset() <= start) pr.setLeaderEpoch(epochs.get(0).epoch());
        } else if (timestamp == ListOffsetsRequest.LATEST_TIMESTAMP) {
            if (lagging) throw lagging(tp, latest, highWatermark);
            pr.setOffset(fetchable).setLeaderEpoch(replication.leaderEpoch(tp));
        } else if (timestamp == ListOffsetsRequest.MAX_TIMESTAMP || timestamp >= 0) {
            FileRecords.TimestampAndOffset found = timestamp == ListOffsetsRequest.MAX_TIMESTAMP
                    ? log.maxTimestampAndOffset() : log.offsetForTimestamp(timestamp);
            if (found == null) {
                if (lagging) throw lagging(tp, latest, highWatermark);
                return;
            }
            if (found.offset >= fetchable) return; // not readable at this isolation level yet
            pr.setOffset(found.offset).setTimestamp(found.timestamp).setLeaderEpoch(found.leaderEpoch.orElse(-1));
        }
        // Other negative values (latest tiered, -5, and those Kafka adds later): no offset, as Kafka
        // answers without remote storage.
    }

    private static OffsetNotAvailableException lagging(TopicPartition tp, EpochEntry epoch, long highWatermark) {
        return new OffsetNotAvailableException("Failed to fetch offsets for " + tp + " with leader epoch " + epoch.epoch()
                + ": its high watermark (" + highWatermark + ") is lagging behind the start offset of that epoch ("
                + epoch.startOffset() + ")");
    }
}
