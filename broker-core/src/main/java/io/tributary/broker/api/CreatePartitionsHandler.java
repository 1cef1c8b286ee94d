package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import io.tributary.broker.topic.TopicManager;
import io.tributary.broker.topic.TopicMetadata;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.concurrent.CompletableFuture;
import io.tributary.broker.quota.ThrottlePolicy;

/**
 * CreatePartitions: grows topics; a count that is not an increase is {@code INVALID_PARTITIONS}. A
 * request adding more partitions in all than {@code max.partitions.per.request} is refused as a
 * whole, every topic with {@code POLICY_VIOLATION}, as Kafka's controller does past 10,000.
 */
public final class CreatePartitionsHandler implements ApiHandler<CreatePartitionsRequestData> {
    private final TopicManager topics;
    private final ThrottlePolicy quotas;

    public CreatePartitionsHandler(TopicManager topics) {
        this(topics, ThrottlePolicy.NONE);
    }

    /**
     * @param quotas the controller mutation quota (KIP-599): each topic takes the partitions it adds;
     *               from v3 a topic over the quota is refused with {@code THROTTLING_QUOTA_EXCEEDED}
     */
    public CreatePartitionsHandler(TopicManager topics, ThrottlePolicy quotas) {
        this.topics = topics;
        this.quotas = quotas;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, CreatePartitionsRequestData request) {
        CreatePartitionsResponseData response = new CreatePartitionsResponseData();
        long added = 0;
        for (CreatePartitionsRequestData.CreatePartitionsTopic t : request.topics()) {
            int current = topics.get(t.name()).map(TopicMetadata::partitions).orElse(t.count());
            added += Math.max(0, t.count() - current);
        }
        RuntimeException tooMany = null;
        try {
            topics.limits().checkCreatePartitions(added);
        } catch (RuntimeException e) {
            tooMany = e;
        }
        for (CreatePartitionsRequestData.CreatePartitionsTopic t : request.topics()) {
            CreatePartitionsTopicResult result = new CreatePartitionsTopicResult().setName(t.name());
            try {
                if (tooMany != null) throw tooMany;
                int adding = topics.get(t.name()).map(m -> Math.max(0, t.count() - m.partitions())).orElse(0);
                if (!request.validateOnly() && adding > 0 && !quotas.recordMutations(ctx, adding, ctx.apiVersion() >= 3)) {
                    throw new org.apache.kafka.common.errors.ThrottlingQuotaExceededException(
                        "The throttling quota has been exceeded (controller_mutation_rate) for " + t.name() + "");
                }
                topics.createPartitions(t.name(), t.count(), request.validateOnly());
            } catch (RuntimeException e) {
                result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
            }
            response.results().add(result);
        }
        return CompletableFuture.completedFuture(response);
    }
}
