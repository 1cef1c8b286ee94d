package io.tributary.broker.http;

import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Topics, their partitions and replicas: {@code /v3/clusters/{cluster_id}/topics[/{topic_name}
 * [/partitions[/{partition_id}[/replicas[/{broker_id}]]]]]}. Reads are Metadata requests (so a
 * principal sees only the topics it may DESCRIBE, as a Kafka client does), creation is
 * CreateTopics (201 with the topic), deletion DeleteTopics (204).
 */
final class TopicsResource {
    static final int CREATE_TOPICS_VERSION = 7;
    static final int DELETE_TOPICS_VERSION = 5;
    private static final int TIMEOUT_MS = 30_000;

    private final KafkaCalls calls;
    private final ClustersResource clusters;

    TopicsResource(KafkaCalls calls, ClustersResource clusters) {
        this.calls = calls;
        this.clusters = clusters;
    }

    void addTo(Router router) {
        String topics = "/v3/clusters/{cluster_id}/topics";
        router.get(topics, this::list);
        router.post(topics, this::create);
        router.get(topics + "/{topic_name}", r -> HttpResponse.ok(topic(r, describe(r))));
        router.delete(topics + "/{topic_name}", this::delete);
        router.get(topics + "/{topic_name}/partitions", this::partitions);
        router.get(topics + "/{topic_name}/partitions/{partition_id}", r -> HttpResponse.ok(partition(r, describe(r),
                requirePartition(r, describe(r)))));
        router.get(topics + "/{topic_name}/partitions/{partition_id}/replicas", this::replicas);
        router.get(topics + "/{topic_name}/partitions/{partition_id}/replicas/{broker_id}", this::replica);
    }

    private HttpResponse list(HttpRequest r) {
        String cluster = clusters.requireCluster(r);
        MetadataResponseData md = calls.call(r, new MetadataRequestData().setTopics(null)
                .setAllowAutoTopicCreation(false), ClustersResource.METADATA_VERSION);
        List<Object> data = new ArrayList<>();
        List<MetadataResponseData.MetadataResponseTopic> sorted = new ArrayList<>(md.topics());
        sorted.sort(java.util.Comparator.comparing(MetadataResponseData.MetadataResponseTopic::name));
        for (MetadataResponseData.MetadataResponseTopic t : sorted) {
            if (t.errorCode() == Errors.NONE.code()) data.add(topic(r, t));
        }
        return HttpResponse.ok(V3.list("KafkaTopicList", V3.url(r, cluster, "topics"), data));
    }

    /** The topic of the request's {@code {topic_name}}: 404 (40403) when it does not exist, 403 when not described. */
    MetadataResponseData.MetadataResponseTopic describe(HttpRequest r) {
        clusters.requireCluster(r);
        String name = r.param("topic_name");
        MetadataRequestData request = new MetadataRequestData().setAllowAutoTopicCreation(false);
        request.topics().add(new MetadataRequestData.MetadataRequestTopic().setName(name));
        MetadataResponseData md = calls.call(r, request, ClustersResource.METADATA_VERSION);
        MetadataResponseData.MetadataResponseTopic t = md.topics().find(name);
        if (t == null) throw KafkaCalls.error(Errors.UNKNOWN_TOPIC_OR_PARTITION, null);
        KafkaCalls.check(t.errorCode(), Errors.forCode(t.errorCode()) == Errors.UNKNOWN_TOPIC_OR_PARTITION
                ? "This server does not host this topic-partition." : null);
        return t;
    }

    private Map<String, Object> topic(HttpRequest r, MetadataResponseData.MetadataResponseTopic t) {
        String cluster = r.param("cluster_id");
        int replicationFactor = t.partitions().isEmpty() ? 0 : t.partitions().get(0).replicaNodes().size();
        return topic(r, cluster, t.name(), t.isInternal(), replicationFactor, t.partitions().size());
    }

    private static Map<String, Object> topic(HttpRequest r, String cluster, String name, boolean internal,
                                             int replicationFactor, int partitions) {
        Map<String, Object> d = V3.resource("KafkaTopic", V3.url(r, cluster, "topics", name), V3.crn(cluster, "topic", name));
        d.put("cluster_id", cluster);
        d.put("topic_name", name);
        d.put("is_internal", internal);
        d.put("replication_factor", replicationFactor);
        d.put("partitions_count", partitions);
        d.put("partitions", V3.related(V3.url(r, cluster, "topics", name, "partitions")));
        d.put("configs", V3.related(V3.url(r, cluster, "topics", name, "configs")));
        d.put("partition_reassignments", V3.related(V3.url(r, cluster, "topics", name, "partitions", "-", "reassignment")));
        return d;
    }

