package io.tributary.broker.cluster;

import io.tributary.broker.delayed.DelayedFetches;
import io.tributary.broker.metrics.Meter;

import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every hosted {@link Partition} of a node shares: the node, its settings, the quorum, the fetch
 * registries, a timer, the clock, and the meters of committed ISR changes ({@code IsrShrinksPerSec},
 * {@code IsrExpandsPerSec}).
 */
record ReplicaContext(int nodeId, ClusterConfig config, MetadataQuorum quorum, DelayedFetches delayedFetches,
                      ScheduledExecutorService timer, Clock clock, Meter isrShrinks, Meter isrExpands) {
}
