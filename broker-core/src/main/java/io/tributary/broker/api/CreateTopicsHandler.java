package io.tributary.broker.api;

import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.TopicConfigKey;
import io.tributary.broker.network.RequestContext;
import io.tributary.broker.topic.TopicManager;
import io.tributary.broker.topic.TopicMetadata;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsResponse;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import io.tributary.broker.quota.ThrottlePolicy;

/**
 * CreateTopics: validates name, partition count, replication factor, replica assignment and every
 * config before creating anything; {@code validateOnly} stops after validation. Each topic gets
 * its own result, so one bad topic does not fail the others, except that a request asking for more
 * partitions in all than {@code max.partitions.per.request} is refused as a whole, every topic
 * with {@code POLICY_VIOLATION} (Kafka's controller does the same past 10,000).
 */
public final class CreateTopicsHandler implements ApiHandler<CreateTopicsRequestData> {
    private final TopicManager topics;
    private final int nodeId;
    private final int defaultPartitions;
    private final short defaultReplicationFactor;
    private final ThrottlePolicy quotas;

    public CreateTopicsHandler(TopicManager topics, int nodeId, int defaultPartitions, short defaultReplicationFactor) {
        this(topics, nodeId, defaultPartitions, defaultReplicationFactor, ThrottlePolicy.NONE);
    }

    /**
     * @param quotas the controller mutation quota (KIP-599): each topic created takes its partitions;
     *               from v6 a topic over the quota is refused with {@code THROTTLING_QUOTA_EXCEEDED}
     */
    public CreateTopicsHandler(TopicManager topics, int nodeId, int defaultPartitions, short defaultReplicationFactor,
                               ThrottlePolicy quotas) {
        this.quotas = quotas;
        this.topics = topics;
        this.nodeId = nodeId;
        this.defaultPartitions = defaultPartitions;
        this.defaultReplicationFactor = defaultReplicationFactor;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, CreateTopicsRequestData request) {
        short version = ctx.apiVersion();
        CreateTopicsResponseData response = new CreateTopicsResponseData();
        Set<String> seen = new HashSet<>();
        Set<String> duplicated = new HashSet<>();
        for (CreatableTopic t : request.topics()) if (!seen.add(t.name())) duplicated.add(t.name());
        RuntimeException tooMany = null;
        try {
            topics.limits().checkCreateTopics(requestedPartitions(request, duplicated));
        } catch (RuntimeException e) {
            tooMany = e;
        }
        for (CreatableTopic t : request.topics()) {
            CreatableTopicResult result = new CreatableTopicResult().setName(t.name()).setNumPartitions(-1)
                    .setReplicationFactor((short) -1);
            if (duplicated.contains(t.name())) {
                result.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("Topic " + t.name() + " appears more than once in the request");
                addOnce(response, result);
                continue;
            }
            if (tooMany != null) {
                result.setErrorCode(Errors.forException(tooMany).code()).setErrorMessage(tooMany.getMessage());
                addOnce(response, result);
                continue;
            }
            try {
                int partitions = t.numPartitions();
                short rf = t.replicationFactor();
                if (!t.assignments().isEmpty()) {
                    if (partitions != -1 || rf != -1) {
                        throw new org.apache.kafka.common.errors.InvalidRequestException(
                                "Both numPartitions or replicationFactor and replicasAssignments were set for " + t.name());
                    }
                    partitions = t.assignments().size();
                    rf = (short) t.assignments().iterator().next().brokerIds().size();
                    for (var a : t.assignments()) {
                        for (int broker : a.brokerIds()) {
                            if (broker != nodeId) {
                                throw new org.apache.kafka.common.errors.InvalidReplicaAssignmentException(
                                        "Partition " + a.partitionIndex() + " of " + t.name() + " is assigned to broker "
                                                + broker + ", which does not exist");
                            }
                        }
                    }
                }
                Map<String, String> configs = new LinkedHashMap<>();
                for (var c : t.configs()) configs.put(c.name(), c.value());
                short effectiveRf = rf == -1 ? defaultReplicationFactor : rf;
                int effectivePartitions = partitions == -1 ? defaultPartitions : partitions;
                if (request.validateOnly()) {
                    topics.validateCreate(t.name(), partitions, rf, configs);
                    topics.checkBrokerCapacity(effectivePartitions);
                    fill(result, t.name(), effectivePartitions, effectiveRf, topics.brokerDefaults().withOverrides(configs), version);
                } else {
                    if (!quotas.recordMutations(ctx, effectivePartitions, version >= 6)) {
                        throw new org.apache.kafka.common.errors.ThrottlingQuotaExceededException(
                        "The throttling quota has been exceeded (controller_mutation_rate) for " + t.name() + "");
                    }
                    TopicMetadata created = topics.create(t.name(), partitions, rf, configs, defaultPartitions);
                    if (version >= 7) result.setTopicId(created.topicId());
                    fill(result, t.name(), created.partitions(), effectiveRf, topics.effectiveConfig(t.name()), version);
                }
            } catch (RuntimeException e) {
                result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
            }
            addOnce(response, result);
        }
        return CompletableFuture.completedFuture(response);
    }

    /** The partitions the request asks for in all, counting {@code -1} as {@code num.partitions}. */
    private long requestedPartitions(CreateTopicsRequestData request, Set<String> duplicated) {
        long total = 0;
        for (CreatableTopic t : request.topics()) {
            if (duplicated.contains(t.name())) continue;
            if (!t.assignments().isEmpty()) total += t.assignments().size();
            else if (t.numPartitions() == -1) total += defaultPartitions;
            else total += Math.max(0, t.numPartitions());
        }
        return total;
    }

    private static void addOnce(CreateTopicsResponseData response, CreatableTopicResult result) {
        if (response.topics().find(result.name()) == null) response.topics().add(result);
    }

    private static void fill(CreatableTopicResult result, String name, int partitions, short rf, LogConfig config,
                             short version) {
        if (version < 5) return;
        result.setNumPartitions(partitions).setReplicationFactor(rf);
        Map<String, String> values = new HashMap<>();
        for (TopicConfigKey key : TopicConfigKey.values()) values.put(key.topicName(), config.get(key));
        for (Map.Entry<String, String> e : values.entrySet()) {
            TopicConfigKey key = TopicConfigKey.forName(e.getKey()).orElseThrow();
            result.configs().add(new CreatableTopicConfigs().setName(e.getKey()).setValue(e.getValue())
                    .setReadOnly(false).setIsSensitive(false)
                    .setConfigSource((config.isOverridden(key)
                            ? DescribeConfigsResponse.ConfigSource.TOPIC_CONFIG
                            : DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG).id()));
        }
    }
}
