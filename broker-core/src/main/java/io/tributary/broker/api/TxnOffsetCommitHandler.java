package io.tributary.broker.api;

import io.tributary.broker.group.CommittedOffset;
import io.tributary.broker.group.GroupCoordinator;
import io.tributary.broker.network.RequestContext;
import io.tributary.broker.topic.TopicManager;
import io.tributary.broker.topic.TopicMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * TxnOffsetCommit: a transaction's offset commits for a group, written to the group's offsets
 * partition as part of the transaction; they become the group's committed offsets only when the
 * transaction commits. The member and generation are checked when given (v3+).
 */
public final class TxnOffsetCommitHandler implements ApiHandler<TxnOffsetCommitRequestData> {
    private final GroupCoordinator coordinator;
    private final TopicManager topics;

    public TxnOffsetCommitHandler(GroupCoordinator coordinator, TopicManager topics) {
        this.coordinator = coordinator;
        this.topics = topics;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, TxnOffsetCommitRequestData request) {
        Errors groupError = coordinator.validateTxnCommit(request.groupId(), request.memberId(), request.groupInstanceId(),
                request.generationId());
        TxnOffsetCommitResponseData response = new TxnOffsetCommitResponseData();
        Map<TopicPartition, CommittedOffset> commits = new LinkedHashMap<>();
        List<TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition> written = new ArrayList<>();
        long now = coordinator.now();
        for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic t : request.topics()) {
            TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic rt =
                    new TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic().setName(t.name());
            Optional<TopicMetadata> topic = topics.get(t.name());
            for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition p : t.partitions()) {
                TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition rp =
                        new TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition().setPartitionIndex(p.partitionIndex());
                Errors error = groupError;
                if (error == Errors.NONE) {
                    if (topic.isEmpty() || p.partitionIndex() < 0 || p.partitionIndex() >= topic.get().partitions()) {
                        error = Errors.UNKNOWN_TOPIC_OR_PARTITION;
                    } else if (p.committedMetadata() != null
                            && p.committedMetadata().length() > coordinator.offsetMetadataMaxBytes()) {
                        error = Errors.OFFSET_METADATA_TOO_LARGE;
                    } else {
                        commits.put(new TopicPartition(t.name(), p.partitionIndex()), new CommittedOffset(
                                p.committedOffset(), p.committedLeaderEpoch(),
                                p.committedMetadata() == null ? "" : p.committedMetadata(), now));
                        written.add(rp);
                    }
                }
                rp.setErrorCode(error.code());
                rt.partitions().add(rp);
            }
            response.topics().add(rt);
        }
        return coordinator.offsets().commitTransactional(request.groupId(), request.producerId(), request.producerEpoch(),
                commits).handle((v, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                Errors error = Errors.forException(cause);
                if (error == Errors.UNKNOWN_SERVER_ERROR) error = Errors.COORDINATOR_NOT_AVAILABLE;
                for (TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition rp : written) rp.setErrorCode(error.code());
            }
            return response;
        });
    }
}
