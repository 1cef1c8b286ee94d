package io.tributary.broker.api;

import io.tributary.broker.BrokerConfig;
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
 * value and where it came from: {@code TOPIC_CONFIG} for the topic's own override,
 * {@code STATIC_BROKER_CONFIG} when the broker property that supplies the default (for example
 * {@code log.retention.ms}, or Kafka's coarser {@code log.retention.hours}) was set, otherwise
 * {@code DEFAULT_CONFIG}. With {@code includeSynonyms} each entry lists those sources in priority
 * order, as Kafka does. Topic settings are writable (AlterConfigs, IncrementalAlterConfigs).
 *
 * <p>A BROKER resource named by this node's id lists the broker's properties — everything in
 * {@link BrokerConfig#asMap()} and the broker-level name of every topic default — as
 * {@code STATIC_BROKER_CONFIG} (set in the properties) or {@code DEFAULT_CONFIG}, all read-only:
 * broker settings are read once at startup. The empty name (Kafka's cluster-wide dynamic default)
 * has no entries. Settings whose names suggest a secret are reported sensitive with a null value.
 *
 * <p>Requested config names filter the entries; names that do not exist are left out. Each
 * resource is answered separately: an unknown topic gets {@code UNKNOWN_TOPIC_OR_PARTITION}, an
 * unknown broker id or resource type {@code INVALID_REQUEST}.
 */
public final class DescribeConfigsHandler implements ApiHandler<DescribeConfigsRequestData> {
    /** Broker properties that are older, coarser spellings of a topic default. */
    private static final Map<TopicConfigKey, List<String>> EXTRA_BROKER_SYNONYMS = Map.of(
            TopicConfigKey.RETENTION_MS, List.of("log.retention.minutes", "log.retention.hours"),
            TopicConfigKey.SEGMENT_MS, List.of("log.roll.hours"));

    private final TopicManager topics;
    private final BrokerConfig brokerConfig;

    public DescribeConfigsHandler(TopicManager topics, BrokerConfig brokerConfig) {
        this.topics = topics;
        this.brokerConfig = brokerConfig;
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
                        checkBrokerResource(resource.resourceName(), brokerConfig.nodeId());
                        yield resource.resourceName().isEmpty() ? List.of() : describeBroker(request.includeSynonyms());
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

    /**
     * Accepts the BROKER resource names this node answers for: its own id, or the empty name of
     * the cluster-wide default.
     */
    static void checkBrokerResource(String name, int nodeId) {
        if (name.isEmpty()) return;
        int id;
        try {
            id = Integer.parseInt(name.trim());
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("Broker id must be an integer, but it is: " + name);
        }
        if (id != nodeId) {
            throw new InvalidRequestException("Unexpected broker id, expected " + nodeId
                    + " or empty string, but received " + name);
        }
    }

    private List<DescribeConfigsResourceResult> describeTopic(String name, boolean includeSynonyms) {
        TopicNames.validate(name);
        TopicMetadata topic = topics.require(name);
        LogConfig effective = topics.brokerDefaults().withOverrides(topic.configs());
        Map<String, String> brokerProps = brokerConfig.asMap();
        List<DescribeConfigsResourceResult> entries = new ArrayList<>();
        for (TopicConfigKey key : TopicConfigKey.values()) {
            List<DescribeConfigsSynonym> synonyms = new ArrayList<>();
            if (topic.configs().containsKey(key.topicName())) {
                synonyms.add(synonym(key.topicName(), topic.configs().get(key.topicName()), ConfigSource.TOPIC_CONFIG));
            }
            List<String> brokerNames = new ArrayList<>();
            brokerNames.add(key.brokerName());
            brokerNames.addAll(EXTRA_BROKER_SYNONYMS.getOrDefault(key, List.of()));
            for (String brokerName : brokerNames) {
                String v = brokerProps.get(brokerName);
                if (v != null) synonyms.add(synonym(brokerName, v.trim(), ConfigSource.STATIC_BROKER_CONFIG));
            }
            synonyms.add(synonym(key.brokerName(), key.defaultValue(), ConfigSource.DEFAULT_CONFIG));
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

    private List<DescribeConfigsResourceResult> describeBroker(boolean includeSynonyms) {
        Map<String, String> props = brokerConfig.asMap();
        Map<String, DescribeConfigsResourceResult> byName = new TreeMap<>();
        for (Map.Entry<String, String> e : props.entrySet()) {
            String name = e.getKey();
            String value = e.getValue() == null ? null : e.getValue().trim();
            String builtIn = BrokerConfig.DEFAULTS.get(name);
            ConfigSource source = builtIn != null && builtIn.equals(value)
                    ? ConfigSource.DEFAULT_CONFIG : ConfigSource.STATIC_BROKER_CONFIG;
            TopicConfigKey topicKey = topicKeyForBrokerName(name);
            ConfigType type = topicKey != null ? topicConfigType(topicKey) : inferType(builtIn != null ? builtIn : value);
            byName.put(name, brokerEntry(name, value, source, type, includeSynonyms));
        }
        LogConfig defaults = topics.brokerDefaults();
        for (TopicConfigKey key : TopicConfigKey.values()) {
            if (byName.containsKey(key.brokerName())) continue;
            byName.put(key.brokerName(), brokerEntry(key.brokerName(), defaults.get(key), ConfigSource.DEFAULT_CONFIG,
                    topicConfigType(key), includeSynonyms));
        }
        return new ArrayList<>(byName.values());
    }

    private static DescribeConfigsResourceResult brokerEntry(String name, String value, ConfigSource source,
                                                             ConfigType type, boolean includeSynonyms) {
        boolean sensitive = isSensitive(name);
        String shown = sensitive ? null : value;
        DescribeConfigsResourceResult entry = new DescribeConfigsResourceResult()
                .setName(name)
                .setValue(shown)
                .setReadOnly(true)
                .setIsSensitive(sensitive)
                .setConfigSource(source.id())
                .setConfigType(sensitive ? ConfigType.PASSWORD.id() : type.id())
                .setDocumentation(null);
        if (includeSynonyms) entry.setSynonyms(new ArrayList<>(List.of(synonym(name, shown, source))));
        return entry;
    }

    private static DescribeConfigsSynonym synonym(String name, String value, ConfigSource source) {
        return new DescribeConfigsSynonym().setName(name).setValue(value).setSource(source.id());
    }

    private static boolean isSensitive(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.contains("password") || n.contains("secret") || n.endsWith("jaas.config") || n.endsWith(".key")
                || n.endsWith("scram.initial.users")
                // Kafka types the PEM values as passwords too.
                || n.endsWith("ssl.keystore.certificate.chain") || n.endsWith("ssl.truststore.certificates");
    }

    private static TopicConfigKey topicKeyForBrokerName(String brokerName) {
        for (TopicConfigKey key : TopicConfigKey.values()) {
            if (key.brokerName().equals(brokerName)) return key;
        }
        return null;
    }

    /** Kafka's declared type of each topic setting. */
    static ConfigType topicConfigType(TopicConfigKey key) {
        return switch (key.topicName()) {
            case "segment.bytes", "index.interval.bytes", "max.message.bytes", "min.insync.replicas" -> ConfigType.INT;
            case "cleanup.policy" -> ConfigType.LIST;
            case "min.cleanable.dirty.ratio" -> ConfigType.DOUBLE;
            case "message.timestamp.type", "compression.type" -> ConfigType.STRING;
            case "unclean.leader.election.enable" -> ConfigType.BOOLEAN;
            default -> {
                ConfigType inferred = inferType(key.defaultValue());
                yield inferred == ConfigType.INT ? ConfigType.LONG : inferred;
            }
        };
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
