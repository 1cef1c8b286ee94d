package io.tributary.broker.group;

import java.util.Map;

/**
 * Settings of the group coordinator and the offset store, read from the broker's properties (with
 * their defaults applied) under Kafka's names.
 */
public record GroupConfig(long initialRebalanceDelayMs, int minSessionTimeoutMs, int maxSessionTimeoutMs,
                          long offsetsRetentionMs, long offsetsRetentionCheckIntervalMs, int offsetsTopicPartitions,
                          int offsetMetadataMaxBytes, int offsetsTopicSegmentBytes) {

    public static GroupConfig from(Map<String, String> config) {
        return new GroupConfig(
                Long.parseLong(config.get("group.initial.rebalance.delay.ms")),
                Integer.parseInt(config.get("group.min.session.timeout.ms")),
                Integer.parseInt(config.get("group.max.session.timeout.ms")),
                60_000L * Long.parseLong(config.get("offsets.retention.minutes")),
                Long.parseLong(config.get("offsets.retention.check.interval.ms")),
                Integer.parseInt(config.get("offsets.topic.num.partitions")),
                Integer.parseInt(config.get("offset.metadata.max.bytes")),
                Integer.parseInt(config.get("offsets.topic.segment.bytes")));
    }
}
