package io.tributary.broker.cluster;

import io.tributary.broker.log.AppendOrigin;
import io.tributary.broker.delayed.DelayedFetches;
import io.tributary.broker.log.LogAppendInfo;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.metrics.Meter;
import io.tributary.broker.quota.ReplicationQuotas;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.record.MemoryRecords;
import org.jgroups.BytesMessage;
import org.jgroups.blocks.MessageDispatcher;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Replication on a cluster member, the Kafka way: the registry of the partitions this node hosts
 * (each a {@link Partition}, the owner of its role, high watermark, ISR and waiting appends), which
 * follows the committed metadata ({@link #onImage}), runs one {@link ReplicaFetcher} per leader this
 * node follows, serves followers' fetches through a {@link FollowerFetchServer} and answers the
 * request handlers' questions ({@link Replication}).
 *
 * <p>Replication quotas ({@link ReplicationQuotas}): the throttled partitions follow the topic configs
 * of each committed image; the leader quota is applied by the {@link FollowerFetchServer}, the
 * follower quota by the fetchers.
 *
 * <p>ISR changes are proposed to the quorum and take effect only once committed, so the high
 * watermark is computed over an ISR every node agrees on; a node that cannot reach the quorum cannot
 * shrink the ISR and so cannot acknowledge {@code acks=all} writes alone.
 *
 * <p>Thread safety: the partition map is concurrent; each {@link Partition} guards itself (see its
 * lock order); the fetcher map is guarded by this object's monitor, which is never held while a
 * partition's lock is taken.
 */
public final class ReplicaManager implements Replication, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ReplicaManager.class.getName());

    private final ClusterConfig config;
    private final int nodeId;
    private final MetadataQuorum quorum;
    private final LogManager logs;
    private final ReplicaContext ctx;
    private final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    private final Map<Integer, ReplicaFetcher> fetchers = new HashMap<>();
    private final FetchResponseApplier applier;
    private final ReplicationQuotas replicationQuotas;
    /** The throttled-replicas configs last applied to the quotas (topic → name → value); metadata thread only. */
    private Map<String, Map<String, String>> throttleConfigs = Map.of();
    private final MessageDispatcher dispatcher;
    private final ScheduledFuture<?> isrTask;
    private volatile boolean closed;
    private final List<BiConsumer<TopicPartition, Boolean>> leadershipListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    public ReplicaManager(ClusterConfig config, MetadataQuorum quorum, LogManager logs, DelayedFetches delayedFetches,
                          ScheduledExecutorService timer, Clock clock, ReplicationQuotas replicationQuotas) {
        this.config = config;
        this.replicationQuotas = replicationQuotas;
        this.nodeId = config.nodeId();
        this.quorum = quorum;
        this.logs = logs;
        this.ctx = new ReplicaContext(nodeId, config, quorum, delayedFetches, timer, clock, new Meter("shrinks"),
                new Meter("expands"));
        this.applier = new FetchResponseApplier(nodeId);
        this.dispatcher = new MessageDispatcher(quorum.channel().replicationChannel(),
                new FollowerFetchServer(partitions::get, ctx, replicationQuotas.leader()));
        dispatcher.asyncDispatching(true);
        long period = Math.max(50, config.replicaLagTimeMaxMs() / 2);
        this.isrTask = timer.scheduleWithFixedDelay(this::shrinkIsrs, period, period, TimeUnit.MILLISECONDS);
    }

    // ---------------------------------------------------------------- metadata

    /** Applies a committed image: becomes leader or follower of each hosted partition. */
    public void onImage(ClusterImage image) {
        if (closed) return;
        updateThrottledReplicas(image);
        Set<TopicPartition> hosted = new HashSet<>();
        for (TopicImage t : image.topics().values()) {
            for (int p = 0; p < t.partitions().size(); p++) {
                PartitionRegistration state = t.partitions().get(p);
                if (!state.isReplica(nodeId)) continue;
                TopicPartition tp = new TopicPartition(t.name(), p);
                Optional<PartitionLog> log = logs.get(tp);
                if (log.isEmpty()) continue;
                hosted.add(tp);
                Partition partition = partitions.computeIfAbsent(tp, k -> new Partition(k, log.get(), ctx));
                if (partition.log() != log.get()) {
                    drop(partition, "no longer hosts");
                    partition = new Partition(tp, log.get(), ctx);
                    partitions.put(tp, partition);
                }
                apply(partition, state);
            }
        }
        for (Iterator<Partition> it = partitions.values().iterator(); it.hasNext(); ) {
            Partition partition = it.next();
            if (!hosted.contains(partition.topicPartition())) {
                it.remove();
                drop(partition, "no longer hosts");
            }
        }
    }

    /** Gives the replication quotas the throttled-replicas configs of {@code image} when they changed. */
    private void updateThrottledReplicas(ClusterImage image) {
        Map<String, Map<String, String>> lists = new HashMap<>();
        for (TopicImage t : image.topics().values()) {
            Map<String, String> c = new HashMap<>(2);
            for (String name : List.of(ReplicationQuotas.LEADER_REPLICAS, ReplicationQuotas.FOLLOWER_REPLICAS)) {
                String v = t.configs().get(name);
                if (v != null && !v.isBlank()) c.put(name, v);
            }
            if (!c.isEmpty()) lists.put(t.name(), c);
        }
        if (lists.equals(throttleConfigs)) return;
        throttleConfigs = lists;
        try {
            replicationQuotas.updateThrottled(lists, nodeId);
        } catch (IllegalArgumentException corrupt) {
            // Values are validated before they are committed; a bad one must not stop the roles below.
            LOG.log(System.Logger.Level.WARNING, "Node " + nodeId + " keeps its throttled replicas: " + corrupt.getMessage());
            return;
        }
        LOG.log(System.Logger.Level.INFO, "Node " + nodeId + " throttles replication of "
                + (lists.isEmpty() ? "no topic" : lists));
    }

    /** Called (on the metadata thread) when this node starts ({@code true}) or stops leading a partition. */
    public void addLeadershipListener(BiConsumer<TopicPartition, Boolean> listener) {
        leadershipListeners.add(listener);
    }

    private void notifyLeadership(TopicPartition tp, boolean leader) {
        for (var l : leadershipListeners) {
            try {
                l.accept(tp, leader);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "Leadership listener failed for " + tp, e);
            }
        }
    }

    private void apply(Partition partition, PartitionRegistration state) {
        Partition.RoleChange change = partition.applyState(state);
        TopicPartition tp = partition.topicPartition();
        if (change.becameLeader()) notifyLeadership(tp, true);
        else if (change.stoppedLeading()) notifyLeadership(tp, false);
        if (change.fetcherChanged()) {
            removeFromFetchers(tp);
            if (change.fetchFrom() != PartitionRegistration.NO_LEADER && change.fetchFrom() != -1) {
                fetcherFor(change.fetchFrom()).add(tp);
            }
        }
    }

    private void drop(Partition partition, String reason) {
        if (partition.drop(reason)) notifyLeadership(partition.topicPartition(), false);
        removeFromFetchers(partition.topicPartition());
    }

    private synchronized ReplicaFetcher fetcherFor(int leaderId) {
        return fetchers.computeIfAbsent(leaderId, id -> {
            ReplicaFetcher f = new ReplicaFetcher(this, id, config, replicationQuotas.follower());
            f.start();
            return f;
        });
    }

    private synchronized void removeFromFetchers(TopicPartition tp) {
        for (ReplicaFetcher f : fetchers.values()) f.remove(tp);
    }

    private void shrinkIsrs() {
        if (closed) return;
        long now = ctx.clock().millis();
        for (Partition partition : partitions.values()) partition.maybeShrinkIsr(now);
    }

    /** The metadata quorum this node's replication follows. */
    /**
     * How many partitions this node hosts, leads, leads with fewer in-sync replicas than replicas
     * (under-replicated) and leads with fewer in-sync replicas than {@code min.insync.replicas}: the
     * role is this node's own, the ISR the committed one. Reads every hosted partition's monitor in
     * turn (never two at once).
     */
    public ReplicaCounts replicaCounts() {
        int hosted = 0;
        int leaders = 0;
        int underReplicated = 0;
        int underMinIsr = 0;
        for (Partition p : partitions.values()) {
            hosted++;
            Partition.LeaderIsr s = p.leaderIsr();
            if (s == null) continue;
            leaders++;
            if (s.isrSize() < s.replicas()) underReplicated++;
            if (s.isrSize() < p.log().config().minInsyncReplicas()) underMinIsr++;
        }
        return new ReplicaCounts(hosted, leaders, underReplicated, underMinIsr);
    }

    /** Marked for every committed ISR shrink of a partition this node leads (before and after the change). */
    public Meter isrShrinks() {
        return ctx.isrShrinks();
    }

    /** Marked for every committed ISR expansion of a partition this node leads (before and after the change). */
    public Meter isrExpands() {
        return ctx.isrExpands();
    }

    public MetadataQuorum quorum() {
        return quorum;
    }

    // ---------------------------------------------------------------- Replication (client requests)

    /**
     * {@inheritDoc} A node cut off from the quorum lists every registered broker: that it cannot
     * reach the others says nothing of whether clients can, and a client that learned the cluster
     * from this node alone would otherwise keep asking only this node.
     */
    @Override
    public List<BrokerRegistration> liveBrokers() {
        ClusterImage image = quorum.image();
        if (cutOff()) return new ArrayList<>(image.brokers().values());
        Set<Integer> live = quorum.channel().liveNodes();
        List<BrokerRegistration> out = new ArrayList<>();
        for (BrokerRegistration b : image.brokers().values()) if (live.contains(b.nodeId())) out.add(b);
        return out;
    }

    /** How long a request waits for this node to learn of a partition another node already knows. */
    static final long UNKNOWN_PARTITION_WAIT_MS = 1_000;

    /**
     * {@inheritDoc} Likewise a client may learn that this node leads {@code tp} before this node has
     * applied that change: when it does not lead {@code tp} yet, it first catches up with the quorum
     * (commits a no-op and applies everything before it, at most 1 s), so the client's first batch is
     * not refused while the ones pipelined behind it, processed a moment later, are appended.
     */
    @Override
    public void awaitPartition(TopicPartition tp) {
        Partition partition = partitions.get(tp);
        if (partition == null) {
            quorum.awaitPartition(tp, UNKNOWN_PARTITION_WAIT_MS);
            partition = partitions.get(tp);
        }
        boolean leads = partition != null && partition.isLeader();
        if (!leads && quorum.hasQuorum()) quorum.catchUp(UNKNOWN_PARTITION_WAIT_MS);
    }

    @Override
    public boolean cutOff() {
        return !quorum.hasQuorum();
    }

    /**
     * {@inheritDoc} The Raft leader when it is a broker; otherwise (a controller-only node, which
     * clients cannot reach) this node or another live broker: any broker takes admin requests and
     * passes them to the quorum.
     */
    @Override
    public int controllerId() {
        int raftLeader = quorum.controllerId();
        List<BrokerRegistration> live = liveBrokers();
        int fallback = -1;
        for (BrokerRegistration b : live) {
            if (b.nodeId() == raftLeader) return raftLeader;
            if (b.nodeId() == nodeId || fallback == -1) fallback = b.nodeId();
        }
        return fallback;
    }

    /**
     * {@inheritDoc} A node cut off from the quorum cannot tell who leads now, so it reports no leader
     * (clients then ask another node, whose metadata is current).
     */
    @Override
    public Optional<PartitionRegistration> partitionState(TopicPartition tp) {
        Optional<PartitionRegistration> state = quorum.image().partition(tp);
        if (state.isEmpty() || quorum.hasQuorum()) return state;
        PartitionRegistration s = state.get();
        return Optional.of(new PartitionRegistration(s.replicas(), s.isr(), PartitionRegistration.NO_LEADER,
                s.leaderEpoch(), s.partitionEpoch()));
    }

    @Override
    public PartitionLog leaderLog(TopicPartition tp, int currentLeaderEpoch) {
        return hosted(tp).leaderLog(currentLeaderEpoch);
    }

    @Override
    public int leaderEpoch(TopicPartition tp) {
        Partition partition = partitions.get(tp);
        return partition == null ? 0 : partition.leaderEpoch();
    }

    /**
     * {@inheritDoc} A node cut off from the metadata quorum takes no {@code acks=all} writes: it
     * cannot know whether the ISR it would count is still the committed one.
     */
    @Override
    public CompletableFuture<LogAppendInfo> appendAsLeader(TopicPartition tp, MemoryRecords records, short acks,
                                                           AppendOrigin origin, long timeoutMs) {
        Partition partition;
        try {
            if (acks == -1 && !quorum.hasQuorum()) {
                throw new NotLeaderOrFollowerException("Node " + nodeId + " is cut off from the metadata quorum and "
                        + "takes no acks=all writes for " + tp);
            }
            partition = hosted(tp);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return partition.appendAsLeader(records, acks, origin, timeoutMs);
    }

    /** The hosted partition {@code tp}; throws the Kafka error a client gets when this node does not host it. */
    private Partition hosted(TopicPartition tp) {
        Partition partition = partitions.get(tp);
        if (partition != null) return partition;
        if (quorum.image().partition(tp).isEmpty()) {
            throw new UnknownTopicOrPartitionException("This server does not host partition " + tp);
        }
        throw new NotLeaderOrFollowerException("Node " + nodeId + " is not the leader of " + tp);
    }

    // ---------------------------------------------------------------- follower side (the fetcher threads)

    /** The fetch a follower sends for {@code tp}, or null when it no longer follows {@code leaderId}. */
    ReplicaFetch.PartitionRequest fetchRequest(TopicPartition tp, int leaderId) {
        Partition partition = partitions.get(tp);
        return partition == null ? null : partition.fetchRequest(leaderId);
    }

    /** Applies the leader's answer to one partition on this follower. */
    void applyFetched(int leaderId, ReplicaFetch.PartitionRequest sent, ReplicaFetch.PartitionResponse resp) {
        Partition partition = partitions.get(resp.tp());
        if (partition != null) applier.apply(partition, leaderId, sent, resp);
    }

    /** Sends one fetch to {@code leaderId}; null when the leader is not in the view. */
    ReplicaFetch.Response sendFetch(int leaderId, ReplicaFetch.Request request) throws Exception {
        org.jgroups.Address address = quorum.channel().addressOf(leaderId);
        if (address == null) return null;
        byte[] bytes = ReplicaFetch.encode(request);
        byte[] answer = dispatcher.sendMessage(new BytesMessage(address, bytes),
                org.jgroups.blocks.RequestOptions.SYNC().timeout(config.replicaFetchWaitMaxMs() + config.requestTimeoutMs()));
        return answer == null ? null : ReplicaFetch.decodeResponse(answer);
    }

    int nodeId() {
        return nodeId;
    }

    /** The ISR proposed for {@code tp} and not yet decided by the quorum, if any (for tests and diagnostics). */
    Optional<List<Integer>> pendingIsr(TopicPartition tp) {
        Partition partition = partitions.get(tp);
        return partition == null ? Optional.empty() : partition.pendingIsr();
    }

    /** The replication quotas this node applies (for tests and diagnostics). */
    ReplicationQuotas replicationQuotas() {
        return replicationQuotas;
    }

    /** The node this node fetches {@code tp} from, or -1 when it leads or follows no one. */
    int fetchingFrom(TopicPartition tp) {
        Partition partition = partitions.get(tp);
        return partition == null ? -1 : partition.fetchingFrom();
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
        isrTask.cancel(false);
        List<ReplicaFetcher> stopping;
        synchronized (this) {
            stopping = new ArrayList<>(fetchers.values());
            fetchers.clear();
        }
        for (ReplicaFetcher f : stopping) {
            try {
                f.shutdown(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Partition partition : partitions.values()) partition.drop("is shutting down; it no longer leads");
        try {
            dispatcher.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "Closing the replication dispatcher failed", e);
        }
    }
}
