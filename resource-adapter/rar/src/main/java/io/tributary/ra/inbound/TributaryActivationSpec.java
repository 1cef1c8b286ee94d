package io.tributary.ra.inbound;

import io.tributary.api.BatchRecordListener;
import io.tributary.api.RecordListener;
import io.tributary.ra.config.ConfigProperties;
import io.tributary.ra.config.InvalidPropertyValueException;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.Activation;
import jakarta.resource.spi.ActivationSpec;
import jakarta.resource.spi.ConfigProperty;
import jakarta.resource.spi.InvalidPropertyException;
import jakarta.resource.spi.ResourceAdapter;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * How a message-driven bean consumes: which topics, as which consumer group, and what happens
 * when delivery fails. Set with {@code @ActivationConfigProperty}; every property is listed with
 * its default in {@code docs/adapter.md}. {@link #validate()} checks every property with
 * {@link ConfigProperties}, so a rejection names the property and its value.
 */
@Activation(messageListeners = {RecordListener.class, BatchRecordListener.class})
public class TributaryActivationSpec implements ActivationSpec, Serializable {
    private static final long serialVersionUID = 1L;
    /** The {@code auto.offset.reset} values Kafka's consumer accepts. */
    private static final List<String> AUTO_OFFSET_RESETS = List.of("earliest", "latest", "none");
    private static final List<String> ISOLATION_LEVELS = List.of("read_committed", "read_uncommitted");
    /** Each retry after an outage waits twice as long as the one before (up to {@code outageBackoffMax}). */
    private static final double OUTAGE_BACKOFF_MULTIPLIER = 2.0;

    @ConfigProperty(description = "Comma-separated topics to consume")
    private String topics = "";
    @ConfigProperty(description = "Regular expression of topics to consume (instead of topics)")
    private String topicPattern = "";
    @ConfigProperty(description = "Consumer group id; members of one group share the partitions")
    private String groupId = "";
    @ConfigProperty(defaultValue = "earliest", description = "Where to start without a stored offset: earliest, latest or none")
    private String autoOffsetReset = "earliest";
    @ConfigProperty(defaultValue = "read_committed", description = "read_committed: only records of committed "
            + "transactions (and non-transactional ones) are delivered; read_uncommitted: aborted ones too")
    private String isolationLevel = "read_committed";
    @ConfigProperty(defaultValue = "500", description = "Most records fetched per poll (and per batch delivery)")
    private Integer maxPollRecords = 500;
    @ConfigProperty(defaultValue = "1", description = "Consumers (group members) of this endpoint; partitions are processed in parallel")
    private Integer concurrency = 1;
    @ConfigProperty(defaultValue = "5", description = "Redeliveries of a failing record before it goes to the dead-letter topic")
    private Integer maxRedeliveries = 5;
    @ConfigProperty(defaultValue = "1000", description = "Milliseconds to wait before the first redelivery; "
            + "each further one waits redeliveryBackoffMultiplier times longer, up to redeliveryBackoffMax")
    private Long redeliveryBackoff = 1000L;
    @ConfigProperty(defaultValue = "60000", description = "Longest wait in milliseconds before a redelivery "
            + "(at least redeliveryBackoff)")
    private Long redeliveryBackoffMax = 60_000L;
    @ConfigProperty(defaultValue = "2.0", description = "Factor by which each redelivery waits longer than the one before")
    private Double redeliveryBackoffMultiplier = 2.0;
    @ConfigProperty(defaultValue = "1000", description = "Milliseconds to wait before retrying after an outage "
            + "(a failed transaction or resource) and before restarting a failed consumer; doubles at each retry, "
            + "up to outageBackoffMax")
    private Long outageBackoff = 1000L;
    @ConfigProperty(defaultValue = "60000", description = "Longest wait in milliseconds before retrying after an outage "
            + "(at least outageBackoff)")
    private Long outageBackoffMax = 60_000L;
    @ConfigProperty(description = "Comma-separated exception classes (subclasses included) that mean an outage: "
            + "the record is retried with the outage backoff, without spending a redelivery")
    private String retryableExceptions = "";
    @ConfigProperty(description = "Comma-separated exception classes (subclasses included) that dead-letter "
            + "the record at its first failure")
    private String nonRetryableExceptions = "";
    @ConfigProperty(description = "Dead-letter topic; default <topic>.DLT")
    private String deadLetterTopic = "";
    @ConfigProperty(description = "JNDI name of a JTA datasource holding the offset table; default the adapter's H2 database")
    private String offsetDataSource = "";
    @ConfigProperty(description = "Further kafka-clients consumer properties, name=value;name=value")
    private String consumerProperties = "";
    @ConfigProperty(description = "Class of a Kafka Deserializer for record keys (TributaryRecord.deserializedKey); default: none, the bytes")
    private String keyDeserializer = "";
    @ConfigProperty(description = "Class of a Kafka Deserializer for record values (TributaryRecord.deserializedValue); default: none, the bytes")
    private String valueDeserializer = "";
    @ConfigProperty(description = "JSON-B configuration of TributaryRecord.valueAs, JSON-B property names: "
            + "jsonb.property-naming-strategy=LOWER_CASE_WITH_UNDERSCORES")
    private String jsonbConfig = "";
    /**
     * The {@code resourceAdapter} activation property is read by Payara to bind the bean, not by the
     * adapter. It is not a {@code @ConfigProperty}: its bean property name would clash with
     * {@link #setResourceAdapter(ResourceAdapter)}, which WildFly's validation rejects.
     */
    private String resourceAdapter = "";

    private transient ResourceAdapter ra;

    @Override
    public void validate() throws InvalidPropertyException {
        try {
            ConfigProperties.exactlyOne("topics", topics, "topicPattern", topicPattern);
            ConfigProperties.required("groupId", groupId);
            ConfigProperties.oneOf("autoOffsetReset", autoOffsetReset, AUTO_OFFSET_RESETS);
            ConfigProperties.oneOf("isolationLevel", isolationLevel, ISOLATION_LEVELS);
            ConfigProperties.atLeast("maxPollRecords", maxPollRecords, 1);
            ConfigProperties.atLeast("concurrency", concurrency, 1);
            ConfigProperties.atLeast("maxRedeliveries", maxRedeliveries, 0);
            ConfigProperties.atLeast("redeliveryBackoff", redeliveryBackoff, 0);
            ConfigProperties.atLeast("redeliveryBackoffMax", redeliveryBackoffMax, 0);
            ConfigProperties.notBelow("redeliveryBackoffMultiplier", redeliveryBackoffMultiplier, 1);
            ConfigProperties.atLeast("outageBackoff", outageBackoff, 1);
            ConfigProperties.atLeast("outageBackoffMax", outageBackoffMax, 1);
            consumerPropertyMap();
            jsonbConfigMap();
        } catch (InvalidPropertyValueException e) {
            throw new InvalidPropertyException(e.getMessage(), e);
        }
    }

    /** The topics to consume, when {@link #usesTopicPattern()} is false. */
    public List<String> topicList() {
        return ConfigProperties.commaList(topics);
    }

    /** Whether the topics are chosen by {@code topicPattern} rather than listed in {@code topics}. */
    public boolean usesTopicPattern() {
        return ConfigProperties.isSet(topicPattern);
    }

    /** {@code autoOffsetReset} as the consumer property wants it (lower case). */
    public String autoOffsetResetValue() {
        return ConfigProperties.oneOf("autoOffsetReset", autoOffsetReset, AUTO_OFFSET_RESETS);
    }

    /** {@code isolationLevel} as the consumer property wants it (lower case). */
    public String isolationLevelValue() {
        return ConfigProperties.oneOf("isolationLevel", isolationLevel, ISOLATION_LEVELS);
    }

    /** {@code consumerProperties} as kafka-clients consumer properties, in the written order. */
    public Map<String, String> consumerPropertyMap() {
        return ConfigProperties.nameValuePairs("consumerProperties", consumerProperties);
    }

    /** The waits before redeliveries of a record that failed for its own sake; the cap is at least the first wait. */
    Backoff redeliveryBackoffPolicy() {
        return new Backoff(redeliveryBackoff, Math.max(redeliveryBackoff, redeliveryBackoffMax), redeliveryBackoffMultiplier);
    }

    /** The waits before retrying after an outage, and before restarting a failed consumer; the cap is at least the first wait. */
    Backoff outageBackoffPolicy() {
        return new Backoff(outageBackoff, Math.max(outageBackoff, outageBackoffMax), OUTAGE_BACKOFF_MULTIPLIER);
    }

    /** {@code retryableExceptions} as class names. */
    public List<String> retryableExceptionList() {
        return ConfigProperties.commaList(retryableExceptions);
    }

    /** {@code nonRetryableExceptions} as class names. */
    public List<String> nonRetryableExceptionList() {
        return ConfigProperties.commaList(nonRetryableExceptions);
    }

    /** {@code jsonbConfig} as JSON-B properties, in the written order. */
    public Map<String, String> jsonbConfigMap() {
        return ConfigProperties.nameValuePairs("jsonbConfig", jsonbConfig);
    }

    /** The dead-letter topic for records of {@code topic}. */
    public String deadLetterTopicFor(String topic) {
        return ConfigProperties.isSet(deadLetterTopic) ? deadLetterTopic : topic + ".DLT";
    }

    @Override
    public ResourceAdapter getResourceAdapter() {
        return ra;
    }

    @Override
    public void setResourceAdapter(ResourceAdapter ra) throws ResourceException {
        this.ra = ra;
    }

    public String getTopics() { return topics; }
    public void setTopics(String v) { this.topics = v; }
    public String getTopicPattern() { return topicPattern; }
    public void setTopicPattern(String v) { this.topicPattern = v; }
    public String getGroupId() { return groupId; }
    public void setGroupId(String v) { this.groupId = v; }
    public String getAutoOffsetReset() { return autoOffsetReset; }
    public void setAutoOffsetReset(String v) { this.autoOffsetReset = v; }
    public String getIsolationLevel() { return isolationLevel; }
    public void setIsolationLevel(String v) { this.isolationLevel = v; }
    public Integer getMaxPollRecords() { return maxPollRecords; }
    public void setMaxPollRecords(Integer v) { this.maxPollRecords = v; }
    public Integer getConcurrency() { return concurrency; }
    public void setConcurrency(Integer v) { this.concurrency = v; }
    public Integer getMaxRedeliveries() { return maxRedeliveries; }
    public void setMaxRedeliveries(Integer v) { this.maxRedeliveries = v; }
    public Long getRedeliveryBackoff() { return redeliveryBackoff; }
    public void setRedeliveryBackoff(Long v) { this.redeliveryBackoff = v; }
    public Long getRedeliveryBackoffMax() { return redeliveryBackoffMax; }
    public void setRedeliveryBackoffMax(Long v) { this.redeliveryBackoffMax = v; }
    public Double getRedeliveryBackoffMultiplier() { return redeliveryBackoffMultiplier; }
    public void setRedeliveryBackoffMultiplier(Double v) { this.redeliveryBackoffMultiplier = v; }
    public Long getOutageBackoff() { return outageBackoff; }
    public void setOutageBackoff(Long v) { this.outageBackoff = v; }
    public Long getOutageBackoffMax() { return outageBackoffMax; }
    public void setOutageBackoffMax(Long v) { this.outageBackoffMax = v; }
    public String getRetryableExceptions() { return retryableExceptions; }
    public void setRetryableExceptions(String v) { this.retryableExceptions = v; }
    public String getNonRetryableExceptions() { return nonRetryableExceptions; }
    public void setNonRetryableExceptions(String v) { this.nonRetryableExceptions = v; }
    public String getDeadLetterTopic() { return deadLetterTopic; }
    public void setDeadLetterTopic(String v) { this.deadLetterTopic = v; }
    public String getOffsetDataSource() { return offsetDataSource; }
    public void setOffsetDataSource(String v) { this.offsetDataSource = v; }
    public String getConsumerProperties() { return consumerProperties; }
    public void setConsumerProperties(String v) { this.consumerProperties = v; }
    public String getKeyDeserializer() { return keyDeserializer; }
    public void setKeyDeserializer(String v) { this.keyDeserializer = v; }
    public String getValueDeserializer() { return valueDeserializer; }
    public void setValueDeserializer(String v) { this.valueDeserializer = v; }
    public String getJsonbConfig() { return jsonbConfig; }
    public void setJsonbConfig(String v) { this.jsonbConfig = v; }
    public String getResourceAdapterName() { return resourceAdapter; }
    public void setResourceAdapterName(String v) { this.resourceAdapter = v; }
}