    @SuppressWarnings("unchecked")
    private HttpResponse create(HttpRequest r) {
        String cluster = clusters.requireCluster(r);
        Map<String, Object> body = r.jsonObject();
        String name = V3.string(body, "topic_name");
        CreateTopicsRequestData.CreatableTopic topic = new CreateTopicsRequestData.CreatableTopic().setName(name)
                .setNumPartitions((int) V3.number(body, "partitions_count", -1))
                .setReplicationFactor((short) V3.number(body, "replication_factor", -1));
        Object configs = body.get("configs");
        if (configs != null) {
            if (!(configs instanceof List<?> list)) throw RestException.badRequest("The field configs must be a list of {name, value}");
            for (Object c : list) {
                if (!(c instanceof Map<?, ?> m)) throw RestException.badRequest("The field configs must be a list of {name, value}");
                Object value = m.get("value");
                topic.configs().add(new CreateTopicsRequestData.CreatableTopicConfig()
                        .setName(V3.string((Map<String, Object>) m, "name"))
                        .setValue(value == null ? null : value.toString()));
            }
        }
        boolean validateOnly = Boolean.TRUE.equals(body.get("validate_only"));
        CreateTopicsRequestData request = new CreateTopicsRequestData().setTimeoutMs(TIMEOUT_MS).setValidateOnly(validateOnly);
        request.topics().add(topic);
        CreateTopicsResponseData response = calls.call(r, request, CREATE_TOPICS_VERSION);
        CreateTopicsResponseData.CreatableTopicResult result = response.topics().find(name);
        if (result == null) throw new RestException(500, RestException.KAFKA_ERROR, "No answer for topic " + name);
        KafkaCalls.check(result.errorCode(), result.errorMessage());
        boolean internal = org.apache.kafka.common.internals.Topic.isInternal(name);
        return HttpResponse.json(201, topic(r, cluster, name, internal, result.replicationFactor(), result.numPartitions()));
    }

    private HttpResponse delete(HttpRequest r) {
        clusters.requireCluster(r);
        String name = r.param("topic_name");
        DeleteTopicsRequestData request = new DeleteTopicsRequestData().setTimeoutMs(TIMEOUT_MS);
        request.topicNames().add(name);
        DeleteTopicsResponseData response = calls.call(r, request, DELETE_TOPICS_VERSION);
        DeleteTopicsResponseData.DeletableTopicResult result = response.responses().find(name);
        if (result == null) throw new RestException(500, RestException.KAFKA_ERROR, "No answer for topic " + name);
        KafkaCalls.check(result.errorCode(), result.errorMessage());
        return HttpResponse.noContent();
    }

    private HttpResponse partitions(HttpRequest r) {
        MetadataResponseData.MetadataResponseTopic t = describe(r);
        List<Object> data = new ArrayList<>();
        List<MetadataResponseData.MetadataResponsePartition> sorted = new ArrayList<>(t.partitions());
        sorted.sort(java.util.Comparator.comparingInt(MetadataResponseData.MetadataResponsePartition::partitionIndex));
        for (MetadataResponseData.MetadataResponsePartition p : sorted) data.add(partition(r, t, p));
        return HttpResponse.ok(V3.list("KafkaPartitionList", V3.url(r, r.param("cluster_id"), "topics", t.name(), "partitions"), data));
    }

    static MetadataResponseData.MetadataResponsePartition requirePartition(HttpRequest r,
                                                                          MetadataResponseData.MetadataResponseTopic t) {
        int id = V3.intParam(r, "partition_id");
        for (MetadataResponseData.MetadataResponsePartition p : t.partitions()) if (p.partitionIndex() == id) return p;
        throw KafkaCalls.error(Errors.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic-partition.");
    }

    private Map<String, Object> partition(HttpRequest r, MetadataResponseData.MetadataResponseTopic t,
                                          MetadataResponseData.MetadataResponsePartition p) {
        String cluster = r.param("cluster_id");
        String self = V3.url(r, cluster, "topics", t.name(), "partitions", p.partitionIndex());
        Map<String, Object> d = V3.resource("KafkaPartition", self, V3.crn(cluster, "topic", t.name(), "partition", p.partitionIndex()));
        d.put("cluster_id", cluster);
        d.put("topic_name", t.name());
        d.put("partition_id", p.partitionIndex());
        d.put("leader", p.leaderId() < 0 ? null : V3.related(self + "/replicas/" + p.leaderId()));
        d.put("replicas", V3.related(self + "/replicas"));
        d.put("reassignment", V3.related(self + "/reassignment"));
        return d;
    }

    private HttpResponse replicas(HttpRequest r) {
        MetadataResponseData.MetadataResponseTopic t = describe(r);
        MetadataResponseData.MetadataResponsePartition p = requirePartition(r, t);
        List<Object> data = new ArrayList<>();
        for (int broker : p.replicaNodes()) data.add(replica(r, t, p, broker));
        return HttpResponse.ok(V3.list("KafkaReplicaList", V3.url(r, r.param("cluster_id"), "topics", t.name(),
                "partitions", p.partitionIndex(), "replicas"), data));
    }

    private HttpResponse replica(HttpRequest r) {
        MetadataResponseData.MetadataResponseTopic t = describe(r);
        MetadataResponseData.MetadataResponsePartition p = requirePartition(r, t);
        int broker = V3.intParam(r, "broker_id");
        if (!p.replicaNodes().contains(broker)) throw RestException.notFound("Replica " + broker + " cannot be found.");
        return HttpResponse.ok(replica(r, t, p, broker));
    }

    private Map<String, Object> replica(HttpRequest r, MetadataResponseData.MetadataResponseTopic t,
                                        MetadataResponseData.MetadataResponsePartition p, int broker) {
        String cluster = r.param("cluster_id");
        Map<String, Object> d = V3.resource("KafkaReplica", V3.url(r, cluster, "topics", t.name(), "partitions",
                p.partitionIndex(), "replicas", broker), V3.crn(cluster, "topic", t.name(), "partition", p.partitionIndex(),
                "replica", broker));
        d.put("cluster_id", cluster);
        d.put("topic_name", t.name());
        d.put("partition_id", p.partitionIndex());
        d.put("broker_id", broker);
        d.put("is_leader", p.leaderId() == broker);
        d.put("is_in_sync", p.isrNodes().contains(broker));
        d.put("broker", V3.related(V3.url(r, cluster, "brokers", broker)));
        return d;
    }
}
