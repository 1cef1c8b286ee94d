package io.tributary.broker.log;

import org.apache.kafka.common.errors.InvalidConfigurationException;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every per-topic setting: its Kafka topic-level name, the broker property that supplies the
 * default for topics that do not override it (Kafka's names), the built-in default, and its
 * validation. This enum is the single place topic settings are defined; {@code
 * docs/configuration.md} lists the same table.
 */
public enum TopicConfigKey {
    SEGMENT_BYTES("segment.bytes", "log.segment.bytes", "1073741824", Kind.INT, 14),
    SEGMENT_MS("segment.ms", "log.roll.ms", "604800000", Kind.LONG, 1),
    SEGMENT_JITTER_MS("segment.jitter.ms", "log.roll.jitter.ms", "0", Kind.LONG, 0),
    SEGMENT_INDEX_BYTES("segment.index.bytes", "log.index.size.max.bytes", "10485760", Kind.INT, 4),
    INDEX_INTERVAL_BYTES("index.interval.bytes", "log.index.interval.bytes", "4096", Kind.INT, 0),
    RETENTION_MS("retention.ms", "log.retention.ms", "604800000", Kind.LONG, -1),
    RETENTION_BYTES("retention.bytes", "log.retention.bytes", "-1", Kind.LONG, Long.MIN_VALUE),
    CLEANUP_POLICY("cleanup.policy", "log.cleanup.policy", "delete", Kind.POLICY, 0),
    DELETE_RETENTION_MS("delete.retention.ms", "log.cleaner.delete.retention.ms", "86400000", Kind.LONG, 0),
    MIN_COMPACTION_LAG_MS("min.compaction.lag.ms", "log.cleaner.min.compaction.lag.ms", "0", Kind.LONG, 0),
    MAX_COMPACTION_LAG_MS("max.compaction.lag.ms", "log.cleaner.max.compaction.lag.ms", String.valueOf(Long.MAX_VALUE),
            Kind.LONG, 1),
    MIN_CLEANABLE_DIRTY_RATIO("min.cleanable.dirty.ratio", "log.cleaner.min.cleanable.ratio", "0.5", Kind.RATIO, 0),
    MAX_MESSAGE_BYTES("max.message.bytes", "message.max.bytes", "1048588", Kind.INT, 0),
    MAX_DECOMPRESSED_MESSAGE_BYTES("max.decompressed.message.bytes", "max.decompressed.message.bytes", "8388608",
            Kind.INT, 0),
    MESSAGE_TIMESTAMP_TYPE("message.timestamp.type", "log.message.timestamp.type", "CreateTime", Kind.TIMESTAMP_TYPE, 0),
    MESSAGE_TIMESTAMP_BEFORE_MAX_MS("message.timestamp.before.max.ms", "log.message.timestamp.before.max.ms",
            String.valueOf(Long.MAX_VALUE), Kind.LONG, 0),
    MESSAGE_TIMESTAMP_AFTER_MAX_MS("message.timestamp.after.max.ms", "log.message.timestamp.after.max.ms",
            "3600000", Kind.LONG, 0),
    FLUSH_MESSAGES("flush.messages", "log.flush.interval.messages", String.valueOf(Long.MAX_VALUE), Kind.LONG, 1),
    FLUSH_MS("flush.ms", "log.flush.interval.ms", String.valueOf(Long.MAX_VALUE), Kind.LONG, 0),
    FILE_DELETE_DELAY_MS("file.delete.delay.ms", "log.segment.delete.delay.ms", "60000", Kind.LONG, 0),
    PREALLOCATE("preallocate", "log.preallocate", "false", Kind.BOOLEAN, 0),
    MIN_INSYNC_REPLICAS("min.insync.replicas", "min.insync.replicas", "1", Kind.INT, 1),
    COMPRESSION_TYPE("compression.type", "compression.type", "producer", Kind.COMPRESSION, 0),
    COMPRESSION_GZIP_LEVEL("compression.gzip.level", "compression.gzip.level", "-1", Kind.GZIP_LEVEL, 0),
    COMPRESSION_LZ4_LEVEL("compression.lz4.level", "compression.lz4.level", "9", Kind.INT, 1, 17),
    COMPRESSION_ZSTD_LEVEL("compression.zstd.level", "compression.zstd.level", "3", Kind.INT, -131072, 22),
    UNCLEAN_LEADER_ELECTION_ENABLE("unclean.leader.election.enable", "unclean.leader.election.enable", "false",
            Kind.BOOLEAN, 0),
    LEADER_REPLICATION_THROTTLED_REPLICAS("leader.replication.throttled.replicas", null, "", Kind.THROTTLED_REPLICAS, 0),
    FOLLOWER_REPLICATION_THROTTLED_REPLICAS("follower.replication.throttled.replicas", null, "", Kind.THROTTLED_REPLICAS,
            0),
    REMOTE_STORAGE_ENABLE("remote.storage.enable", null, "false", Kind.REMOTE_STORAGE, 0),
    LOCAL_RETENTION_MS("local.retention.ms", "log.local.retention.ms", "-2", Kind.LONG, -2),
    LOCAL_RETENTION_BYTES("local.retention.bytes", "log.local.retention.bytes", "-2", Kind.LONG, -2),
    REMOTE_LOG_COPY_DISABLE("remote.log.copy.disable", null, "false", Kind.BOOLEAN, 0),
    REMOTE_COPY_LAG_MS("remote.copy.lag.ms", null, "0", Kind.LONG, -1),
    REMOTE_COPY_LAG_BYTES("remote.copy.lag.bytes", null, "0", Kind.LONG, -1),
    REMOTE_LOG_DELETE_ON_DISABLE("remote.log.delete.on.disable", null, "false", Kind.BOOLEAN, 0);

    /**
     * Topic settings Kafka accepts that this broker stores, validates and describes but does not act
     * on (see {@code docs/configuration.md} for why each has no effect here).
     */
    public static final java.util.Set<TopicConfigKey> WITHOUT_EFFECT = java.util.Collections.unmodifiableSet(
            java.util.EnumSet.of(SEGMENT_JITTER_MS, SEGMENT_INDEX_BYTES, MAX_COMPACTION_LAG_MS, PREALLOCATE,
                    COMPRESSION_GZIP_LEVEL, COMPRESSION_LZ4_LEVEL, COMPRESSION_ZSTD_LEVEL, LOCAL_RETENTION_MS,
                    LOCAL_RETENTION_BYTES, REMOTE_LOG_COPY_DISABLE, REMOTE_COPY_LAG_MS, REMOTE_COPY_LAG_BYTES,
                    REMOTE_LOG_DELETE_ON_DISABLE));

    enum Kind { INT, LONG, RATIO, POLICY, TIMESTAMP_TYPE, COMPRESSION, BOOLEAN, GZIP_LEVEL, THROTTLED_REPLICAS, REMOTE_STORAGE }

    private static final Map<String, TopicConfigKey> BY_NAME = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(TopicConfigKey::topicName, Function.identity()));
    private static final Map<String, TopicConfigKey> BY_BROKER_NAME = Arrays.stream(values())
            .filter(k -> k.brokerName != null)
            .collect(Collectors.toUnmodifiableMap(TopicConfigKey::brokerName, Function.identity()));

    private final String topicName;
    private final String brokerName;
    private final String defaultValue;
    private final Kind kind;
    private final long min;
    private final long max;

    TopicConfigKey(String topicName, String brokerName, String defaultValue, Kind kind, long min) {
        this(topicName, brokerName, defaultValue, kind, min, Long.MAX_VALUE);
    }

    TopicConfigKey(String topicName, String brokerName, String defaultValue, Kind kind, long min, long max) {
        this.topicName = topicName;
        this.brokerName = brokerName;
        this.defaultValue = defaultValue;
        this.kind = kind;
        this.min = min;
        this.max = max;
    }

    public String topicName() {
        return topicName;
    }

    /** The broker property that supplies the default, or null when Kafka has none (the default is fixed). */
    public String brokerName() {
        return brokerName;
    }

    /** The topic setting whose default the broker property {@code brokerName} supplies. */
    public static Optional<TopicConfigKey> forBrokerName(String brokerName) {
        return Optional.ofNullable(BY_BROKER_NAME.get(brokerName));
    }

    /** Kafka's declared type of the setting, as {@code DescribeConfigs} reports it. */
    public String kafkaType() {
        return switch (kind) {
            case INT, GZIP_LEVEL -> "INT";
            case LONG -> "LONG";
            case RATIO -> "DOUBLE";
            case POLICY, THROTTLED_REPLICAS -> "LIST";
            case TIMESTAMP_TYPE, COMPRESSION -> "STRING";
            case BOOLEAN, REMOTE_STORAGE -> "BOOLEAN";
        };
    }

    public String defaultValue() {
        return defaultValue;
    }

    public static Optional<TopicConfigKey> forName(String topicName) {
        return Optional.ofNullable(BY_NAME.get(topicName));
    }

    /** Returns the value in canonical form, or throws naming the setting and the accepted values. */
    public String validate(String value) {
        if (value == null) throw invalid(null, "a value is required");
        String v = value.trim();
        switch (kind) {
            case INT, LONG, GZIP_LEVEL -> {
                long parsed;
                try {
                    parsed = kind == Kind.LONG ? Long.parseLong(v) : Integer.parseInt(v);
                } catch (NumberFormatException e) {
                    throw invalid(value, "Not a number of type " + (kind == Kind.LONG ? "LONG" : "INT"));
                }
                if (kind == Kind.GZIP_LEVEL) {
                    if (parsed != -1 && (parsed < 1 || parsed > 9)) throw invalid(value, "Value must be between 1 and 9, or -1");
                    return Long.toString(parsed);
                }
                if (parsed < min) throw invalid(value, "Value must be at least " + min);
                if (parsed > max) throw invalid(value, "Value must be no more than " + max);
                return Long.toString(parsed);
            }
            case THROTTLED_REPLICAS -> {
                // Kafka's ThrottledReplicaListValidator: "*" or partitionId:brokerId pairs.
                String list = v.replace(" ", "");
                if (list.isEmpty() || list.equals("*")) return list;
                for (String entry : list.split(",")) {
                    if (!entry.matches("\\d+:\\d+")) {
                        throw invalid(value, "must be the literal '*' or a list of replicas in the following format: "
                                + "[partitionId]:[brokerId],[partitionId]:[brokerId],...");
                    }
                }
                return list;
            }
            case REMOTE_STORAGE -> {
                String b = v.toLowerCase(Locale.ROOT);
                if (b.equals("false")) return b;
                if (b.equals("true")) {
                    // Kafka's answer on a broker without remote.log.storage.system.enable.
                    throw new InvalidConfigurationException("Tiered Storage functionality is disabled in the broker. "
                            + "Topic cannot be configured with remote log storage.");
                }
                throw invalid(value, "Expected value to be either true or false");
            }
            case RATIO -> {
                try {
                    double d = Double.parseDouble(v);
                    if (d < 0 || d > 1) throw invalid(value, d < 0 ? "Value must be at least 0" : "Value must be no more than 1");
                    return Double.toString(d);
                } catch (NumberFormatException e) {
                    throw invalid(value, "Not a number of type DOUBLE");
                }
            }
            case POLICY -> {
                String[] parts = v.toLowerCase(Locale.ROOT).replace(" ", "").split(",");
                boolean compact = false, delete = false;
                for (String p : parts) {
                    if (p.equals("compact")) compact = true;
                    else if (p.equals("delete")) delete = true;
                    else throw invalid(value, "String must be one of: compact, delete");
                }
                return compact && delete ? "compact,delete" : compact ? "compact" : "delete";
            }
            case TIMESTAMP_TYPE -> {
                if (v.equals("CreateTime") || v.equals("LogAppendTime")) return v;
                throw invalid(value, "String must be one of: CreateTime, LogAppendTime");
            }
            case BOOLEAN -> {
                String b = v.toLowerCase(Locale.ROOT);
                if (b.equals("true") || b.equals("false")) return b;
                throw invalid(value, "Expected value to be either true or false");
            }
            case COMPRESSION -> {
                String c = v.toLowerCase(Locale.ROOT);
                if (c.equals("producer") || c.equals("uncompressed") || c.equals("gzip") || c.equals("snappy")
                        || c.equals("lz4") || c.equals("zstd")) return c;
                throw invalid(value, "String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer");
            }
            default -> throw new IllegalStateException(kind.toString());
        }
    }

    private InvalidConfigurationException invalid(String value, String why) {
        return new InvalidConfigurationException("Invalid value " + value + " for configuration " + topicName + ": " + why);
    }
}
