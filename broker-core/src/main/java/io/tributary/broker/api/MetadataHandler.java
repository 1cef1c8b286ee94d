package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import io.tributary.broker.topic.TopicManager;
import io.tributary.broker.topic.TopicMetadata;
import io.tributary.broker.topic.TopicNames;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Metadata: brokers, cluster id, controller, and for each requested topic its id and partitions
 * with their leaders, replicas and ISR. Unknown topics are created when the request allows it and
 * {@code auto.create.topics.enable} is true, with {@code num.partitions} partitions.
 *
 * <p>Topics by id, as Kafka serves them: from v12 a topic asked for by id is described, or
 * answered {@code UNKNOWN_TOPIC_ID} with no name; v10 and v11 carry the id field but Kafka does not
 * serve it, so a topic without a name or with a non-zero id in those versions makes the whole
 * request {@code INVALID_REQUEST} (every requested topic carries that error). A topic with neither
 * a name nor an id is {@code INVALID_REQUEST} in any version.
 *
 * <p>A cluster node cut off from the metadata quorum answers with every registered broker and no
 * partition leaders, then closes the connection: a client would otherwise keep asking the node it
 * is connected to and never learn of the new leaders the majority elects.
 */
public final class MetadataHandler implements ApiHandler<MetadataRequestData> {
    private static final int AUTHORIZED_OPERATIONS_OMITTED = Integer.MIN_VALUE;

    private final TopicManager topics;
    private final Supplier<ClusterView> cluster;
    private final boolean autoCreate;
    private final int defaultPartitions;

    private final io.tributary.broker.cluster.Replication replication;

    public MetadataHandler(TopicManager topics, Supplier<ClusterView> cluster, boolean autoCreate, int defaultPartitions,
                           io.tributary.broker.cluster.Replication replication) {
        this.topics = topics;
        this.replication = replication;
        this.cluster = cluster;
        this.autoCreate = autoCreate;
        this.defaultPartitions = defaultPartitions;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, MetadataRequestData request) {
        short version = ctx.apiVersion();
        if (request.topics() != null) {
            for (MetadataRequestData.MetadataRequestTopic rt : request.topics()) checkTopic(rt, version);
        }
        MetadataResponseData response = new MetadataResponseData()
                .setClusterId(cluster.get().clusterId())
                .setControllerId(replication.controllerId());
        // As Kafka: a client is told the addresses of the listener its request came in on, and only
        // of the brokers that have that listener.
        for (io.tributary.broker.cluster.BrokerRegistration b : replication.liveBrokers()) {
            b.endpoint(ctx.listenerName()).ifPresent(e -> response.brokers().add(new MetadataResponseBroker()
                    .setNodeId(b.nodeId()).setHost(e.host()).setPort(e.port()).setRack(null)));
        }
        List<MetadataResponseTopic> out = new ArrayList<>();
        if (request.topics() == null || (version == 0 && request.topics().isEmpty())) {
            for (TopicMetadata t : topics.all()) out.add(describe(t, version));
        } else {
            boolean allowCreate = autoCreate && (version < 4 || request.allowAutoTopicCreation());
            for (MetadataRequestData.MetadataRequestTopic rt : request.topics()) {
                out.add(lookup(rt, allowCreate, version));
            }
        }
        response.topics().addAll(out);
        return CompletableFuture.completedFuture(response);
    }

    @Override
    public boolean closesConnectionAfterResponse() {
        return replication.cutOff();
    }

    private static boolean hasId(MetadataRequestData.MetadataRequestTopic rt) {
        return rt.topicId() != null && !rt.topicId().equals(Uuid.ZERO_UUID);
    }

    private static void checkTopic(MetadataRequestData.MetadataRequestTopic rt, short version) {
        if (version < 12 && rt.name() == null) {
            throw new InvalidRequestException("Metadata v" + version + " requires a topic name; topic ids are served from v12");
        }
        if (version < 12 && hasId(rt)) {
            throw new InvalidRequestException("Metadata v" + version + " does not serve topic ids (topic id "
                    + rt.topicId() + "); topic ids are served from v12");
        }
        if (rt.name() == null && !hasId(rt)) {
            throw new InvalidRequestException("A topic in a Metadata request has neither a name nor a topic id");
        }
    }

    private MetadataResponseTopic lookup(MetadataRequestData.MetadataRequestTopic rt, boolean allowCreate, short version) {
        String name = rt.name();
        if (hasId(rt)) {
            return topics.nameOf(rt.topicId()).flatMap(topics::get).map(t -> describe(t, version))
                    .orElseGet(() -> error(null, rt.topicId(), Errors.UNKNOWN_TOPIC_ID, version));
        }
        var existing = topics.get(name);
        if (existing.isPresent()) return describe(existing.get(), version);
        try {
            TopicNames.validate(name);
        } catch (RuntimeException e) {
            return error(name, Uuid.ZERO_UUID, Errors.INVALID_TOPIC_EXCEPTION, version);
        }
        if (!allowCreate) return error(name, Uuid.ZERO_UUID, Errors.UNKNOWN_TOPIC_OR_PARTITION, version);
        try {
            return describe(topics.create(name, -1, (short) -1, Map.of(), defaultPartitions), version);
        } catch (TopicExistsException raced) {
            return describe(topics.require(name), version);
        } catch (RuntimeException e) {
            return error(name, Uuid.ZERO_UUID, Errors.forException(e), version);
        }
    }

    private MetadataResponseTopic describe(TopicMetadata t, short version) {
        MetadataResponseTopic topic = new MetadataResponseTopic()
                .setErrorCode((short) 0)
                .setName(t.name())
                .setIsInternal(TopicNames.isInternal(t.name()))
                .setTopicAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
        if (version >= 10) topic.setTopicId(t.topicId());
        java.util.Set<Integer> live = new java.util.HashSet<>();
        for (io.tributary.broker.cluster.BrokerRegistration b : replication.liveBrokers()) live.add(b.nodeId());
        for (int p = 0; p < t.partitions(); p++) {
            var state = replication.partitionState(new org.apache.kafka.common.TopicPartition(t.name(), p));
            if (state.isEmpty()) continue;
            var s = state.get();
            List<Integer> offline = new ArrayList<>();
            for (int r : s.replicas()) if (!live.contains(r)) offline.add(r);
            // A leader this node already knows to be gone is not named: the client gets
            // LEADER_NOT_AVAILABLE and asks again shortly, by when the new leader is known.
            boolean leaderLive = s.hasLeader() && live.contains(s.leader());
            topic.partitions().add(new MetadataResponsePartition()
                    .setErrorCode(leaderLive ? (short) 0 : Errors.LEADER_NOT_AVAILABLE.code())
                    .setPartitionIndex(p)
                    .setLeaderId(leaderLive ? s.leader() : -1)
                    .setLeaderEpoch(s.leaderEpoch())
                    .setReplicaNodes(s.replicas())
                    .setIsrNodes(s.isr())
                    .setOfflineReplicas(offline));
        }
        return topic;
    }

    private static MetadataResponseTopic error(String name, Uuid id, Errors error, short version) {
        MetadataResponseTopic topic = new MetadataResponseTopic().setErrorCode(error.code()).setName(name)
                .setIsInternal(false).setTopicAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
        if (version >= 10 && id != null) topic.setTopicId(id);
        return topic;
    }
}
