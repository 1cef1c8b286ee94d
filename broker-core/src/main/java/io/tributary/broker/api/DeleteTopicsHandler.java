package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import io.tributary.broker.topic.TopicManager;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import io.tributary.broker.quota.ThrottlePolicy;

/** DeleteTopics by name (all versions) or by topic id (v6+); each topic answered separately. */
public final class DeleteTopicsHandler implements ApiHandler<DeleteTopicsRequestData> {
    private final TopicManager topics;
    private final boolean deleteEnabled;
    private final ThrottlePolicy quotas;

    public DeleteTopicsHandler(TopicManager topics, boolean deleteEnabled) {
        this(topics, deleteEnabled, ThrottlePolicy.NONE);
    }

    /**
     * @param quotas the controller mutation quota (KIP-599): each topic deleted takes its partitions;
     *               from v5 a topic over the quota is refused with {@code THROTTLING_QUOTA_EXCEEDED}
     */
    public DeleteTopicsHandler(TopicManager topics, boolean deleteEnabled, ThrottlePolicy quotas) {
        this.quotas = quotas;
        this.topics = topics;
        this.deleteEnabled = deleteEnabled;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, DeleteTopicsRequestData request) {
        short version = ctx.apiVersion();
        DeleteTopicsResponseData response = new DeleteTopicsResponseData();
        List<DeleteTopicsRequestData.DeleteTopicState> targets = new ArrayList<>();
        if (version >= 6) {
            targets.addAll(request.topics());
        } else {
            for (String name : request.topicNames()) targets.add(new DeleteTopicsRequestData.DeleteTopicState().setName(name));
        }
        for (DeleteTopicsRequestData.DeleteTopicState t : targets) {
            DeletableTopicResult result = new DeletableTopicResult().setName(t.name());
            if (version >= 6) result.setTopicId(t.topicId());
            try {
                String name = t.name();
                if (name == null) {
                    Uuid id = t.topicId();
                    name = topics.nameOf(id).orElseThrow(() -> new UnknownTopicIdException("Topic id " + id + " not found"));
                    result.setName(name);
                } else if (version >= 6) {
                    result.setTopicId(topics.require(name).topicId());
                }
                int partitions = topics.get(name).map(m -> m.partitions()).orElse(0);
                if (deleteEnabled && partitions > 0 && !quotas.recordMutations(ctx, partitions, version >= 5)) {
                    throw new org.apache.kafka.common.errors.ThrottlingQuotaExceededException(
                        "The throttling quota has been exceeded (controller_mutation_rate) for " + name + "");
                }
                topics.delete(name, deleteEnabled);
            } catch (RuntimeException e) {
                result.setErrorCode(Errors.forException(e).code());
                if (version >= 5) result.setErrorMessage(e.getMessage());
            }
            if (response.responses().find(result.name()) == null) response.responses().add(result);
        }
        return CompletableFuture.completedFuture(response);
    }
}
