package io.tributary.broker.api;

import io.tributary.broker.config.BrokerConfigAdmin;
import io.tributary.broker.log.TopicConfigKey;
import io.tributary.broker.network.RequestContext;
import io.tributary.broker.topic.TopicManager;
import io.tributary.broker.topic.TopicMetadata;
import io.tributary.broker.topic.TopicNames;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * IncrementalAlterConfigs: changes individual topic settings and keeps the rest of the topic's
 * overrides.
 *
 * <ul>
 *   <li>{@code SET} overrides a setting; {@code DELETE} removes the override, so the broker
 *       default applies again.</li>
 *   <li>{@code APPEND} and {@code SUBTRACT} add or remove elements of a list setting (only
 *       {@code cleanup.policy}), starting from its current effective value; on any other setting
 *       they are {@code INVALID_CONFIG}.</li>
 * </ul>
 *
 * <p>All operations of a resource are applied to a copy and the result validated as a whole
 * before anything is stored: an unknown name or a bad value is {@code INVALID_CONFIG} with the
 * reason, a null value for anything but {@code DELETE}, an unknown operation or a name given
 * twice {@code INVALID_REQUEST}. {@code validateOnly} stops after validation.
 *
 * <p>A BROKER resource (this node's id, or "" for the cluster-wide default) changes dynamic broker
 * configs with Kafka's rules ({@link BrokerConfigAdmin}): {@code SET} sets, {@code DELETE} removes the
 * dynamic value (the next layer applies again), {@code APPEND}/{@code SUBTRACT} only on the list
 * setting {@code log.cleanup.policy}; a refused change is {@code INVALID_REQUEST} with Kafka's message.
 * Each resource is answered separately.
 *
 * <p>The read-modify-write of a topic's overrides holds this handler's {@code topicAlters} lock, so
 * concurrent incremental changes through this node do not lose each other. Not the {@link
 * TopicManager}'s monitor: in a cluster the change waits for the quorum to commit it and for this
 * node to apply it, and applying committed topics takes that monitor on the metadata thread.
 */
public final class IncrementalAlterConfigsHandler implements ApiHandler<IncrementalAlterConfigsRequestData> {
    private static final byte SET = 0;
    private static final byte DELETE = 1;
    private static final byte APPEND = 2;
    private static final byte SUBTRACT = 3;

    private final TopicManager topics;
    private final BrokerConfigAdmin brokerConfigs;
    /** Serialises the read-modify-write of topic overrides; held while the change is stored. */
    private final Object topicAlters = new Object();

    public IncrementalAlterConfigsHandler(TopicManager topics, BrokerConfigAdmin brokerConfigs) {
        this.topics = topics;
        this.brokerConfigs = brokerConfigs;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, IncrementalAlterConfigsRequestData request) {
        IncrementalAlterConfigsResponseData response = new IncrementalAlterConfigsResponseData();
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
                    case BROKER -> alterBroker(resource, request.validateOnly());
                    default -> throw new InvalidRequestException("Unsupported resource type " + resource.resourceType()
                            + " for IncrementalAlterConfigs; this broker alters TOPIC resources");
                }
            } catch (RuntimeException e) {
                result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
            }
            response.responses().add(result);
        }
        return CompletableFuture.completedFuture(response);
    }

    private void alterBroker(AlterConfigsResource resource, boolean validateOnly) {
        String name = brokerConfigs.checkResource(resource.resourceName());
        Map<String, String> set = new HashMap<>();
        Set<String> removed = new HashSet<>();
        Set<String> names = new HashSet<>();
        Map<String, String> current = new HashMap<>(brokerConfigs.effective());
        current.putAll(brokerConfigs.dynamic(name));
        for (AlterableConfig c : resource.configs()) {
            if (!names.add(c.name())) {
                throw new InvalidRequestException("Config " + c.name() + " appears more than once for broker resource '"
                        + name + "'");
            }
            byte op = c.configOperation();
            if (op != DELETE && c.value() == null) {
                throw new InvalidRequestException("Null value not supported for : " + c.name());
            }
            switch (op) {
                case SET -> set.put(c.name(), c.value());
                case DELETE -> removed.add(c.name());
                case APPEND, SUBTRACT -> {
                    if (!c.name().equals(TopicConfigKey.CLEANUP_POLICY.brokerName())) {
                        throw new InvalidRequestException("Config value " + (op == APPEND ? "append" : "subtract")
                                + " is not allowed for config key " + c.name());
                    }
                    String base = current.getOrDefault(c.name(), TopicConfigKey.CLEANUP_POLICY.defaultValue());
                    Set<String> elements = new LinkedHashSet<>(split(base));
                    if (op == APPEND) elements.addAll(split(c.value()));
                    else elements.removeAll(split(c.value()));
                    set.put(c.name(), String.join(",", elements));
                }
                default -> throw new InvalidRequestException("Unknown config operation " + op + " for " + c.name());
            }
        }
        brokerConfigs.alter(name, set, removed, validateOnly);
    }

    private void alterTopic(AlterConfigsResource resource, boolean validateOnly) {
        String name = resource.resourceName();
        TopicNames.validate(name);
        Set<String> names = new HashSet<>();
        for (AlterableConfig c : resource.configs()) {
            if (!names.add(c.name())) {
                throw new InvalidRequestException("Config " + c.name() + " appears more than once for topic " + name);
            }
        }
        synchronized (topicAlters) {
            TopicMetadata topic = topics.require(name);
            Map<String, String> overrides = new HashMap<>(topic.configs());
            for (AlterableConfig c : resource.configs()) {
                TopicConfigKey key = TopicConfigKey.forName(c.name()).orElseThrow(() ->
                        new InvalidConfigurationException("Unknown topic configuration " + c.name()));
                byte op = c.configOperation();
                if (op != DELETE && c.value() == null) {
                    throw new InvalidRequestException("Null value not supported for " + c.name());
                }
                switch (op) {
                    case SET -> overrides.put(key.topicName(), c.value());
                    case DELETE -> overrides.remove(key.topicName());
                    case APPEND, SUBTRACT -> {
                        if (key != TopicConfigKey.CLEANUP_POLICY) {
                            throw new InvalidConfigurationException("Config value " + (op == APPEND ? "append" : "subtract")
                                    + " is not allowed for config key " + c.name() + ": it is not a list");
                        }
                        String current = overrides.containsKey(key.topicName())
                                ? key.validate(overrides.get(key.topicName()))
                                : topics.brokerDefaults().get(key);
                        Set<String> elements = new LinkedHashSet<>(split(current));
                        if (op == APPEND) elements.addAll(split(c.value()));
                        else elements.removeAll(split(c.value()));
                        overrides.put(key.topicName(), String.join(",", elements));
                    }
                    default -> throw new InvalidRequestException("Unknown config operation " + op + " for " + c.name());
                }
            }
            if (validateOnly) {
                topics.brokerDefaults().withOverrides(overrides);
            } else {
                topics.setConfigs(name, overrides);
            }
        }
    }

    private static List<String> split(String list) {
        List<String> out = new ArrayList<>();
        for (String s : Arrays.asList(list.split(","))) {
            String t = s.trim();
            if (!t.isEmpty()) out.add(t);
        }
        return out;
    }
}
