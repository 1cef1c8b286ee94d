package io.tributary.broker.cluster;

import io.tributary.broker.delayed.DelayedFetches;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.quota.ReplicationQuotas;
import io.tributary.broker.topic.TopicManager;
import io.tributary.broker.topic.TopicMetadata;
import org.apache.kafka.common.TopicPartition;

import java.io.File;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * A broker's membership in a cluster: the metadata quorum, the controller and replication, wired
 * to the node's topics and logs. Committed images are applied in order: first the topics (logs of
 * hosted partitions are created), then the replica roles.
 */
public final class ClusterMember implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ClusterMember.class.getName());
    private final MetadataQuorum quorum;
    private final ReplicaManager replicas;
    private final QuorumController controller;

    private ClusterMember(MetadataQuorum quorum, ReplicaManager replicas, QuorumController controller) {
        this.quorum = quorum;
        this.replicas = replicas;
        this.controller = controller;
    }

    /**
     * Joins the cluster of {@code config}.
     *
     * @param replicationQuotas the leader and follower replication quotas this node's replication applies
     * @param self this node's registration once its listener is bound (null before, and always
     *             null on a controller-only node)
     * @param beforeConnect wiring that must see every image, run before the node joins
     */
    public static ClusterMember join(ClusterConfig config, File dataDir, TopicManager topics, LogManager logs,
                                     DelayedFetches delayedFetches, ScheduledExecutorService timer, Clock clock,
                                     short defaultReplicationFactor, ReplicationQuotas replicationQuotas,
                                     Supplier<BrokerRegistration> self,
                                     java.util.function.Consumer<ReplicaManager> beforeConnect) throws Exception {
        return join(config, dataDir, topics, logs, delayedFetches, timer, clock, defaultReplicationFactor,
                replicationQuotas, self, beforeConnect, (quorum, image) -> { });
    }

    /**
     * {@link #join} with {@code alsoOnImage}, told of the quorum and then of every committed image
     * after the topics and replica roles (for state kept beside topics, such as SCRAM credentials).
     * The first call, with a null image, comes before the node joins.
     */
    public static ClusterMember join(ClusterConfig config, File dataDir, TopicManager topics, LogManager logs,
                                     DelayedFetches delayedFetches, ScheduledExecutorService timer, Clock clock,
                                     short defaultReplicationFactor, ReplicationQuotas replicationQuotas,
                                     Supplier<BrokerRegistration> self,
                                     java.util.function.Consumer<ReplicaManager> beforeConnect,
                                     java.util.function.BiConsumer<MetadataQuorum, ClusterImage> alsoOnImage) throws Exception {
        MetadataQuorum quorum = new MetadataQuorum(config, new File(dataDir, "meta"));
        ReplicaManager replicas = null;
        QuorumController controller = null;
        try {
            replicas = new ReplicaManager(config, quorum, logs, delayedFetches, timer, clock, replicationQuotas);
            ReplicaManager r = replicas;
            int nodeId = config.nodeId();
            quorum.addListener(image -> {
                topics.setClusterSize(Math.max(1, image.brokers().size()));
                topics.applyCommitted(topicsOf(image), tp -> image.partition(tp).map(p -> p.isReplica(nodeId)).orElse(false));
                r.onImage(image);
                alsoOnImage.accept(quorum, image);
            });
            alsoOnImage.accept(quorum, null);
            topics.routeChangesThrough(new QuorumTopicChanges(quorum, defaultReplicationFactor, topics.limits()));
            controller = new QuorumController(config, quorum, config.controllerOnly() ? () -> null : self,
                    topic -> topics.get(topic).isPresent() && topics.effectiveConfig(topic).uncleanLeaderElection());
            beforeConnect.accept(replicas);
            quorum.connect();
            controller.start();
            return new ClusterMember(quorum, replicas, controller);
        } catch (Exception e) {
            if (controller != null) controller.close();
            if (replicas != null) replicas.close();
            quorum.close();
            throw e;
        }
    }

    static List<TopicMetadata> topicsOf(ClusterImage image) {
        List<TopicMetadata> out = new ArrayList<>(image.topics().size());
        for (TopicImage t : image.topics().values()) {
            out.add(new TopicMetadata(t.name(), t.topicId(), t.partitions().size(), t.configs()));
        }
        return out;
    }

    public Replication replication() {
        return replicas;
    }

    public MetadataQuorum quorum() {
        return quorum;
    }

    public ReplicaManager replicas() {
        return replicas;
    }

    /**
     * Controlled shutdown: asks the quorum to move this node's leaderships to other live in-sync
     * replicas and waits, at most {@code cluster.request.timeout.ms}, until the metadata names this
     * node leader only of partitions no other live in-sync replica can take. Clients then find the new leaders
     * through their retriable {@code NOT_LEADER_OR_FOLLOWER} errors and lose nothing. Without a
     * quorum there is no one to hand over to, and it returns at once; with
     * {@code controlled.shutdown.enable=false} it does nothing.
     */
    public void handOverLeadership() throws InterruptedException {
        ClusterConfig config = quorum.channel().config();
        if (!config.controlledShutdown() || !quorum.hasQuorum()) return;
        long timeoutMs = config.requestTimeoutMs();
        int me = config.nodeId();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try {
            controller.beginShutdown().get(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "Node " + me + " could not begin a controlled shutdown: " + e);
            return;
        }
        List<TopicPartition> stillLeading = List.of();
        while (System.nanoTime() < deadline) {
            stillLeading = movableLeaderships(quorum.image(), me, quorum.channel().liveNodes());
            if (stillLeading.isEmpty()) {
                LOG.log(System.Logger.Level.INFO, "Node " + me + " handed its leaderships over");
                return;
            }
            Thread.sleep(20);
        }
        LOG.log(System.Logger.Level.WARNING, "Node " + me + " still leads " + stillLeading + " after " + timeoutMs
                + " ms of controlled shutdown; stopping anyway");
    }

    /** The partitions {@code nodeId} leads although another live, in-sync replica could. */
    static List<TopicPartition> movableLeaderships(ClusterImage image, int nodeId, java.util.Set<Integer> live) {
        List<TopicPartition> out = new ArrayList<>();
        for (TopicImage t : image.topics().values()) {
            for (int p = 0; p < t.partitions().size(); p++) {
                PartitionRegistration state = t.partitions().get(p);
                if (state.leader() != nodeId) continue;
                for (int r : state.isr()) {
                    if (r != nodeId && live.contains(r) && !image.shuttingDown().contains(r)) {
                        out.add(new TopicPartition(t.name(), p));
                        break;
                    }
                }
            }
        }
        return out;
    }

    /** Leaves the cluster: stops acting as controller and replica, then closes the channel. */
    @Override
    public void close() {
        controller.close();
        replicas.close();
        quorum.close();
    }

    static TopicPartition tp(String topic, int p) {
        return new TopicPartition(topic, p);
    }
}
