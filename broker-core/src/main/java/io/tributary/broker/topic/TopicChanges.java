package io.tributary.broker.topic;

import java.util.Map;

/**
 * Where topic changes go when the node is part of a cluster: to the metadata quorum, which
 * commits them and hands them back to every node's {@link TopicManager#applyCommitted}. Each method
 * returns once the change is committed and applied on this node, or throws a Kafka exception.
 */
public interface TopicChanges {
    void create(TopicMetadata topic, short replicationFactor);

    void delete(String name);

    void createPartitions(String name, int newCount);

    void setConfigs(String name, Map<String, String> configs);
}
