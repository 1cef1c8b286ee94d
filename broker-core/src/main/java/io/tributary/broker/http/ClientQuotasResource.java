package io.tributary.broker.http;

import org.apache.kafka.common.message.DescribeClientQuotasRequestData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The client quotas in force, read only (Tributary's addition in v3's style; Kafka REST has no
 * quota path): {@code GET /v3/clusters/{c}/client-quotas}, every entry DescribeClientQuotas returns
 * for a filter that matches all ({@code kafka-configs --describe --entity-type users|clients}
 * without a name), each {@code {"entity": {"user"?: name|null, "client-id"?: name|null}, "quotas":
 * {"producer_byte_rate": 1048576.0, …}}} where a null name is the entity type's default. The
 * DESCRIBE_CONFIGS ACL on the cluster applies, as for the Kafka request. Stateless.
 */
final class ClientQuotasResource {
    static final int DESCRIBE_CLIENT_QUOTAS_VERSION = 1;

    private final KafkaCalls calls;
    private final ClustersResource clusters;

    ClientQuotasResource(KafkaCalls calls, ClustersResource clusters) {
        this.calls = calls;
        this.clusters = clusters;
    }

    void addTo(Router router) {
        router.get("/v3/clusters/{cluster_id}/client-quotas", this::list);
    }

    private HttpResponse list(HttpRequest r) {
        String cluster = clusters.requireCluster(r);
        DescribeClientQuotasRequestData request = new DescribeClientQuotasRequestData().setStrict(false)
                .setComponents(new ArrayList<>());
        DescribeClientQuotasResponseData response = calls.call(r, request, DESCRIBE_CLIENT_QUOTAS_VERSION);
        KafkaCalls.check(response.errorCode(), response.errorMessage());
        List<Map<String, Object>> data = new ArrayList<>();
        if (response.entries() != null) {
            for (DescribeClientQuotasResponseData.EntryData e : response.entries()) {
                Map<String, Object> entity = new LinkedHashMap<>();
                for (DescribeClientQuotasResponseData.EntityData d : e.entity()) entity.put(d.entityType(), d.entityName());
                Map<String, Object> quotas = new TreeMap<>();
                for (DescribeClientQuotasResponseData.ValueData v : e.values()) quotas.put(v.key(), v.value());
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("kind", "KafkaClientQuota");
                doc.put("entity", entity);
                doc.put("quotas", quotas);
                data.add(doc);
            }
        }
        data.sort(Comparator.comparing(d -> String.valueOf(d.get("entity"))));
        return HttpResponse.ok(V3.list("KafkaClientQuotaList", V3.url(r, cluster, "client-quotas"), data));
    }
}
