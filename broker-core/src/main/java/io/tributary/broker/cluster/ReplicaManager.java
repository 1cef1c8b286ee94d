package io.tributary.broker.cluster;

import io.tributary.broker.delayed.DelayedFetches;
import io.tributary.broker.log.EpochEndOffset;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.log.LogReadResult;
import io.tributary.broker.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownLeaderEpochException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Records;
import org.jgroups.BytesMessage;
import org.jgroups.Message;
import org.jgroups.blocks.MessageDispatcher;
import org.jgroups.blocks.RequestHandler;
import org.jgroups.blocks.Response;

import java.io.IOException;
import java.nio.ByteBuffer;
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

/**
 * Replication on a cluster member, the Kafka way: for every partition this node hosts it is either
 * the leader (appends from clients, tracks each follower's log end offset, keeps the ISR, advances
 * the high watermark to the smallest log end offset of the ISR and acknowledges {@code acks=all}
 * appends below it) or a follower (copies the leader's log through a {@link ReplicaFetcher},
 * truncating where its log diverged by leader epoch).
 *
 * <p>Roles follow the committed metadata: each published {@link ClusterImage} is applied by
 * {@link #onImage}. ISR changes are proposed to the quorum and take effect only once committed, so
 * the high watermark is computed over an ISR every node agrees on; a node that cannot reach the
 * quorum cannot shrink the ISR and so cannot acknowledge {@code acks=all} writes alone.
 *
 * <p>Thread safety: each {@link Replica} is guarded by its own monitor; the replica map is
 * concurrent. Log reads for followers happen outside the monitor.
 */
