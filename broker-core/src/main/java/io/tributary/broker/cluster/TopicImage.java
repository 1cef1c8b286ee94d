package io.tributary.broker.cluster;

import org.apache.kafka.common.Uuid;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A topic in the cluster metadata: name, id, config overrides and the state of each partition. Immutable. */
public record TopicImage(String name, Uuid topicId, Map<String, String> configs, List<PartitionRegistration> partitions) {
    public TopicImage {
        configs = Map.copyOf(configs);
        partitions = List.copyOf(partitions);
    }

    public TopicImage withPartition(int partition, PartitionRegistration state) {
        List<PartitionRegistration> copy = new ArrayList<>(partitions);
        copy.set(partition, state);
        return new TopicImage(name, topicId, configs, copy);
    }

    public TopicImage withAddedPartitions(List<PartitionRegistration> added) {
        List<PartitionRegistration> copy = new ArrayList<>(partitions);
        copy.addAll(added);
        return new TopicImage(name, topicId, configs, copy);
    }

    public TopicImage withConfigs(Map<String, String> newConfigs) {
        return new TopicImage(name, topicId, newConfigs, partitions);
    }
}
