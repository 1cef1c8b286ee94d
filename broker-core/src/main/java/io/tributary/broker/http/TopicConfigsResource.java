package io.tributary.broker.http;

import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.requests.DescribeConfigsResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A topic's configuration: {@code GET /v3/clusters/{c}/topics/{t}/configs[/{name}]} (DescribeConfigs
 * with synonyms), {@code PUT …/configs/{name}} with {@code {"value": …}} (set), {@code DELETE
 * …/configs/{name}} (back to the default) and {@code POST …/configs:alter} with
 * {@code {"data": [{"name", "value", "operation": "SET"|"DELETE"}]}}, each an IncrementalAlterConfigs
 * (204). Kafka's validation and ACLs (DESCRIBE_CONFIGS, ALTER_CONFIGS on the topic) apply.
 */
final class TopicConfigsResource {
    static final int DESCRIBE_CONFIGS_VERSION = 4;
    static final int INCREMENTAL_ALTER_CONFIGS_VERSION = 1;

    private final KafkaCalls calls;
    private final ClustersResource clusters;

    TopicConfigsResource(KafkaCalls calls, ClustersResource clusters) {
        this.calls = calls;
        this.clusters = clusters;
    }

    void addTo(Router router) {
        String configs = "/v3/clusters/{cluster_id}/topics/{topic_name}/configs";
        router.get(configs, this::list);
        router.post(configs + ":alter", this::alterBatch);
        router.get(configs + "/{name}", this::get);
        router.put(configs + "/{name}", this::set);
        router.delete(configs + "/{name}", this::reset);
    }

    private List<DescribeConfigsResponseData.DescribeConfigsResourceResult> describe(HttpRequest r, String key) {
        clusters.requireCluster(r);
        DescribeConfigsRequestData request = new DescribeConfigsRequestData().setIncludeSynonyms(true);
        request.resources().add(new DescribeConfigsRequestData.DescribeConfigsResource()
                .setResourceType(ConfigResource.Type.TOPIC.id()).setResourceName(r.param("topic_name"))
                .setConfigurationKeys(key == null ? null : new ArrayList<>(List.of(key))));
        DescribeConfigsResponseData response = calls.call(r, request, DESCRIBE_CONFIGS_VERSION);
        DescribeConfigsResponseData.DescribeConfigsResult result = response.results().get(0);
        KafkaCalls.check(result.errorCode(), result.errorMessage());
        return result.configs();
    }

    private HttpResponse list(HttpRequest r) {
        List<Object> data = new ArrayList<>();
        List<DescribeConfigsResponseData.DescribeConfigsResourceResult> configs = new ArrayList<>(describe(r, null));
        configs.sort(java.util.Comparator.comparing(DescribeConfigsResponseData.DescribeConfigsResourceResult::name));
        for (DescribeConfigsResponseData.DescribeConfigsResourceResult c : configs) data.add(document(r, c));
        return HttpResponse.ok(V3.list("KafkaTopicConfigList", V3.url(r, r.param("cluster_id"), "topics",
                r.param("topic_name"), "configs"), data));
    }

    private HttpResponse get(HttpRequest r) {
        String name = r.param("name");
        for (DescribeConfigsResponseData.DescribeConfigsResourceResult c : describe(r, name)) {
            if (c.name().equals(name)) return HttpResponse.ok(document(r, c));
        }
        throw RestException.notFound("Config " + name + " cannot be found for topic " + r.param("topic_name") + ".");
    }

    private Map<String, Object> document(HttpRequest r, DescribeConfigsResponseData.DescribeConfigsResourceResult c) {
        String cluster = r.param("cluster_id");
        String topic = r.param("topic_name");
        Map<String, Object> d = V3.resource("KafkaTopicConfig", V3.url(r, cluster, "topics", topic, "configs", c.name()),
                V3.crn(cluster, "topic", topic, "config", c.name()));
        DescribeConfigsResponse.ConfigSource source = DescribeConfigsResponse.ConfigSource.forId(c.configSource());
        d.put("cluster_id", cluster);
        d.put("topic_name", topic);
        d.put("name", c.name());
        d.put("value", c.isSensitive() ? null : c.value());
        d.put("is_default", source == DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG);
        d.put("is_read_only", c.readOnly());
        d.put("is_sensitive", c.isSensitive());
        d.put("source", source.source().name());
        List<Object> synonyms = new ArrayList<>();
        for (DescribeConfigsResponseData.DescribeConfigsSynonym s : c.synonyms()) {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("name", s.name());
            m.put("value", c.isSensitive() ? null : s.value());
            m.put("source", DescribeConfigsResponse.ConfigSource.forId(s.source()).source().name());
            synonyms.add(m);
        }
        d.put("synonyms", synonyms);
        return d;
    }

    private HttpResponse set(HttpRequest r) {
        Map<String, Object> body = r.jsonObject();
        Object value = body.get("value");
        alter(r, List.of(new Change(r.param("name"), value == null ? null : value.toString(), AlterConfigOp.OpType.SET)), false);
        return HttpResponse.noContent();
    }

    private HttpResponse reset(HttpRequest r) {
        alter(r, List.of(new Change(r.param("name"), null, AlterConfigOp.OpType.DELETE)), false);
        return HttpResponse.noContent();
    }

    private HttpResponse alterBatch(HttpRequest r) {
        Map<String, Object> body = r.jsonObject();
        if (!(body.get("data") instanceof List<?> data)) throw RestException.badRequest("The field data is required (a list)");
        List<Change> changes = new ArrayList<>();
        for (Object o : data) {
            if (!(o instanceof Map<?, ?> m)) throw RestException.badRequest("Each entry of data must be {name, value, operation}");
            @SuppressWarnings("unchecked")
            Map<String, Object> entry = (Map<String, Object>) m;
            Object op = entry.get("operation");
            AlterConfigOp.OpType type;
            try {
                type = op == null ? AlterConfigOp.OpType.SET : AlterConfigOp.OpType.valueOf(op.toString().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw RestException.badRequest("Unknown operation " + op + " (SET, DELETE, APPEND or SUBTRACT)");
            }
            Object value = entry.get("value");
            changes.add(new Change(V3.string(entry, "name"), value == null ? null : value.toString(), type));
        }
        alter(r, changes, Boolean.TRUE.equals(body.get("validate_only")));
        return HttpResponse.noContent();
    }

    private record Change(String name, String value, AlterConfigOp.OpType op) {
    }

    private void alter(HttpRequest r, List<Change> changes, boolean validateOnly) {
        clusters.requireCluster(r);
        IncrementalAlterConfigsRequestData.AlterConfigsResource resource = new IncrementalAlterConfigsRequestData.AlterConfigsResource()
                .setResourceType(ConfigResource.Type.TOPIC.id()).setResourceName(r.param("topic_name"));
        for (Change c : changes) {
            resource.configs().add(new IncrementalAlterConfigsRequestData.AlterableConfig().setName(c.name())
                    .setValue(c.value()).setConfigOperation(c.op().id()));
        }
        IncrementalAlterConfigsRequestData request = new IncrementalAlterConfigsRequestData().setValidateOnly(validateOnly);
        request.resources().add(resource);
        IncrementalAlterConfigsResponseData response = calls.call(r, request, INCREMENTAL_ALTER_CONFIGS_VERSION);
        IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse result = response.responses().get(0);
        KafkaCalls.check(result.errorCode(), result.errorMessage());
    }
}
