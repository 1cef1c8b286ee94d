package io.tributary.broker.api;

import io.tributary.broker.BrokerConfig;
import io.tributary.broker.config.BrokerConfigAdmin;
import io.tributary.broker.config.DynamicBrokerConfigs;
import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.TopicConfigKey;
import io.tributary.broker.network.RequestContext;
import io.tributary.broker.topic.TopicManager;
import io.tributary.broker.topic.TopicMetadata;
import io.tributary.broker.topic.TopicNames;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeConfigs for topics and for this broker.
 *
 * <p>A TOPIC resource lists every topic setting of {@link TopicConfigKey} with its effective
 * value and where it came from, in Kafka's order of precedence: {@code TOPIC_CONFIG} for the
 * topic's own override, {@code DYNAMIC_BROKER_CONFIG} / {@code DYNAMIC_DEFAULT_BROKER_CONFIG} when
 * the broker property that supplies the default (for example {@code log.retention.ms}, or Kafka's
 * coarser {@code log.retention.hours}) was set at run time for this node / for the cluster,
 * {@code STATIC_BROKER_CONFIG} when it was set in the properties, otherwise {@code DEFAULT_CONFIG}.
 * With {@code includeSynonyms} each entry lists those sources in that order, as Kafka does.
 *
 * <p>A BROKER resource named by this node's id lists the broker's properties, the broker-level
 * name of every topic default and every setting that may change at run time, with the same
 * sources; settings that cannot change at run time are read-only. The empty name (the
 * cluster-wide default) lists the dynamic defaults that were set, as Kafka does. Secrets (passwords,
 * keys) are reported sensitive with a null value, in the entry and in its synonyms.
 *
 * <p>Requested config names filter the entries; names that do not exist are left out. Each
 * resource is answered separately: an unknown topic gets {@code UNKNOWN_TOPIC_OR_PARTITION}, an
 * unknown broker id or resource type {@code INVALID_REQUEST}.
 */
public final class DescribeConfigsHandler implements ApiHandler<DescribeConfigsRequestData> {
    private final TopicManager topics;
    private final BrokerConfigAdmin brokerConfigs;

    public DescribeConfigsHandler(TopicManager topics, BrokerConfigAdmin brokerConfigs) {
        this.topics = topics;
        this.brokerConfigs = brokerConfigs;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, DescribeConfigsRequestData request) {
        short version = ctx.apiVersion();
        DescribeConfigsResponseData response = new DescribeConfigsResponseData();
        for (DescribeConfigsResource resource : request.resources()) {
            DescribeConfigsResult result = new DescribeConfigsResult().setResourceType(resource.resourceType())
                    .setResourceName(resource.resourceName()).setErrorMessage(null);
            try {
                Set<String> wanted = resource.configurationKeys() == null ? null : new HashSet<>(resource.configurationKeys());
                List<DescribeConfigsResourceResult> entries = switch (ConfigResource.Type.forId(resource.resourceType())) {
                    case TOPIC -> describeTopic(resource.resourceName(), request.includeSynonyms());
                    case BROKER -> {
                        String name = brokerConfigs.checkResource(resource.resourceName());
                        yield name.isEmpty() ? describeClusterDefault(request.includeSynonyms())
                                : describeBroker(request.includeSynonyms());
                    }
                    default -> throw new InvalidRequestException("Unsupported resource type " + resource.resourceType()
                            + " for DescribeConfigs; this broker describes TOPIC and BROKER resources");
                };
                for (DescribeConfigsResourceResult entry : entries) {
                    if (wanted != null && !wanted.contains(entry.name())) continue;
                    if (version < 3) entry.setConfigType(ConfigType.UNKNOWN.id());
                    result.configs().add(entry);
                }
            } catch (RuntimeException e) {
                result.configs().clear();
                result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
            }
            response.results().add(result);
        }
        return CompletableFuture.completedFuture(response);
    }

