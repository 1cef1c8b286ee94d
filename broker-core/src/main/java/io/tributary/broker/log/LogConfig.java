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
    // Parsed once: the append path reads these for every batch and record.
    private final int segmentBytes;
    private final long segmentMs;
    private final int indexIntervalBytes;
    private final long retentionMs;
    private final long retentionBytes;
    private final boolean compact;
    private final boolean delete;
    private final long deleteRetentionMs;
    private final long minCompactionLagMs;
    private final double minCleanableDirtyRatio;
    private final int maxMessageBytes;
    private final int maxDecompressedMessageBytes;
    private final long timestampBeforeMaxMs;
    private final long timestampAfterMaxMs;
    private final long flushMessages;
    private final long flushMs;
    private final long fileDeleteDelayMs;
    private final int minInsyncReplicas;
    private final boolean uncleanLeaderElection;
    private final TimestampType timestampType;

    private LogConfig(Map<TopicConfigKey, String> values, Map<String, String> overrides) {
        this.values = values;
        this.overrides = overrides;
        this.segmentBytes = (int) parse(TopicConfigKey.SEGMENT_BYTES);
        this.segmentMs = parse(TopicConfigKey.SEGMENT_MS);
        this.indexIntervalBytes = (int) parse(TopicConfigKey.INDEX_INTERVAL_BYTES);
        this.retentionMs = parse(TopicConfigKey.RETENTION_MS);
        this.retentionBytes = parse(TopicConfigKey.RETENTION_BYTES);
        this.compact = values.get(TopicConfigKey.CLEANUP_POLICY).contains("compact");
        this.delete = values.get(TopicConfigKey.CLEANUP_POLICY).contains("delete");
        this.deleteRetentionMs = parse(TopicConfigKey.DELETE_RETENTION_MS);
        this.minCompactionLagMs = parse(TopicConfigKey.MIN_COMPACTION_LAG_MS);
        this.minCleanableDirtyRatio = Double.parseDouble(values.get(TopicConfigKey.MIN_CLEANABLE_DIRTY_RATIO));
        this.maxMessageBytes = (int) parse(TopicConfigKey.MAX_MESSAGE_BYTES);
        this.maxDecompressedMessageBytes = (int) parse(TopicConfigKey.MAX_DECOMPRESSED_MESSAGE_BYTES);
        this.timestampBeforeMaxMs = parse(TopicConfigKey.MESSAGE_TIMESTAMP_BEFORE_MAX_MS);
        this.timestampAfterMaxMs = parse(TopicConfigKey.MESSAGE_TIMESTAMP_AFTER_MAX_MS);
        this.flushMessages = parse(TopicConfigKey.FLUSH_MESSAGES);
        this.flushMs = parse(TopicConfigKey.FLUSH_MS);
        this.fileDeleteDelayMs = parse(TopicConfigKey.FILE_DELETE_DELAY_MS);
        this.minInsyncReplicas = (int) parse(TopicConfigKey.MIN_INSYNC_REPLICAS);
        this.uncleanLeaderElection = Boolean.parseBoolean(values.get(TopicConfigKey.UNCLEAN_LEADER_ELECTION_ENABLE));
        this.timestampType = values.get(TopicConfigKey.MESSAGE_TIMESTAMP_TYPE).equals("LogAppendTime")
                ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME;
    }

    private long parse(TopicConfigKey key) {
        return Long.parseLong(values.get(key));
    }

    /** Built-in defaults, with any {@code log.*} broker properties present in {@code brokerProps} applied. */
    public static LogConfig brokerDefaults(Map<String, String> brokerProps) {
        Map<TopicConfigKey, String> values = new EnumMap<>(TopicConfigKey.class);
        for (TopicConfigKey key : TopicConfigKey.values()) {
            String v = key.brokerName() == null ? null : brokerProps.get(key.brokerName());
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

    public int segmentBytes() { return segmentBytes; }
    public long segmentMs() { return segmentMs; }
    public int indexIntervalBytes() { return indexIntervalBytes; }
    public long retentionMs() { return retentionMs; }
    public long retentionBytes() { return retentionBytes; }
    public boolean compact() { return compact; }
    public boolean delete() { return delete; }
    public long deleteRetentionMs() { return deleteRetentionMs; }
    public long minCompactionLagMs() { return minCompactionLagMs; }
    public double minCleanableDirtyRatio() { return minCleanableDirtyRatio; }
    public int maxMessageBytes() { return maxMessageBytes; }
    /** The largest record body a compressed batch may decompress to (Kafka's per-record limit). */
    public int maxDecompressedMessageBytes() { return maxDecompressedMessageBytes; }
    public long timestampBeforeMaxMs() { return timestampBeforeMaxMs; }
    public long timestampAfterMaxMs() { return timestampAfterMaxMs; }
    public long flushMessages() { return flushMessages; }
    public long flushMs() { return flushMs; }
    public long fileDeleteDelayMs() { return fileDeleteDelayMs; }
    public int minInsyncReplicas() { return minInsyncReplicas; }
    public boolean uncleanLeaderElection() { return uncleanLeaderElection; }
    public String compressionType() { return values.get(TopicConfigKey.COMPRESSION_TYPE); }
    public TimestampType timestampType() { return timestampType; }

    /** True when every batch is flushed to disk before its append returns. */
    public boolean flushEveryBatch() {
        return flushMessages() <= 1;
    }
}
