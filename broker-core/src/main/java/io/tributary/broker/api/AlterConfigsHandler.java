package io.tributary.broker.api;

import io.tributary.broker.config.BrokerConfigAdmin;
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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The legacy AlterConfigs: a TOPIC resource's configs <em>replace</em> all of the topic's
 * overrides (a setting left out returns to the broker default; a null value is the same as
 * leaving it out). Every value is validated before anything changes; an unknown name or a bad
 * value is {@code INVALID_CONFIG}. {@code validateOnly} stops after validation.
 *
 * <p>A BROKER resource (this node's id, or "" for the cluster-wide default) likewise replaces all
 * the dynamic configs of that resource, with Kafka's rules ({@link BrokerConfigAdmin}); a refused
 * change is {@code INVALID_REQUEST} with Kafka's message. A resource that appears twice in one
 * request is refused with {@code INVALID_REQUEST}. Each resource is answered separately.
 */
public final class AlterConfigsHandler implements ApiHandler<AlterConfigsRequestData> {
    private final TopicManager topics;
    private final BrokerConfigAdmin brokerConfigs;

    public AlterConfigsHandler(TopicManager topics, BrokerConfigAdmin brokerConfigs) {
        this.topics = topics;
        this.brokerConfigs = brokerConfigs;
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
                        String name = brokerConfigs.checkResource(resource.resourceName());
                        Map<String, String> set = new LinkedHashMap<>();
                        for (AlterableConfig c : resource.configs()) {
                            if (set.containsKey(c.name())) {
                                throw new InvalidRequestException("Config " + c.name() + " appears more than once");
                            }
                            if (c.value() != null) set.put(c.name(), c.value());
                        }
                        Set<String> removed = new HashSet<>(brokerConfigs.dynamic(name).keySet());
                        removed.removeAll(set.keySet());
                        brokerConfigs.alter(name, set, removed, request.validateOnly());
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