    private List<DescribeConfigsResourceResult> describeTopic(String name, boolean includeSynonyms) {
        TopicNames.validate(name);
        TopicMetadata topic = topics.require(name);
        LogConfig effective = topics.brokerDefaults().withOverrides(topic.configs());
        List<DescribeConfigsResourceResult> entries = new ArrayList<>();
        for (TopicConfigKey key : TopicConfigKey.values()) {
            List<DescribeConfigsSynonym> synonyms = new ArrayList<>();
            if (topic.configs().containsKey(key.topicName())) {
                synonyms.add(synonym(key.topicName(), topic.configs().get(key.topicName()), ConfigSource.TOPIC_CONFIG));
            }
            if (key.brokerName() != null) {
                synonyms.addAll(brokerLayers(DynamicBrokerConfigs.synonyms(key.brokerName())));
            }
            synonyms.add(synonym(key.brokerName() != null ? key.brokerName() : key.topicName(), key.defaultValue(),
                    ConfigSource.DEFAULT_CONFIG));
            DescribeConfigsResourceResult entry = new DescribeConfigsResourceResult()
                    .setName(key.topicName())
                    .setValue(effective.get(key))
                    .setReadOnly(false)
                    .setIsSensitive(false)
                    .setConfigSource(synonyms.get(0).source())
                    .setConfigType(topicConfigType(key).id())
                    .setDocumentation(null);
            if (includeSynonyms) entry.setSynonyms(synonyms);
            entries.add(entry);
        }
        return entries;
    }

    /**
     * The dynamic and static layers of a broker setting known by the names {@code names}: this
     * node's dynamic value, the cluster-wide dynamic default, the static property (when it was set
     * to something other than the built-in default), each name in order within a layer.
     */
    private List<DescribeConfigsSynonym> brokerLayers(List<String> names) {
        List<DescribeConfigsSynonym> out = new ArrayList<>();
        Map<String, String> own = brokerConfigs.dynamic(Integer.toString(brokerConfigs.nodeId()));
        Map<String, String> clusterDefault = brokerConfigs.dynamic(DynamicBrokerConfigs.DEFAULT_RESOURCE);
        Map<String, String> props = brokerConfigs.staticProps();
        for (String n : names) if (own.containsKey(n)) out.add(synonym(n, shown(n, own.get(n)), ConfigSource.DYNAMIC_BROKER_CONFIG));
        for (String n : names) {
            if (clusterDefault.containsKey(n)) {
                out.add(synonym(n, shown(n, clusterDefault.get(n)), ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG));
            }
        }
        for (String n : names) {
            String v = props.get(n);
            if (v == null) continue;
            String builtIn = BrokerConfig.DEFAULTS.get(n);
            if (builtIn != null && builtIn.equals(v.trim())) continue;
            out.add(synonym(n, shown(n, v.trim()), ConfigSource.STATIC_BROKER_CONFIG));
        }
        return out;
    }

    private static String shown(String name, String value) {
        return DynamicBrokerConfigs.isSensitive(name) ? null : value;
    }

    /** The built-in default of a broker setting, or null when it has none. */
    private static String builtInDefault(String name) {
        String d = BrokerConfig.DEFAULTS.get(name);
        if (d != null) return d;
        var topicKey = TopicConfigKey.forBrokerName(name);
        if (topicKey.isPresent()) return topicKey.get().defaultValue();
        return DynamicBrokerConfigs.CLEANER_DEFAULTS.get(name);
    }

