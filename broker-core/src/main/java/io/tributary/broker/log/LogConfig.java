package io.tributary.broker.log;

import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.record.TimestampType;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The effective settings of one partition log: the topic's overrides laid over the broker's
 * defaults, which are laid over the built-in defaults of {@link TopicConfigKey}. Immutable; a
 * config change creates a new instance that the log picks up on its next operation.
 */
public final class LogConfig {
    private final Map<TopicConfigKey, String> values;
    private final Map<String, String> overrides;

    private LogConfig(Map<TopicConfigKey, String> values, Map<String, String> overrides) {
        this.values = values;
        this.overrides = overrides;
    }

    /** Built-in defaults, with any {@code log.*} broker properties present in {@code brokerProps} applied. */
    public static LogConfig brokerDefaults(Map<String, String> brokerProps) {
        Map<TopicConfigKey, String> values = new EnumMap<>(TopicConfigKey.class);
        for (TopicConfigKey key : TopicConfigKey.values()) {
            String v = brokerProps.get(key.brokerName());
            values.put(key, v == null ? key.defaultValue() : key.validate(v));
        }
        // Kafka's coarser retention names, used when the millisecond form is absent.
        if (!brokerProps.containsKey("log.retention.ms")) {
            if (brokerProps.containsKey("log.retention.minutes")) {
                values.put(TopicConfigKey.RETENTION_MS, Long.toString(60_000L * Long.parseLong(brokerProps.get("log.retention.minutes").trim())));
            } else if (brokerProps.containsKey("log.retention.hours")) {
                values.put(TopicConfigKey.RETENTION_MS, Long.toString(3_600_000L * Long.parseLong(brokerProps.get("log.retention.hours").trim())));
            }
        }
        if (!brokerProps.containsKey("log.roll.ms") && brokerProps.containsKey("log.roll.hours")) {
            values.put(TopicConfigKey.SEGMENT_MS, Long.toString(3_600_000L * Long.parseLong(brokerProps.get("log.roll.hours").trim())));
        }
        return new LogConfig(values, Map.of());
    }

    /** This config with the topic-level {@code overrides} applied; unknown names are rejected. */
    public LogConfig withOverrides(Map<String, String> overrides) {
        Map<TopicConfigKey, String> merged = new EnumMap<>(values);
        Map<String, String> canonical = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            TopicConfigKey key = TopicConfigKey.forName(e.getKey()).orElseThrow(() ->
                    new InvalidConfigurationException("Unknown topic configuration " + e.getKey()));
            String v = key.validate(e.getValue());
            merged.put(key, v);
            canonical.put(key.topicName(), v);
        }
        return new LogConfig(merged, Map.copyOf(canonical));
    }

    /** The topic-level overrides this config was built with. */
    public Map<String, String> overrides() {
        return overrides;
    }

    public String get(TopicConfigKey key) {
        return values.get(key);
    }

    public boolean isOverridden(TopicConfigKey key) {
        return overrides.containsKey(key.topicName());
    }

    private long longValue(TopicConfigKey key) {
        return Long.parseLong(values.get(key));
    }

    public int segmentBytes() { return (int) longValue(TopicConfigKey.SEGMENT_BYTES); }
    public long segmentMs() { return longValue(TopicConfigKey.SEGMENT_MS); }
    public int indexIntervalBytes() { return (int) longValue(TopicConfigKey.INDEX_INTERVAL_BYTES); }
    public long retentionMs() { return longValue(TopicConfigKey.RETENTION_MS); }
    public long retentionBytes() { return longValue(TopicConfigKey.RETENTION_BYTES); }
    public boolean compact() { return values.get(TopicConfigKey.CLEANUP_POLICY).contains("compact"); }
    public boolean delete() { return values.get(TopicConfigKey.CLEANUP_POLICY).contains("delete"); }
    public long deleteRetentionMs() { return longValue(TopicConfigKey.DELETE_RETENTION_MS); }
    public long minCompactionLagMs() { return longValue(TopicConfigKey.MIN_COMPACTION_LAG_MS); }
    public double minCleanableDirtyRatio() { return Double.parseDouble(values.get(TopicConfigKey.MIN_CLEANABLE_DIRTY_RATIO)); }
    public int maxMessageBytes() { return (int) longValue(TopicConfigKey.MAX_MESSAGE_BYTES); }
    public long timestampBeforeMaxMs() { return longValue(TopicConfigKey.MESSAGE_TIMESTAMP_BEFORE_MAX_MS); }
    public long timestampAfterMaxMs() { return longValue(TopicConfigKey.MESSAGE_TIMESTAMP_AFTER_MAX_MS); }
    public long flushMessages() { return longValue(TopicConfigKey.FLUSH_MESSAGES); }
    public long flushMs() { return longValue(TopicConfigKey.FLUSH_MS); }
    public long fileDeleteDelayMs() { return longValue(TopicConfigKey.FILE_DELETE_DELAY_MS); }
    public int minInsyncReplicas() { return (int) longValue(TopicConfigKey.MIN_INSYNC_REPLICAS); }
    public String compressionType() { return values.get(TopicConfigKey.COMPRESSION_TYPE); }

    public TimestampType timestampType() {
        return values.get(TopicConfigKey.MESSAGE_TIMESTAMP_TYPE).equals("LogAppendTime")
                ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME;
    }

    /** True when every batch is flushed to disk before its append returns. */
    public boolean flushEveryBatch() {
        return flushMessages() <= 1;
    }
}
