package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import io.tributary.broker.topic.TopicManager;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.concurrent.CompletableFuture;

/** CreatePartitions: grows topics; a count that is not an increase is {@code INVALID_PARTITIONS}. */
public final class CreatePartitionsHandler implements ApiHandler<CreatePartitionsRequestData> {
    private final TopicManager topics;

    public CreatePartitionsHandler(TopicManager topics) {
        this.topics = topics;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, CreatePartitionsRequestData request) {
        CreatePartitionsResponseData response = new CreatePartitionsResponseData();
        for (CreatePartitionsRequestData.CreatePartitionsTopic t : request.topics()) {
            CreatePartitionsTopicResult result = new CreatePartitionsTopicResult().setName(t.name());
            try {
                topics.createPartitions(t.name(), t.count(), request.validateOnly());
            } catch (RuntimeException e) {
                result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
            }
            response.results().add(result);
        }
        return CompletableFuture.completedFuture(response);
    }
}
