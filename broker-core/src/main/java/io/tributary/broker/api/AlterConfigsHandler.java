package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import io.tributary.broker.topic.TopicManager;
import io.tributary.broker.topic.TopicNames;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.AlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The legacy AlterConfigs: a TOPIC resource's configs <em>replace</em> all of the topic's
 * overrides (a setting left out returns to the broker default; a null value is the same as
 * leaving it out). Every value is validated before anything changes; an unknown name or a bad
 * value is {@code INVALID_CONFIG}. {@code validateOnly} stops after validation.
 *
 * <p>Broker settings are read once at startup, so a BROKER resource naming any setting gets
 * {@code INVALID_REQUEST}, as Kafka answers for settings it cannot update dynamically. A resource
 * that appears twice in one request is refused with {@code INVALID_REQUEST}. Each resource is
 * answered separately.
 */
public final class AlterConfigsHandler implements ApiHandler<AlterConfigsRequestData> {
    private final TopicManager topics;
    private final int nodeId;

    public AlterConfigsHandler(TopicManager topics, int nodeId) {
        this.topics = topics;
        this.nodeId = nodeId;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, AlterConfigsRequestData request) {
        AlterConfigsResponseData response = new AlterConfigsResponseData();
        Set<String> seen = new HashSet<>();
        Set<String> duplicated = new HashSet<>();
        for (AlterConfigsResource r : request.resources()) {
            if (!seen.add(r.resourceType() + "/" + r.resourceName())) duplicated.add(r.resourceType() + "/" + r.resourceName());
        }
        for (AlterConfigsResource resource : request.resources()) {
            AlterConfigsResourceResponse result = new AlterConfigsResourceResponse()
                    .setResourceType(resource.resourceType()).setResourceName(resource.resourceName())
                    .setErrorMessage(null);
            try {
                if (duplicated.contains(resource.resourceType() + "/" + resource.resourceName())) {
                    throw new InvalidRequestException("Resource " + resource.resourceName()
                            + " appears more than once in the request");
                }
                switch (ConfigResource.Type.forId(resource.resourceType())) {
                    case TOPIC -> alterTopic(resource, request.validateOnly());
                    case BROKER -> {
                        DescribeConfigsHandler.checkBrokerResource(resource.resourceName(), nodeId);
                        List<String> names = resource.configs().stream().map(AlterableConfig::name).toList();
                        if (!names.isEmpty()) throw IncrementalAlterConfigsHandler.brokerConfigsReadOnly(names);
                    }
                    default -> throw new InvalidRequestException("Unsupported resource type " + resource.resourceType()
                            + " for AlterConfigs; this broker alters TOPIC resources");
                }
            } catch (RuntimeException e) {
                result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
            }
            response.responses().add(result);
        }
        return CompletableFuture.completedFuture(response);
    }

    private void alterTopic(AlterConfigsResource resource, boolean validateOnly) {
        String name = resource.resourceName();
        TopicNames.validate(name);
        Map<String, String> configs = new LinkedHashMap<>();
        Set<String> names = new HashSet<>();
        for (AlterableConfig c : resource.configs()) {
            if (!names.add(c.name())) {
                throw new InvalidRequestException("Config " + c.name() + " appears more than once for topic " + name);
            }
            if (c.value() != null) configs.put(c.name(), c.value());
        }
        if (validateOnly) {
            topics.require(name);
            topics.brokerDefaults().withOverrides(configs);
        } else {
            topics.setConfigs(name, configs);
        }
    }
}
