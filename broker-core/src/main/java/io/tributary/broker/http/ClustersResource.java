package io.tributary.broker.http;

import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code /v3/clusters}, {@code /v3/clusters/{cluster_id}} and its brokers, from a Metadata request
 * for no topics (the live brokers with their addresses on the inter-broker listener, the
 * controller). A node knows one cluster, its own; any other {@code cluster_id} is a 404.
 */
final class ClustersResource {
    static final int METADATA_VERSION = 12;

    private final KafkaCalls calls;
    private final String clusterId;

    ClustersResource(KafkaCalls calls, String clusterId) {
        this.calls = calls;
        this.clusterId = clusterId;
    }

    void addTo(Router router) {
        router.get("/v3/clusters", this::list);
        router.get("/v3/clusters/{cluster_id}", r -> HttpResponse.ok(cluster(r, metadata(r))));
        router.get("/v3/clusters/{cluster_id}/brokers", this::brokers);
        router.get("/v3/clusters/{cluster_id}/brokers/{broker_id}", this::broker);
    }

    /** Checks the request's {@code {cluster_id}}: 404 unless it is this node's cluster. */
    String requireCluster(HttpRequest r) {
        String id = r.param("cluster_id");
        if (!id.equals(clusterId)) throw RestException.notFound("Cluster " + id + " cannot be found.");
        return id;
    }

    MetadataResponseData metadata(HttpRequest r) {
        return calls.call(r, new MetadataRequestData().setTopics(new ArrayList<>()).setAllowAutoTopicCreation(false),
                METADATA_VERSION);
    }

    private HttpResponse list(HttpRequest r) {
        MetadataResponseData md = metadata(r);
        return HttpResponse.ok(V3.list("KafkaClusterList", r.baseUrl() + "/v3/clusters", List.of(document(r, md))));
    }

    private Map<String, Object> cluster(HttpRequest r, MetadataResponseData md) {
        requireCluster(r);
        return document(r, md);
    }

    private Map<String, Object> document(HttpRequest r, MetadataResponseData md) {
        Map<String, Object> c = V3.resource("KafkaCluster", V3.url(r, clusterId), V3.crn(clusterId));
        c.put("cluster_id", clusterId);
        c.put("controller", md.controllerId() < 0 ? null : V3.related(V3.url(r, clusterId, "brokers", md.controllerId())));
        c.put("acls", V3.related(V3.url(r, clusterId, "acls")));
        c.put("brokers", V3.related(V3.url(r, clusterId, "brokers")));
        c.put("broker_configs", V3.related(V3.url(r, clusterId, "broker-configs")));
        c.put("consumer_groups", V3.related(V3.url(r, clusterId, "consumer-groups")));
        c.put("topics", V3.related(V3.url(r, clusterId, "topics")));
        c.put("partition_reassignments", V3.related(V3.url(r, clusterId, "topics", "-", "partitions", "-", "reassignment")));
        return c;
    }

    private HttpResponse brokers(HttpRequest r) {
        requireCluster(r);
        List<Object> data = new ArrayList<>();
        for (MetadataResponseData.MetadataResponseBroker b : metadata(r).brokers()) data.add(broker(r, b));
        return HttpResponse.ok(V3.list("KafkaBrokerList", V3.url(r, clusterId, "brokers"), data));
    }

    private HttpResponse broker(HttpRequest r) {
        requireCluster(r);
        int id = V3.intParam(r, "broker_id");
        MetadataResponseData.MetadataResponseBroker b = metadata(r).brokers().find(id);
        if (b == null) throw RestException.notFound("Broker " + id + " cannot be found.");
        return HttpResponse.ok(broker(r, b));
    }

    private Map<String, Object> broker(HttpRequest r, MetadataResponseData.MetadataResponseBroker b) {
        Map<String, Object> d = V3.resource("KafkaBroker", V3.url(r, clusterId, "brokers", b.nodeId()),
                V3.crn(clusterId, "broker", b.nodeId()));
        d.put("cluster_id", clusterId);
        d.put("broker_id", b.nodeId());
        d.put("host", b.host());
        d.put("port", b.port());
        d.put("rack", b.rack());
        d.put("configs", V3.related(V3.url(r, clusterId, "brokers", b.nodeId(), "configs")));
        d.put("partition_replicas", V3.related(V3.url(r, clusterId, "brokers", b.nodeId(), "partition-replicas")));
        return d;
    }
}