    private List<DescribeConfigsResourceResult> describeBroker(boolean includeSynonyms) {
        java.util.Set<String> names = new java.util.TreeSet<>(brokerConfigs.staticProps().keySet());
        for (TopicConfigKey key : TopicConfigKey.values()) if (key.brokerName() != null) names.add(key.brokerName());
        names.addAll(DynamicBrokerConfigs.CLEANER_DEFAULTS.keySet());
        names.addAll(brokerConfigs.dynamic(Integer.toString(brokerConfigs.nodeId())).keySet());
        names.addAll(brokerConfigs.dynamic(DynamicBrokerConfigs.DEFAULT_RESOURCE).keySet());
        LogConfig defaults = topics.brokerDefaults();
        List<DescribeConfigsResourceResult> entries = new ArrayList<>();
        for (String name : names) {
            List<DescribeConfigsSynonym> synonyms = brokerLayers(DynamicBrokerConfigs.synonyms(name));
            String builtIn = builtInDefault(name);
            if (builtIn != null) synonyms.add(synonym(name, shown(name, builtIn), ConfigSource.DEFAULT_CONFIG));
            var topicKey = TopicConfigKey.forBrokerName(name);
            String value;
            if (topicKey.isPresent()) {
                value = defaults.get(topicKey.get());
            } else if (!synonyms.isEmpty()) {
                value = synonyms.get(0).value();
            } else {
                String v = brokerConfigs.staticProps().get(name);
                value = v == null ? null : v.trim();
            }
            ConfigSource source = synonyms.isEmpty() ? ConfigSource.DEFAULT_CONFIG
                    : ConfigSource.forId(synonyms.get(0).source());
            boolean sensitive = DynamicBrokerConfigs.isSensitive(name);
            ConfigType type = sensitive ? ConfigType.PASSWORD : topicKey.isPresent() ? topicConfigType(topicKey.get())
                    : inferType(builtIn != null ? builtIn : value);
            DescribeConfigsResourceResult entry = new DescribeConfigsResourceResult()
                    .setName(name)
                    .setValue(sensitive ? null : value)
                    .setReadOnly(brokerConfigs.rules().mode(name) == DynamicBrokerConfigs.Mode.READ_ONLY)
                    .setIsSensitive(sensitive)
                    .setConfigSource(source.id())
                    .setConfigType(type.id())
                    .setDocumentation(null);
            if (includeSynonyms) entry.setSynonyms(synonyms);
            entries.add(entry);
        }
        return entries;
    }

    /** The cluster-wide dynamic defaults that were set (Kafka lists nothing else for this resource). */
    private List<DescribeConfigsResourceResult> describeClusterDefault(boolean includeSynonyms) {
        List<DescribeConfigsResourceResult> entries = new ArrayList<>();
        for (Map.Entry<String, String> e : new TreeMap<>(brokerConfigs.dynamic(DynamicBrokerConfigs.DEFAULT_RESOURCE)).entrySet()) {
            String name = e.getKey();
            boolean sensitive = DynamicBrokerConfigs.isSensitive(name);
            var topicKey = TopicConfigKey.forBrokerName(name);
            ConfigType type = sensitive ? ConfigType.PASSWORD : topicKey.isPresent() ? topicConfigType(topicKey.get())
                    : inferType(e.getValue());
            DescribeConfigsResourceResult entry = new DescribeConfigsResourceResult()
                    .setName(name)
                    .setValue(sensitive ? null : e.getValue())
                    .setReadOnly(false)
                    .setIsSensitive(sensitive)
                    .setConfigSource(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.id())
                    .setConfigType(type.id())
                    .setDocumentation(null);
            if (includeSynonyms) {
                entry.setSynonyms(new ArrayList<>(List.of(synonym(name, entry.value(),
                        ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG))));
            }
            entries.add(entry);
        }
        return entries;
    }

    private static DescribeConfigsSynonym synonym(String name, String value, ConfigSource source) {
        return new DescribeConfigsSynonym().setName(name).setValue(value).setSource(source.id());
    }

    /** Kafka's declared type of each topic setting. */
    static ConfigType topicConfigType(TopicConfigKey key) {
        return ConfigType.valueOf(key.kafkaType());
    }

    private static ConfigType inferType(String value) {
        if (value == null) return ConfigType.STRING;
        if (value.equals("true") || value.equals("false")) return ConfigType.BOOLEAN;
        try {
            Integer.parseInt(value);
            return ConfigType.INT;
        } catch (NumberFormatException notInt) {
            try {
                Long.parseLong(value);
                return ConfigType.LONG;
            } catch (NumberFormatException notLong) {
                return ConfigType.STRING;
            }
        }
    }
}
