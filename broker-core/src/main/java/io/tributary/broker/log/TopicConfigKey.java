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
    INDEX_INTERVAL_BYTES("index.interval.bytes", "log.index.interval.bytes", "4096", Kind.INT, 0),
    RETENTION_MS("retention.ms", "log.retention.ms", "604800000", Kind.LONG, -1),
    RETENTION_BYTES("retention.bytes", "log.retention.bytes", "-1", Kind.LONG, -1),
    CLEANUP_POLICY("cleanup.policy", "log.cleanup.policy", "delete", Kind.POLICY, 0),
    DELETE_RETENTION_MS("delete.retention.ms", "log.cleaner.delete.retention.ms", "86400000", Kind.LONG, 0),
    MIN_COMPACTION_LAG_MS("min.compaction.lag.ms", "log.cleaner.min.compaction.lag.ms", "0", Kind.LONG, 0),
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
    MIN_INSYNC_REPLICAS("min.insync.replicas", "min.insync.replicas", "1", Kind.INT, 1),
    COMPRESSION_TYPE("compression.type", "compression.type", "producer", Kind.COMPRESSION, 0),
    UNCLEAN_LEADER_ELECTION_ENABLE("unclean.leader.election.enable", "unclean.leader.election.enable", "false",
            Kind.BOOLEAN, 0);

    enum Kind { INT, LONG, RATIO, POLICY, TIMESTAMP_TYPE, COMPRESSION, BOOLEAN }

    private static final Map<String, TopicConfigKey> BY_NAME = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(TopicConfigKey::topicName, Function.identity()));

    private final String topicName;
    private final String brokerName;
    private final String defaultValue;
    private final Kind kind;
    private final long min;

    TopicConfigKey(String topicName, String brokerName, String defaultValue, Kind kind, long min) {
        this.topicName = topicName;
        this.brokerName = brokerName;
        this.defaultValue = defaultValue;
        this.kind = kind;
        this.min = min;
    }

    public String topicName() {
        return topicName;
    }

    public String brokerName() {
        return brokerName;
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
            case INT, LONG -> {
                long parsed;
                try {
                    parsed = kind == Kind.INT ? Integer.parseInt(v) : Long.parseLong(v);
                } catch (NumberFormatException e) {
                    throw invalid(value, "expected a whole number" + (kind == Kind.INT ? " that fits in 32 bits" : ""));
                }
                if (parsed < min) throw invalid(value, "must be at least " + min);
                return Long.toString(parsed);
            }
            case RATIO -> {
                try {
                    double d = Double.parseDouble(v);
                    if (d < 0 || d > 1) throw invalid(value, "must be between 0 and 1");
                    return Double.toString(d);
                } catch (NumberFormatException e) {
                    throw invalid(value, "expected a number between 0 and 1");
                }
            }
            case POLICY -> {
                String[] parts = v.toLowerCase(Locale.ROOT).replace(" ", "").split(",");
                boolean compact = false, delete = false;
                for (String p : parts) {
                    if (p.equals("compact")) compact = true;
                    else if (p.equals("delete")) delete = true;
                    else throw invalid(value, "expected delete, compact or compact,delete");
                }
                return compact && delete ? "compact,delete" : compact ? "compact" : "delete";
            }
            case TIMESTAMP_TYPE -> {
                if (v.equals("CreateTime") || v.equals("LogAppendTime")) return v;
                throw invalid(value, "expected CreateTime or LogAppendTime");
            }
            case BOOLEAN -> {
                String b = v.toLowerCase(Locale.ROOT);
                if (b.equals("true") || b.equals("false")) return b;
                throw invalid(value, "expected true or false");
            }
            case COMPRESSION -> {
                String c = v.toLowerCase(Locale.ROOT);
                if (c.equals("producer") || c.equals("uncompressed") || c.equals("gzip") || c.equals("snappy")
                        || c.equals("lz4") || c.equals("zstd")) return c;
                throw invalid(value, "expected producer, uncompressed, gzip, snappy, lz4 or zstd");
            }
            default -> throw new IllegalStateException(kind.toString());
        }
    }

    private InvalidConfigurationException invalid(String value, String why) {
        return new InvalidConfigurationException("Invalid value " + value + " for configuration " + topicName + ": " + why);
    }
}
