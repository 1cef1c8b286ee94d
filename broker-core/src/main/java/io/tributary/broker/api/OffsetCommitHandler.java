package io.tributary.broker.api;

import io.tributary.broker.group.CommittedOffset;
import io.tributary.broker.group.GroupCoordinator;
import io.tributary.broker.network.RequestContext;
import io.tributary.broker.topic.TopicManager;
import io.tributary.broker.topic.TopicMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * OffsetCommit: validates the member and generation, then writes all valid partitions' offsets in
 * one append to the offsets log, and answers once that append is replicated; each partition is
 * answered with its own error code.
 */
public final class OffsetCommitHandler implements ApiHandler<OffsetCommitRequestData> {
    private final GroupCoordinator coordinator;
    private final TopicManager topics;

    public OffsetCommitHandler(GroupCoordinator coordinator, TopicManager topics) {
        this.coordinator = coordinator;
        this.topics = topics;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, OffsetCommitRequestData request) {
        short version = ctx.apiVersion();
        Errors groupError = coordinator.validateCommit(request.groupId(), request.memberId(), request.groupInstanceId(),
                request.generationIdOrMemberEpoch());
        OffsetCommitResponseData response = new OffsetCommitResponseData();
        Map<TopicPartition, CommittedOffset> commits = new LinkedHashMap<>();
        Map<TopicPartition, OffsetCommitResponseData.OffsetCommitResponsePartition> results = new LinkedHashMap<>();
        long now = coordinator.now();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic t : request.topics()) {
            OffsetCommitResponseData.OffsetCommitResponseTopic rt = new OffsetCommitResponseData.OffsetCommitResponseTopic();
            Optional<String> name = version >= 10 ? topics.nameOf(t.topicId()) : Optional.of(t.name());
            if (version >= 10) rt.setTopicId(t.topicId());
            else rt.setName(t.name());
            Optional<TopicMetadata> topic = name.flatMap(topics::get);
            for (OffsetCommitRequestData.OffsetCommitRequestPartition p : t.partitions()) {
                OffsetCommitResponseData.OffsetCommitResponsePartition rp =
                        new OffsetCommitResponseData.OffsetCommitResponsePartition().setPartitionIndex(p.partitionIndex());
                Errors error = groupError;
                if (error == Errors.NONE) {
                    if (topic.isEmpty() || p.partitionIndex() < 0 || p.partitionIndex() >= topic.get().partitions()) {
                        error = version >= 10 && name.isEmpty() ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION;
                    } else if (p.committedMetadata() != null
                            && p.committedMetadata().length() > coordinator.offsetMetadataMaxBytes()) {
                        error = Errors.OFFSET_METADATA_TOO_LARGE;
                    } else {
                        TopicPartition tp = new TopicPartition(name.get(), p.partitionIndex());
                        commits.put(tp, new CommittedOffset(p.committedOffset(), p.committedLeaderEpoch(),
                                p.committedMetadata() == null ? "" : p.committedMetadata(), now));
                        results.put(tp, rp);
                    }
                }
                rp.setErrorCode(error.code());
                rt.partitions().add(rp);
            }
            response.topics().add(rt);
        }
        return coordinator.offsets().commit(request.groupId(), commits).handle((v, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                Errors error = Errors.forException(cause);
                results.values().forEach(rp -> rp.setErrorCode(error == Errors.UNKNOWN_SERVER_ERROR
                        ? Errors.COORDINATOR_NOT_AVAILABLE.code() : error.code()));
            }
            return response;
        });
    }
}
