package io.tributary.broker.http;

import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.requests.DescribeConfigsResponse;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A broker's configuration, read only: {@code GET /v3/clusters/{c}/brokers/{b}/configs}, Kafka
 * REST's {@code KafkaBrokerConfigList}, from DescribeConfigs on the BROKER resource (so the
 * DESCRIBE_CONFIGS ACL on the cluster applies). A node describes its own configuration: asking
 * one node for another's is Kafka's error for that request (400/40002); ask that node. Sensitive
 * values are null. Stateless.
 */
final class BrokerConfigsResource {
    private final KafkaCalls calls;
    private final ClustersResource clusters;

    BrokerConfigsResource(KafkaCalls calls, ClustersResource clusters) {
        this.calls = calls;
        this.clusters = clusters;
    }

    void addTo(Router router) {
        router.get("/v3/clusters/{cluster_id}/brokers/{broker_id}/configs", this::list);
    }

    private HttpResponse list(HttpRequest r) {
        String cluster = clusters.requireCluster(r);
        int broker = V3.intParam(r, "broker_id");
        DescribeConfigsRequestData request = new DescribeConfigsRequestData().setIncludeSynonyms(false);
        request.resources().add(new DescribeConfigsRequestData.DescribeConfigsResource()
                .setResourceType(ConfigResource.Type.BROKER.id()).setResourceName(Integer.toString(broker))
                .setConfigurationKeys(null));
        DescribeConfigsResponseData response = calls.call(r, request, TopicConfigsResource.DESCRIBE_CONFIGS_VERSION);
        DescribeConfigsResponseData.DescribeConfigsResult result = response.results().get(0);
        KafkaCalls.check(result.errorCode(), result.errorMessage());
        List<DescribeConfigsResponseData.DescribeConfigsResourceResult> configs = new ArrayList<>(result.configs());
        configs.sort(Comparator.comparing(DescribeConfigsResponseData.DescribeConfigsResourceResult::name));
        List<Object> data = new ArrayList<>();
        for (DescribeConfigsResponseData.DescribeConfigsResourceResult c : configs) {
            Map<String, Object> d = V3.resource("KafkaBrokerConfig", V3.url(r, cluster, "brokers", broker, "configs", c.name()),
                    V3.crn(cluster, "broker", broker, "config", c.name()));
            DescribeConfigsResponse.ConfigSource source = DescribeConfigsResponse.ConfigSource.forId(c.configSource());
            d.put("cluster_id", cluster);
            d.put("broker_id", broker);
            d.put("name", c.name());
            d.put("value", c.isSensitive() ? null : c.value());
            d.put("is_default", source == DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG);
            d.put("is_read_only", c.readOnly());
            d.put("is_sensitive", c.isSensitive());
            d.put("source", source.source().name());
            d.put("synonyms", new ArrayList<>());
            data.add(d);
        }
        return HttpResponse.ok(V3.list("KafkaBrokerConfigList", V3.url(r, cluster, "brokers", broker, "configs"), data));
    }
}