public final class ReplicaManager implements Replication, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ReplicaManager.class.getName());

    private final ClusterConfig config;
    private final int nodeId;
    private final MetadataQuorum quorum;
    private final LogManager logs;
    private final DelayedFetches delayedFetches;
    private final ScheduledExecutorService timer;
    private final Clock clock;
    private final Map<TopicPartition, Replica> replicas = new ConcurrentHashMap<>();
    private final Map<Integer, ReplicaFetcher> fetchers = new HashMap<>();
    private final MessageDispatcher dispatcher;
    private final ScheduledFuture<?> isrTask;
    private volatile boolean closed;
    private final List<java.util.function.BiConsumer<TopicPartition, Boolean>> leadershipListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    public ReplicaManager(ClusterConfig config, MetadataQuorum quorum, LogManager logs, DelayedFetches delayedFetches,
                          ScheduledExecutorService timer, Clock clock) {
        this.config = config;
        this.nodeId = config.nodeId();
        this.quorum = quorum;
        this.logs = logs;
        this.delayedFetches = delayedFetches;
        this.timer = timer;
        this.clock = clock;
        this.dispatcher = new MessageDispatcher(quorum.channel().replicationChannel(), new FetchServer());
        dispatcher.asyncDispatching(true);
        long period = Math.max(50, config.replicaLagTimeMaxMs() / 2);
        this.isrTask = timer.scheduleWithFixedDelay(this::shrinkIsrs, period, period, TimeUnit.MILLISECONDS);
    }

    /** One hosted partition. Guarded by its monitor. */
    final class Replica {
        final TopicPartition tp;
        final PartitionLog log;
        PartitionRegistration state;
        boolean leader;
        int leaderEpoch = -1;
        int fetchingFrom = -1;
        final Map<Integer, FollowerProgress> followers = new HashMap<>();
        final List<CommitWaiter> waiters = new ArrayList<>();
        /** Completions and wake-ups decided under the monitor, run after it is released. */
        final List<Runnable> deferred = new ArrayList<>();
        /**
         * The ISR this leader proposed and has not yet seen committed or refused, or null. Until the
         * quorum decides, the high watermark counts every member of either ISR (Kafka's "maximal
         * ISR"): a member being added may already be chosen as leader, and one being removed is
         * still in the ISR every other node acts on.
         */
        List<Integer> pendingIsr;
        /** The partition epoch {@link #pendingIsr} was proposed against. */
        int pendingIsrFromEpoch = -1;
        /** When the next ISR change may be proposed; grows after each failed proposal. */
        long nextIsrProposalMs;
        long isrProposalBackoffMs = ISR_PROPOSAL_BACKOFF_MIN_MS;
        boolean isrProposalInFlight;
        /**
         * A leader epoch newer than this node's, learned from a follower's fetch before the metadata
         * that makes this node step down arrived; -1 if none. A superseded leader acknowledges nothing.
         */
        int supersededByEpoch = -1;

        Replica(TopicPartition tp, PartitionLog log) {
            this.tp = tp;
            this.log = log;
        }
    }

    /** The leader's knowledge of one follower. */
    static final class FollowerProgress {
        long logEndOffset = -1;
        long lastCaughtUpMs;
        long leaderEndAtLastFetch = -1;
        long lastFetchMs;

        FollowerProgress(long now) {
            this.lastCaughtUpMs = now;
        }
    }

    record CommitWaiter(long endOffset, CompletableFuture<Void> future) {
    }

    static final long ISR_PROPOSAL_BACKOFF_MIN_MS = 100;
    static final long ISR_PROPOSAL_BACKOFF_MAX_MS = 5_000;

    // ---------------------------------------------------------------- metadata

    /** Applies a committed image: becomes leader or follower of each hosted partition. */
    public void onImage(ClusterImage image) {
        if (closed) return;
        Set<TopicPartition> hosted = new HashSet<>();
        for (TopicImage t : image.topics().values()) {
            for (int p = 0; p < t.partitions().size(); p++) {
                PartitionRegistration state = t.partitions().get(p);
                if (!state.isReplica(nodeId)) continue;
                TopicPartition tp = new TopicPartition(t.name(), p);
                Optional<PartitionLog> log = logs.get(tp);
                if (log.isEmpty()) continue;
                hosted.add(tp);
                Replica r = replicas.computeIfAbsent(tp, k -> new Replica(k, log.get()));
                if (r.log != log.get()) {
                    dropReplica(r);
                    r = new Replica(tp, log.get());
                    replicas.put(tp, r);
                }
                apply(r, state);
            }
        }
        for (Iterator<Replica> it = replicas.values().iterator(); it.hasNext(); ) {
            Replica r = it.next();
            if (!hosted.contains(r.tp)) {
                it.remove();
                dropReplica(r);
            }
        }
    }

    /** Called (on the metadata thread) when this node starts ({@code true}) or stops leading a partition. */
    public void addLeadershipListener(java.util.function.BiConsumer<TopicPartition, Boolean> listener) {
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

    private void apply(Replica r, PartitionRegistration state) {
        int fetchFrom = -1;
        boolean changedFetcher = false;
        boolean wasLeader;
        boolean isLeader;
        int epochBefore;
        synchronized (r) {
            wasLeader = r.leader;
            epochBefore = r.leaderEpoch;
            r.state = state;
            // A proposal is made against one partition epoch: once the partition has moved past it, the
            // committed state says whether the proposal got in, and it can never get in later.
            if (r.pendingIsr != null && state.partitionEpoch() != r.pendingIsrFromEpoch) clearPendingIsr(r);
            if (r.supersededByEpoch >= 0 && state.leaderEpoch() >= r.supersededByEpoch) r.supersededByEpoch = -1;
            if (state.leader() == nodeId) {
                if (!r.leader || r.leaderEpoch != state.leaderEpoch()) becomeLeader(r, state);
                else maybeAdvanceHighWatermark(r);
                if (r.fetchingFrom != -1) {
                    changedFetcher = true;
                    r.fetchingFrom = -1;
                }
            } else {
                if (r.leader || r.leaderEpoch != state.leaderEpoch() || r.fetchingFrom != state.leader()) {
                    becomeFollower(r, state);
                    changedFetcher = true;
                    fetchFrom = state.leader();
                    r.fetchingFrom = fetchFrom;
                }
            }
            isLeader = r.leader;
        }
        runDeferred(r);
        if (isLeader && (!wasLeader || epochBefore != state.leaderEpoch())) notifyLeadership(r.tp, true);
        else if (wasLeader && !isLeader) notifyLeadership(r.tp, false);
        if (changedFetcher) {
            removeFromFetchers(r.tp);
            if (fetchFrom != PartitionRegistration.NO_LEADER && fetchFrom != -1) fetcherFor(fetchFrom).add(r);
        }
    }

    private void becomeLeader(Replica r, PartitionRegistration state) {
        long now = clock.millis();
        r.leader = true;
        r.leaderEpoch = state.leaderEpoch();
        clearPendingIsr(r);
        r.log.setHighWatermarkFollowsLogEnd(false);
        r.log.assignEpochStartOffset(state.leaderEpoch());
        r.followers.clear();
        for (int id : state.replicas()) if (id != nodeId) r.followers.put(id, new FollowerProgress(now));
        LOG.log(System.Logger.Level.INFO, "Node " + nodeId + " leads " + r.tp + " in epoch " + state.leaderEpoch()
                + " from offset " + r.log.logEndOffset() + " (ISR " + state.isr() + ", high watermark "
                + r.log.highWatermark() + ")");
        maybeAdvanceHighWatermark(r);
    }

    private void becomeFollower(Replica r, PartitionRegistration state) {
        boolean wasLeader = r.leader;
        r.leader = false;
        r.leaderEpoch = state.leaderEpoch();
        clearPendingIsr(r);
        r.followers.clear();
        r.log.setHighWatermarkFollowsLogEnd(false);
        failWaiters(r, new NotLeaderOrFollowerException("Node " + nodeId + " no longer leads " + r.tp));
        if (wasLeader || state.hasLeader()) {
            LOG.log(System.Logger.Level.INFO, "Node " + nodeId + " follows " + (state.hasLeader()
                    ? "node " + state.leader() : "no leader") + " for " + r.tp + " in epoch " + state.leaderEpoch());
        }
    }

    private void dropReplica(Replica r) {
        boolean wasLeader;
        synchronized (r) {
            wasLeader = r.leader;
            r.leader = false;
            failWaiters(r, new NotLeaderOrFollowerException("Node " + nodeId + " no longer hosts " + r.tp));
        }
        runDeferred(r);
        if (wasLeader) notifyLeadership(r.tp, false);
        removeFromFetchers(r.tp);
    }

    private synchronized ReplicaFetcher fetcherFor(int leaderId) {
        return fetchers.computeIfAbsent(leaderId, id -> {
            ReplicaFetcher f = new ReplicaFetcher(this, id, config);
            f.start();
            return f;
        });
    }

    private synchronized void removeFromFetchers(TopicPartition tp) {
        for (ReplicaFetcher f : fetchers.values()) f.remove(tp);
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
        Replica r = replicas.get(tp);
        if (r == null) {
            quorum.awaitPartition(tp, UNKNOWN_PARTITION_WAIT_MS);
            r = replicas.get(tp);
        }
        boolean leads;
        if (r == null) {
            leads = false;
        } else {
            synchronized (r) {
                leads = r.leader;
            }
        }
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
        Replica r = replicas.get(tp);
        if (r == null) {
            if (quorum.image().partition(tp).isEmpty()) {
                throw new UnknownTopicOrPartitionException("This server does not host partition " + tp);
            }
            throw new NotLeaderOrFollowerException("Node " + nodeId + " is not the leader of " + tp);
        }
        synchronized (r) {
            if (!r.leader) throw new NotLeaderOrFollowerException("Node " + nodeId + " is not the leader of " + tp
                    + (r.state != null && r.state.hasLeader() ? "; node " + r.state.leader() + " is" : ""));
            if (r.supersededByEpoch >= 0) throw new NotLeaderOrFollowerException("Node " + nodeId + " no longer leads "
                    + tp + ": leader epoch " + r.supersededByEpoch + " has superseded " + r.leaderEpoch);
            if (currentLeaderEpoch != NO_EPOCH && currentLeaderEpoch < r.leaderEpoch) {
                throw new FencedLeaderEpochException("Leader epoch " + currentLeaderEpoch + " of " + tp
                        + " is older than the current " + r.leaderEpoch);
            }
            if (currentLeaderEpoch != NO_EPOCH && currentLeaderEpoch > r.leaderEpoch) {
                throw new UnknownLeaderEpochException("Leader epoch " + currentLeaderEpoch + " of " + tp
                        + " is newer than the current " + r.leaderEpoch);
            }
            return r.log;
        }
    }

    @Override
    public int leaderEpoch(TopicPartition tp) {
        Replica r = replicas.get(tp);
        if (r == null) return 0;
        synchronized (r) {
            return r.leaderEpoch;
        }
    }

    @Override
    public void checkEnoughReplicas(TopicPartition tp, PartitionLog log) {
        if (!quorum.hasQuorum()) {
            throw new NotLeaderOrFollowerException("Node " + nodeId + " is cut off from the metadata quorum and "
                    + "takes no acks=all writes for " + tp);
        }
        Replica r = replicas.get(tp);
        if (r == null) throw new NotLeaderOrFollowerException("Node " + nodeId + " is not the leader of " + tp);
        synchronized (r) {
            int min = log.config().minInsyncReplicas();
            if (r.state.isr().size() < min) {
                throw new NotEnoughReplicasException("The size of the current ISR " + r.state.isr() + " of " + tp
                        + " is less than min.insync.replicas " + min);
            }
        }
    }

    @Override
    public void onLeaderAppend(TopicPartition tp) {
        Replica r = replicas.get(tp);
        if (r == null) return;
        delayedFetches.onLogEnd(tp);
        synchronized (r) {
            if (r.leader) maybeAdvanceHighWatermark(r);
        }
        runDeferred(r);
    }

    @Override
    public CompletableFuture<Void> awaitCommitted(TopicPartition tp, long endOffset, long timeoutMs) {
        Replica r = replicas.get(tp);
        if (r == null) {
            return CompletableFuture.failedFuture(new NotLeaderOrFollowerException("Node " + nodeId
                    + " is not the leader of " + tp));
        }
        CompletableFuture<Void> future = new CompletableFuture<>();
        synchronized (r) {
            if (!r.leader || r.supersededByEpoch >= 0) {
                return CompletableFuture.failedFuture(new NotLeaderOrFollowerException("Node " + nodeId
                        + " is no longer the leader of " + tp));
            }
            if (r.log.highWatermark() >= endOffset) return CompletableFuture.completedFuture(null);
            CommitWaiter w = new CommitWaiter(endOffset, future);
            r.waiters.add(w);
            ScheduledFuture<?> t = timer.schedule(() -> {
                synchronized (r) {
                    r.waiters.remove(w);
                }
                future.completeExceptionally(new TimeoutException("Records of " + tp + " below offset " + endOffset
                        + " were not replicated to the in-sync replicas within " + timeoutMs + " ms"));
            }, timeoutMs, TimeUnit.MILLISECONDS);
            future.whenComplete((v, e) -> t.cancel(false));
        }
        return future;
    }

    // ---------------------------------------------------------------- leader: high watermark and ISR

    /** Called with r's monitor held. */
    private void maybeAdvanceHighWatermark(Replica r) {
        if (!r.leader || r.supersededByEpoch >= 0) return;
        long candidate = r.log.logEndOffset();
        for (int id : maximalIsr(r)) {
            if (id == nodeId) continue;
            FollowerProgress f = r.followers.get(id);
            long leo = f == null ? -1 : f.logEndOffset;
            candidate = Math.min(candidate, leo);
        }
        if (candidate > r.log.highWatermark()) {
            r.log.updateHighWatermark(candidate);
            completeWaiters(r);
            // Woken on the timer thread: this may run inside another parked fetch's completion.
            r.deferred.add(() -> wakeFetches(r.tp));
        }
    }

    /** The committed ISR together with a pending proposal's members. Called with r's monitor held. */
    private static Set<Integer> maximalIsr(Replica r) {
        Set<Integer> isr = new java.util.LinkedHashSet<>(r.state.isr());
        if (r.pendingIsr != null) isr.addAll(r.pendingIsr);
        return isr;
    }

    private static void clearPendingIsr(Replica r) {
        r.pendingIsr = null;
        r.pendingIsrFromEpoch = -1;
    }

    private void completeWaiters(Replica r) {
        long hw = r.log.highWatermark();
        int min = r.log.config().minInsyncReplicas();
        for (Iterator<CommitWaiter> it = r.waiters.iterator(); it.hasNext(); ) {
            CommitWaiter w = it.next();
            if (w.endOffset() <= hw) {
                it.remove();
                if (maximalIsr(r).size() < min) {
                    RuntimeException e = new NotEnoughReplicasAfterAppendException("The ISR "
                            + maximalIsr(r) + " of " + r.tp + " shrank below min.insync.replicas " + min
                            + " after the append");
                    r.deferred.add(() -> w.future().completeExceptionally(e));
                } else {
                    r.deferred.add(() -> w.future().complete(null));
                }
            }
        }
    }

    private void failWaiters(Replica r, RuntimeException error) {
        List<CommitWaiter> failed = new ArrayList<>(r.waiters);
        r.waiters.clear();
        for (CommitWaiter w : failed) r.deferred.add(() -> w.future().completeExceptionally(error));
    }

    private void wakeFetches(TopicPartition tp) {
        try {
            timer.execute(() -> delayedFetches.onHighWatermark(tp));
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // shutting down
        }
    }

    /** Runs what was decided under r's monitor; never call with the monitor held. */
    private static void runDeferred(Replica r) {
        List<Runnable> actions;
        synchronized (r) {
            if (r.deferred.isEmpty()) return;
            actions = new ArrayList<>(r.deferred);
            r.deferred.clear();
        }
        for (Runnable a : actions) a.run();
    }

    private void shrinkIsrs() {
        if (closed) return;
        long now = clock.millis();
        for (Replica r : replicas.values()) {
            synchronized (r) {
                if (!r.leader || r.state == null || !mayProposeIsr(r, now)) continue;
                List<Integer> isr = new ArrayList<>(r.state.isr());
                boolean changed = isr.removeIf(id -> {
                    if (id == nodeId) return false;
                    FollowerProgress f = r.followers.get(id);
                    return f == null || now - f.lastCaughtUpMs > config.replicaLagTimeMaxMs();
                });
                if (changed) {
                    LOG.log(System.Logger.Level.INFO, "Node " + nodeId + " shrinks the ISR of " + r.tp + " from "
                            + r.state.isr() + " to " + isr);
                    proposeIsr(r, isr);
                }
            }
        }
    }

    /** Called with r's monitor held. */
    private void maybeExpandIsr(Replica r, int followerId, FollowerProgress f) {
        if (r.state.isr().contains(followerId) || !mayProposeIsr(r, clock.millis())) return;
        // A fetch that was in flight when its sender left must not bring a dead node back.
        if (!quorum.channel().liveNodes().contains(followerId)) return;
        if (f.logEndOffset < r.log.highWatermark()) return;
        for (io.tributary.broker.log.EpochEntry e : r.log.leaderEpochCache().entries()) {
            if (e.epoch() == r.leaderEpoch && f.logEndOffset < e.startOffset()) return;
        }
        List<Integer> isr = new ArrayList<>(r.state.isr());
        isr.add(followerId);
        LOG.log(System.Logger.Level.INFO, "Node " + nodeId + " adds node " + followerId + " back to the ISR of " + r.tp);
        proposeIsr(r, isr);
    }

    /** No proposal awaiting an answer and the backoff after a failed one has passed. Called with r's monitor held. */
    private static boolean mayProposeIsr(Replica r, long now) {
        return !r.isrProposalInFlight && r.supersededByEpoch < 0 && now >= r.nextIsrProposalMs;
    }

    /**
     * Proposes {@code isr} and counts its members as pending (see {@link Replica#pendingIsr}) until
     * the quorum decides: a newer partition epoch in the metadata, or a refusal by the state machine
     * (a proposal against an epoch that moved on never applies). A proposal without an answer (no
     * quorum, no answer in time) may still commit, so its members stay counted; the next attempt
     * waits a backoff that doubles with every failure. Called with r's monitor held.
     */
    private void proposeIsr(Replica r, List<Integer> isr) {
        int epoch = r.state.partitionEpoch();
        if (r.pendingIsr == null || r.pendingIsrFromEpoch != epoch) {
            r.pendingIsr = List.copyOf(isr);
        } else {
            Set<Integer> union = new java.util.LinkedHashSet<>(r.pendingIsr);
            union.addAll(isr);
            r.pendingIsr = List.copyOf(union);
        }
        r.pendingIsrFromEpoch = epoch;
        r.isrProposalInFlight = true;
        quorum.propose(new MetadataCommand.ChangePartition(r.tp.topic(), r.tp.partition(), epoch, nodeId, isr))
                .whenComplete((error, failure) -> {
                    long backoff;
                    synchronized (r) {
                        r.isrProposalInFlight = false;
                        if (failure == null && error == Errors.NONE) {
                            r.isrProposalBackoffMs = ISR_PROPOSAL_BACKOFF_MIN_MS;
                        } else {
                            r.nextIsrProposalMs = clock.millis() + r.isrProposalBackoffMs;
                            r.isrProposalBackoffMs = Math.min(ISR_PROPOSAL_BACKOFF_MAX_MS, 2 * r.isrProposalBackoffMs);
                            if (failure == null && r.pendingIsrFromEpoch == epoch) clearPendingIsr(r);
                        }
                        backoff = r.nextIsrProposalMs - clock.millis();
                        maybeAdvanceHighWatermark(r);
                    }
                    runDeferred(r);
                    if (failure != null || error != Errors.NONE) {
                        LOG.log(System.Logger.Level.INFO, "ISR change of " + r.tp + " to " + isr + " not applied ("
                                + (failure != null ? failure : error) + "); next attempt in " + Math.max(0, backoff) + " ms");
                    }
                });
    }

    /**
     * A follower already knows a newer leader epoch: this node's leadership has been superseded in
     * metadata it has not applied yet. It stops acknowledging at once; the records it could still
     * acknowledge may be missing on the new leader. Called with r's monitor held.
     */
    private void supersede(Replica r, int newerEpoch, int followerId) {
        if (r.supersededByEpoch >= newerEpoch) return;
        r.supersededByEpoch = newerEpoch;
        LOG.log(System.Logger.Level.INFO, "Node " + nodeId + " stops acknowledging " + r.tp + ": node " + followerId
                + " fetches in leader epoch " + newerEpoch + ", newer than this leader's " + r.leaderEpoch);
        failWaiters(r, new NotLeaderOrFollowerException("Node " + nodeId + " no longer leads " + r.tp
                + ": leader epoch " + newerEpoch + " has superseded " + r.leaderEpoch));
    }

    // ---------------------------------------------------------------- leader: serving followers

    /** Answers replica fetches arriving on the replication channel, long-polling like a consumer fetch. */
    private final class FetchServer implements RequestHandler {
        @Override
        public Object handle(Message msg) throws Exception {
            throw new UnsupportedOperationException("replica fetches are answered asynchronously");
        }

        @Override
        public void handle(Message msg, Response response) throws Exception {
            ReplicaFetch.Request request = ReplicaFetch.decodeRequest(msg.getArray(), msg.getOffset(), msg.getLength());
            ReplicaFetch.Response first = serve(request);
            if (first.bytes() > 0 || hasError(first)) {
                response.send(ReplicaFetch.encode(first), false);
                return;
            }
            Set<TopicPartition> parts = new HashSet<>();
            for (ReplicaFetch.PartitionRequest p : request.partitions()) parts.add(p.tp());
            delayedFetches.followers().park(parts, force -> {
                ReplicaFetch.Response r = serve(request);
                if (force || r.bytes() > 0 || hasError(r)) {
                    response.send(ReplicaFetch.encode(r), false);
                    return true;
                }
                return false;
            }, config.replicaFetchWaitMaxMs());
        }

        private boolean hasError(ReplicaFetch.Response r) {
            for (ReplicaFetch.PartitionResponse p : r.partitions()) {
                if (p.error() != Errors.NONE || p.divergingEpoch() >= 0) return true;
            }
            return false;
        }
    }

    private ReplicaFetch.Response serve(ReplicaFetch.Request request) {
        List<ReplicaFetch.PartitionResponse> out = new ArrayList<>(request.partitions().size());
        int remaining = config.replicaFetchResponseMaxBytes();
        for (ReplicaFetch.PartitionRequest p : request.partitions()) {
            ReplicaFetch.PartitionResponse resp = serveOne(request.followerId(), p,
                    Math.min(remaining, config.replicaFetchMaxBytes()), out.isEmpty() || remaining > 0);
            remaining -= resp.records().length;
            out.add(resp);
        }
        return new ReplicaFetch.Response(out);
    }

    private ReplicaFetch.PartitionResponse serveOne(int followerId, ReplicaFetch.PartitionRequest p, int maxBytes,
                                                     boolean mayRead) {
        Replica r = replicas.get(p.tp());
        if (r == null) return ReplicaFetch.PartitionResponse.error(p.tp(), Errors.NOT_LEADER_OR_FOLLOWER);
        PartitionLog log = r.log;
        synchronized (r) {
            if (!r.leader) return ReplicaFetch.PartitionResponse.error(p.tp(), Errors.NOT_LEADER_OR_FOLLOWER);
            if (p.currentLeaderEpoch() < r.leaderEpoch) {
                return ReplicaFetch.PartitionResponse.error(p.tp(), Errors.FENCED_LEADER_EPOCH);
            }
            if (p.currentLeaderEpoch() > r.leaderEpoch) {
                supersede(r, p.currentLeaderEpoch(), followerId);
            }
        }
        runDeferred(r);
        synchronized (r) {
            if (!r.leader || p.currentLeaderEpoch() > r.leaderEpoch) {
                return ReplicaFetch.PartitionResponse.error(p.tp(), Errors.UNKNOWN_LEADER_EPOCH);
            }
            FollowerProgress f = r.followers.get(followerId);
            if (f == null) return ReplicaFetch.PartitionResponse.error(p.tp(), Errors.NOT_LEADER_OR_FOLLOWER);
            if (p.lastFetchedEpoch() >= 0) {
                Optional<EpochEndOffset> end = log.endOffsetForEpoch(p.lastFetchedEpoch());
                if (end.isPresent() && (end.get().epoch() != p.lastFetchedEpoch() || end.get().endOffset() < p.fetchOffset())) {
                    return new ReplicaFetch.PartitionResponse(p.tp(), Errors.NONE, log.highWatermark(),
                            log.logStartOffset(), end.get().epoch(), end.get().endOffset(), new byte[0]);
                }
            }
            long now = clock.millis();
            long leaderEnd = log.logEndOffset();
            if (p.fetchOffset() > leaderEnd) {
                return ReplicaFetch.PartitionResponse.error(p.tp(), Errors.OFFSET_OUT_OF_RANGE);
            }
            f.logEndOffset = p.fetchOffset();
            if (p.fetchOffset() >= leaderEnd) f.lastCaughtUpMs = now;
            else if (p.fetchOffset() >= f.leaderEndAtLastFetch && f.leaderEndAtLastFetch >= 0) {
                f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, f.lastFetchMs);
            }
            f.leaderEndAtLastFetch = leaderEnd;
            f.lastFetchMs = now;
            maybeExpandIsr(r, followerId, f);
            maybeAdvanceHighWatermark(r);
        }
        runDeferred(r);
        byte[] records = new byte[0];
        if (mayRead && maxBytes > 0) {
            try {
                LogReadResult read = log.read(p.fetchOffset(), maxBytes, true, io.tributary.broker.log.FetchIsolation.LOG_END);
                records = toBytes(read.records());
            } catch (OffsetOutOfRangeException e) {
                return new ReplicaFetch.PartitionResponse(p.tp(), Errors.OFFSET_OUT_OF_RANGE, log.highWatermark(),
                        log.logStartOffset(), -1, -1, new byte[0]);
            }
        }
        return new ReplicaFetch.PartitionResponse(p.tp(), Errors.NONE, log.highWatermark(), log.logStartOffset(),
                -1, -1, records);
    }

    private static byte[] toBytes(Records records) {
        int size = records.sizeInBytes();
        if (size == 0) return new byte[0];
        ByteBuffer buf = ByteBuffer.allocate(size);
        if (records instanceof MemoryRecords m) {
            buf.put(m.buffer().duplicate());
        } else if (records instanceof FileRecords f) {
            try {
                f.readInto(buf, 0);
            } catch (IOException e) {
                throw new org.apache.kafka.common.errors.KafkaStorageException("Cannot read " + f + ": " + e.getMessage(), e);
            }
        } else {
            throw new IllegalStateException("Unexpected records type " + records.getClass());
        }
        return buf.array();
    }

    // ---------------------------------------------------------------- follower side

    /** The fetch a follower sends for {@code tp}, or null when it no longer follows {@code leaderId}. */
    ReplicaFetch.PartitionRequest fetchRequest(TopicPartition tp, int leaderId) {
        Replica r = replicas.get(tp);
        if (r == null) return null;
        synchronized (r) {
            if (r.leader || r.fetchingFrom != leaderId) return null;
            return new ReplicaFetch.PartitionRequest(tp, r.log.logEndOffset(), r.log.latestEpoch().orElse(-1),
                    r.leaderEpoch);
        }
    }

    /** Applies the leader's answer to one partition on this follower. */
    void applyFetched(int leaderId, ReplicaFetch.PartitionRequest sent, ReplicaFetch.PartitionResponse resp) {
        Replica r = replicas.get(resp.tp());
        if (r == null) return;
        synchronized (r) {
            if (r.leader || r.fetchingFrom != leaderId || r.leaderEpoch != sent.currentLeaderEpoch()) return;
            if (resp.error() != Errors.NONE) return;
            PartitionLog log = r.log;
            if (resp.divergingEpoch() >= 0 || resp.divergingEndOffset() >= 0) {
                // As Kafka's follower: truncate to the leader's end of the diverging epoch, or to our own end
                // of it when that is earlier.
                long target = resp.divergingEndOffset();
                Optional<EpochEndOffset> own = log.endOffsetForEpoch(resp.divergingEpoch());
                if (own.isPresent() && own.get().epoch() == resp.divergingEpoch()) target = Math.min(target, own.get().endOffset());
                if (target < log.logEndOffset()) {
                    LOG.log(System.Logger.Level.INFO, "Node " + nodeId + " truncates " + r.tp + " from "
                            + log.logEndOffset() + " to " + target + " (diverged from leader "
                            + leaderId + " after epoch " + resp.divergingEpoch() + ")");
                    log.truncateTo(target);
                } else {
                    // Nothing to cut from the log, but epochs this replica started without writing in them
                    // (it led briefly and appended nothing) must go, or the next fetch diverges again.
                    log.leaderEpochCache().truncateFromEnd(target);
                }
                return;
            }
            if (log.logEndOffset() != sent.fetchOffset()) return;
            if (resp.records().length > 0) {
                log.appendAsFollower(MemoryRecords.readableRecords(ByteBuffer.wrap(resp.records())));
            }
            long hw = Math.min(resp.highWatermark(), log.logEndOffset());
            if (hw > log.highWatermark()) log.updateHighWatermark(hw);
        }
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
        Replica r = replicas.get(tp);
        if (r == null) return Optional.empty();
        synchronized (r) {
            return Optional.ofNullable(r.pendingIsr);
        }
    }

    /** The node this node fetches {@code tp} from, or -1 when it leads or follows no one. */
    int fetchingFrom(TopicPartition tp) {
        Replica r = replicas.get(tp);
        if (r == null) return -1;
        synchronized (r) {
            return r.fetchingFrom;
        }
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
        for (Replica r : replicas.values()) {
            synchronized (r) {
                failWaiters(r, new NotLeaderOrFollowerException("Node " + nodeId + " is shutting down"));
            }
            runDeferred(r);
        }
        try {
            dispatcher.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "Closing the replication dispatcher failed", e);
        }
    }
}
