package io.tributary.broker.cluster;

/**
 * The partitions of one node as Kafka's {@code kafka.server:type=ReplicaManager} gauges count them:
 * hosted ({@code PartitionCount}), led ({@code LeaderCount}), led with an ISR smaller than the
 * replica set ({@code UnderReplicatedPartitions}) and led with an ISR smaller than
 * {@code min.insync.replicas} ({@code UnderMinIsrPartitionCount}). Immutable.
 */
public record ReplicaCounts(int partitions, int leaders, int underReplicated, int underMinIsr) {
}
