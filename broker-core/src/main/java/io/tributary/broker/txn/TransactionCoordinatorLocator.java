package io.tributary.broker.txn;

import io.tributary.broker.cluster.BrokerRegistration;
import io.tributary.broker.cluster.PartitionRegistration;
import io.tributary.broker.cluster.Replication;
import org.apache.kafka.common.TopicPartition;

import java.util.Optional;

/**
 * Which node coordinates a transactional id: in a cluster, the leader of the id's partition of
 * {@code __transaction_state}, as in Kafka; a node alone coordinates every id. Loads a state log
 * partition into the {@link TransactionCoordinator} when this node becomes its leader (in the
 * partition's leader epoch, which is the coordinator epoch its markers carry) and unloads it when
 * the node stops leading it.
 *
 * <p>Thread safety: leadership changes arrive on the metadata thread; lookups from request threads
 * read the replication state, which is thread-safe.
 */
public final class TransactionCoordinatorLocator {
    private final TransactionCoordinator coordinator;
    private final Replication replication;
    private final boolean clustered;
    private boolean standaloneLoaded;

    public TransactionCoordinatorLocator(TransactionCoordinator coordinator, Replication replication, boolean clustered) {
        this.coordinator = coordinator;
        this.replication = replication;
        this.clustered = clustered;
    }

    /** On a node alone: loads every partition of an existing state log (at start). */
    public synchronized void loadStandalone() {
        if (clustered || standaloneLoaded) return;
        if (replication.partitionState(new TopicPartition(TransactionStateStore.TOPIC, 0)).isEmpty()) return;
        for (int p = 0; p < coordinator.store().partitions(); p++) coordinator.load(p, 0);
        standaloneLoaded = true;
    }

    /** Called when this node starts ({@code leader}) or stops leading {@code tp}. */
    public void onLeadership(TopicPartition tp, boolean leader) {
        if (!clustered || !tp.topic().equals(TransactionStateStore.TOPIC)) return;
        if (leader) {
            coordinator.beginLoading(tp.partition());
            coordinator.load(tp.partition(), replication.leaderEpoch(tp));
        } else {
            coordinator.unload(tp.partition());
        }
    }

    /**
     * The node coordinating {@code transactionalId}, creating the state log on first use; empty while
     * the id's partition has no leader.
     */
    public Optional<BrokerRegistration> find(String transactionalId, BrokerRegistration self) {
        coordinator.store().ensureExists();
        if (!clustered) {
            loadStandalone();
            return Optional.of(self);
        }
        Optional<PartitionRegistration> state = replication.partitionState(
                coordinator.store().topicPartitionFor(transactionalId));
        if (state.isEmpty() || !state.get().hasLeader()) return Optional.empty();
        int leader = state.get().leader();
        for (BrokerRegistration b : replication.liveBrokers()) if (b.nodeId() == leader) return Optional.of(b);
        return Optional.empty();
    }
}
