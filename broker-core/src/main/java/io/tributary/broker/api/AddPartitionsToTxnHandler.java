package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import io.tributary.broker.topic.TopicManager;
import io.tributary.broker.topic.TopicMetadata;
import io.tributary.broker.topic.TopicNames;
import io.tributary.broker.txn.TransactionCoordinator;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * AddPartitionsToTxn. Versions 0–3 (a producer): the partitions join its transaction; a partition
 * that does not exist, or an internal topic, fails with its error and the others are answered
 * {@code OPERATION_NOT_ATTEMPTED}, as Kafka does. Versions 4+ (a partition leader, batched by
 * transactional id): the same, or with {@code verifyOnly} only a check that each partition already
 * is in the open transaction ({@code INVALID_TXN_STATE} when not).
 */
public final class AddPartitionsToTxnHandler implements ApiHandler<AddPartitionsToTxnRequestData> {
    private final TransactionCoordinator coordinator;
    private final TopicManager topics;

    public AddPartitionsToTxnHandler(TransactionCoordinator coordinator, TopicManager topics) {
        this.coordinator = coordinator;
        this.topics = topics;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, AddPartitionsToTxnRequestData request) {
        if (ctx.apiVersion() <= 3) {
            return one(request.v3AndBelowTransactionalId(), request.v3AndBelowProducerId(),
                    request.v3AndBelowProducerEpoch(), false, request.v3AndBelowTopics())
                    .thenApply(r -> new AddPartitionsToTxnResponseData().setResultsByTopicV3AndBelow(r.topicResults()));
        }
        List<CompletableFuture<AddPartitionsToTxnResult>> all = new ArrayList<>();
        for (AddPartitionsToTxnTransaction t : request.transactions()) {
            all.add(one(t.transactionalId(), t.producerId(), t.producerEpoch(), t.verifyOnly(), t.topics()));
        }
        return CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).thenApply(v -> {
            AddPartitionsToTxnResponseData response = new AddPartitionsToTxnResponseData();
            for (CompletableFuture<AddPartitionsToTxnResult> f : all) response.resultsByTransaction().add(f.join());
            return response;
        });
    }

    private CompletableFuture<AddPartitionsToTxnResult> one(String transactionalId, long producerId, short epoch,
                                                           boolean verifyOnly,
                                                           AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection requested) {
        Map<TopicPartition, Errors> invalid = new LinkedHashMap<>();
        Set<TopicPartition> partitions = new LinkedHashSet<>();
        for (AddPartitionsToTxnTopic t : requested) {
            Optional<TopicMetadata> topic = topics.get(t.name());
            for (int p : t.partitions()) {
                TopicPartition tp = new TopicPartition(t.name(), p);
                if (topic.isEmpty() || p < 0 || p >= topic.get().partitions()) invalid.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
                else if (TopicNames.isInternal(t.name())) invalid.put(tp, Errors.TOPIC_AUTHORIZATION_FAILED);
                else partitions.add(tp);
            }
        }
        CompletableFuture<Map<TopicPartition, Errors>> outcome;
        if (!invalid.isEmpty()) {
            Map<TopicPartition, Errors> errors = new LinkedHashMap<>(invalid);
            for (TopicPartition tp : partitions) errors.put(tp, Errors.OPERATION_NOT_ATTEMPTED);
            outcome = CompletableFuture.completedFuture(errors);
        } else if (verifyOnly) {
            Map<TopicPartition, Errors> errors = new LinkedHashMap<>();
            for (TopicPartition tp : partitions) errors.put(tp, coordinator.verifyPartition(transactionalId, producerId, epoch, tp));
            outcome = CompletableFuture.completedFuture(errors);
        } else {
            outcome = coordinator.addPartitions(transactionalId, producerId, epoch, partitions).thenApply(error -> {
                Map<TopicPartition, Errors> errors = new LinkedHashMap<>();
                for (TopicPartition tp : partitions) errors.put(tp, error);
                return errors;
            });
        }
        return outcome.thenApply(errors -> result(transactionalId, errors));
    }

    private static AddPartitionsToTxnResult result(String transactionalId, Map<TopicPartition, Errors> errors) {
        AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection topicResults =
                new AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection();
        errors.forEach((tp, error) -> {
            AddPartitionsToTxnTopicResult tr = topicResults.find(tp.topic());
            if (tr == null) {
                tr = new AddPartitionsToTxnTopicResult().setName(tp.topic());
                topicResults.add(tr);
            }
            tr.resultsByPartition().add(new AddPartitionsToTxnPartitionResult().setPartitionIndex(tp.partition())
                    .setPartitionErrorCode(error.code()));
        });
        return new AddPartitionsToTxnResult().setTransactionalId(transactionalId).setTopicResults(topicResults);
    }
}
