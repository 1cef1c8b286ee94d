package io.tributary.broker.group;

import io.tributary.broker.BrokerConfig;

/**
 * Settings of the group coordinator and the offset store, read from broker properties with
 * Kafka's names and defaults.
 */
public record GroupConfig(long initialRebalanceDelayMs, int minSessionTimeoutMs, int maxSessionTimeoutMs,
                          long offsetsRetentionMs, long offsetsRetentionCheckIntervalMs, int offsetsTopicPartitions,
                          int offsetMetadataMaxBytes, int offsetsTopicSegmentBytes) {

    public static GroupConfig from(BrokerConfig config) {
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
