package io.tributary.broker.topic;

import org.apache.kafka.common.Uuid;

import java.util.Map;

/** A topic as the broker knows it: name, id, partition count and its config overrides. */
public record TopicMetadata(String name, Uuid topicId, int partitions, Map<String, String> configs) {
    public TopicMetadata {
        configs = Map.copyOf(configs);
    }

    public TopicMetadata withPartitions(int count) {
        return new TopicMetadata(name, topicId, count, configs);
    }

    public TopicMetadata withConfigs(Map<String, String> newConfigs) {
        return new TopicMetadata(name, topicId, partitions, newConfigs);
    }
}
