package io.tributary.broker.cluster;

import io.tributary.broker.delayed.DelayedFetches;

import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;

/** What every hosted {@link Partition} of a node shares: the node, its settings, the quorum, the fetch registries, a timer and the clock. */
record ReplicaContext(int nodeId, ClusterConfig config, MetadataQuorum quorum, DelayedFetches delayedFetches,
                      ScheduledExecutorService timer, Clock clock) {
}
