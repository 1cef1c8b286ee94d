package io.tributary.broker.cluster;

import io.tributary.broker.log.AppendOrigin;
import io.tributary.broker.log.EpochEndOffset;
import io.tributary.broker.log.EpochEntry;
import io.tributary.broker.log.LogAppendInfo;
import io.tributary.broker.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownLeaderEpochException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * One partition this node hosts, and the only owner of its replication state: the role (leader or
 * follower) and leader epoch taken from the committed metadata, the high watermark the leader
 * advances to the smallest log end offset of the ISR, the ISR itself (committed, and a pending
 * proposal counted as Kafka's "maximal ISR"), the followers' progress, and the {@code acks=all}
 * appends waiting to be committed. The log derives the last stable offset from the high watermark
 * this class moves and the open transactions its producer state tracks.
 *
 * <p>Guarantees: an append is made only while this node leads in the epoch it was checked against
 * (a role change waits for it); an {@code acks=all} append completes only once every member of the
 * maximal ISR has it; a leader that learns of a newer epoch from a follower acknowledges nothing
 * more; a follower writes only what its current leader in its current epoch sent.
 *
 * <p>Locks, always taken in this order:
 * <ol>
 *   <li>{@code roleLock}, a read-write lock: held for reading across every write to the log (leader
 *   append, follower append, truncation) and for writing while the role changes. It is held across
 *   disk I/O on purpose: a write must land in the role it was checked against.</li>
 *   <li>this object's monitor: every field below. Never held across disk or network I/O; futures it
 *   decides to complete and fetches it decides to wake are run after it is released
 *   ({@link #runDeferred}).</li>
 *   <li>the log's own lock, taken inside {@link PartitionLog}'s methods.</li>
 * </ol>
 */
final class Partition {
    private static final System.Logger LOG = System.getLogger(Partition.class.getName());

    private static final long ISR_PROPOSAL_BACKOFF_MIN_MS = 100;
    /**
     * How long after becoming the leader an unknown producer must start at sequence 0: as long as a
     * request a client pipelined before it learned of the change may still arrive (Kafka's default
     * {@code request.timeout.ms}).
     */
    static final long NEW_LEADER_SEQUENCE_WINDOW_MS = 30_000;
    private static final long ISR_PROPOSAL_BACKOFF_MAX_MS = 5_000;

    /** What a role change means for the caller: listeners to tell and fetchers to move. */
    record RoleChange(boolean becameLeader, boolean stoppedLeading, boolean fetcherChanged, int fetchFrom) {
    }

    private final TopicPartition tp;
    private final PartitionLog log;
    private final ReplicaContext ctx;
    private final ReentrantReadWriteLock roleLock = new ReentrantReadWriteLock();

    private PartitionRegistration state;
    private boolean leader;
    private int leaderEpoch = -1;
    private int fetchingFrom = -1;
    private final Map<Integer, FollowerProgress> followers = new HashMap<>();
    private final List<CommitWaiter> waiters = new ArrayList<>();
    private final List<Runnable> deferred = new ArrayList<>();
    /**
     * The ISR this leader proposed and has not yet seen committed or refused, or null. Until the
     * quorum decides, the high watermark counts every member of either ISR: a member being added
     * may already be chosen as leader, and one being removed is still in the ISR every other node
     * acts on.
     */
    private List<Integer> pendingIsr;
    /** The partition epoch {@link #pendingIsr} was proposed against. */
    private int pendingIsrFromEpoch = -1;
    /** When the next ISR change may be proposed; grows after each failed proposal. */
    private long nextIsrProposalMs;
    private long isrProposalBackoffMs = ISR_PROPOSAL_BACKOFF_MIN_MS;
    private boolean isrProposalInFlight;
    /**
     * A leader epoch newer than this node's, learned from a follower's fetch before the metadata
     * that makes this node step down arrived; -1 if none. A superseded leader acknowledges nothing.
     */
    private int supersededByEpoch = -1;

    /** The leader's knowledge of one follower. Guarded by the partition's monitor. */
    private static final class FollowerProgress {
        long logEndOffset = -1;
        long lastCaughtUpMs;
        long leaderEndAtLastFetch = -1;
        long lastFetchMs;

        FollowerProgress(long now) {
            this.lastCaughtUpMs = now;
        }
    }

    private record CommitWaiter(long endOffset, CompletableFuture<Void> future) {
    }

    Partition(TopicPartition tp, PartitionLog log, ReplicaContext ctx) {
        this.tp = tp;
        this.log = log;
        this.ctx = ctx;
    }

    TopicPartition topicPartition() {
        return tp;
    }

    PartitionLog log() {
        return log;
    }

    // ---------------------------------------------------------------- role, from the committed metadata

    /** Applies a committed state of the partition: becomes its leader or a follower of its leader. */
    RoleChange applyState(PartitionRegistration newState) {
        int nodeId = ctx.nodeId();
        boolean becameLeader = false;
        boolean stoppedLeading;
        boolean fetcherChanged = false;
        int fetchFrom = -1;
        roleLock.writeLock().lock();
        try {
            boolean wasLeader;
            boolean assignEpoch = false;
            synchronized (this) {
                wasLeader = leader;
                int epochBefore = leaderEpoch;
                PartitionRegistration before = state;
                state = newState;
                // A proposal is made against one partition epoch: once the partition has moved past it, the
                // committed state says whether the proposal got in, and it can never get in later.
                if (pendingIsr != null && newState.partitionEpoch() != pendingIsrFromEpoch) clearPendingIsr();
                if (supersededByEpoch >= 0 && newState.leaderEpoch() >= supersededByEpoch) supersededByEpoch = -1;
                if (newState.leader() == nodeId) {
                    if (!leader || leaderEpoch != newState.leaderEpoch()) {
                        becomeLeader(newState);
                        assignEpoch = true;
                    }
                    if (fetchingFrom != -1) {
                        fetcherChanged = true;
                        fetchingFrom = -1;
                    }
                } else if (leader || leaderEpoch != newState.leaderEpoch() || fetchingFrom != newState.leader()) {
                    becomeFollower(newState);
                    fetcherChanged = true;
                    fetchFrom = newState.leader();
                    fetchingFrom = fetchFrom;
                }
                becameLeader = leader && (!wasLeader || epochBefore != newState.leaderEpoch());
                stoppedLeading = wasLeader && !leader;
                // A committed ISR change of a partition this node goes on leading, whoever proposed it
                // (this leader, or the controller removing a node that left): Kafka's ISR meters.
                if (wasLeader && leader && before != null) {
                    if (newState.isr().size() < before.isr().size()) ctx.isrShrinks().mark();
                    else if (newState.isr().size() > before.isr().size()) ctx.isrExpands().mark();
                }
            }
            // Disk I/O (the epoch checkpoint), outside the monitor; no append runs while the write lock is held.
            if (assignEpoch) log.assignEpochStartOffset(newState.leaderEpoch());
            synchronized (this) {
                if (assignEpoch) {
                    LOG.log(System.Logger.Level.INFO, "Node " + nodeId + " leads " + tp + " in epoch "
                            + newState.leaderEpoch() + " from offset " + log.logEndOffset() + " (ISR " + newState.isr()
                            + ", high watermark " + log.highWatermark() + ")");
                }
                if (leader) maybeAdvanceHighWatermark();
            }
        } finally {
            roleLock.writeLock().unlock();
        }
        runDeferred();
        return new RoleChange(becameLeader, stoppedLeading, fetcherChanged, fetchFrom);
    }

    private void becomeLeader(PartitionRegistration s) {
        long now = ctx.clock().millis();
        leader = true;
        leaderEpoch = s.leaderEpoch();
        clearPendingIsr();
        log.setHighWatermarkFollowsLogEnd(false);
        log.leadershipStarted(NEW_LEADER_SEQUENCE_WINDOW_MS);
        followers.clear();
        for (int id : s.replicas()) if (id != ctx.nodeId()) followers.put(id, new FollowerProgress(now));
    }

    private void becomeFollower(PartitionRegistration s) {
        boolean wasLeader = leader;
        leader = false;
        leaderEpoch = s.leaderEpoch();
        clearPendingIsr();
        followers.clear();
        log.setHighWatermarkFollowsLogEnd(false);
        failWaiters(new NotLeaderOrFollowerException("Node " + ctx.nodeId() + " no longer leads " + tp));
        if (wasLeader || s.hasLeader()) {
            LOG.log(System.Logger.Level.INFO, "Node " + ctx.nodeId() + " follows " + (s.hasLeader()
                    ? "node " + s.leader() : "no leader") + " for " + tp + " in epoch " + s.leaderEpoch());
        }
    }

    /** This node no longer hosts the partition (or is shutting down): fails what waits on it. Returns whether it led. */
    boolean drop(String reason) {
        boolean wasLeader;
        roleLock.writeLock().lock();
        try {
            synchronized (this) {
                wasLeader = leader;
                leader = false;
                fetchingFrom = -1;
                failWaiters(new NotLeaderOrFollowerException("Node " + ctx.nodeId() + " " + reason + " " + tp));
            }
        } finally {
            roleLock.writeLock().unlock();
        }
        runDeferred();
        return wasLeader;
    }

    synchronized boolean isLeader() {
        return leader;
    }

    /** The sizes of the committed replica set and ISR while this node leads. */
    record LeaderIsr(int replicas, int isrSize) {
    }

    /** The committed replica and ISR sizes when this node leads, null when it does not. */
    synchronized LeaderIsr leaderIsr() {
        return leader && state != null ? new LeaderIsr(state.replicas().size(), state.isr().size()) : null;
    }

    /** Whether {@code replicaId} is in the committed ISR (Kafka's {@code inSyncReplicaIds}). */
    synchronized boolean isInSync(int replicaId) {
        return state != null && state.isr().contains(replicaId);
    }

    synchronized int leaderEpoch() {
        return leaderEpoch;
    }

    synchronized int fetchingFrom() {
        return fetchingFrom;
    }

    synchronized Optional<List<Integer>> pendingIsr() {
        return Optional.ofNullable(pendingIsr);
    }

    // ---------------------------------------------------------------- leader: client requests

    /** This node's log when it leads in {@code currentLeaderEpoch} (or any epoch, for {@link Replication#NO_EPOCH}). */
    synchronized PartitionLog leaderLog(int currentLeaderEpoch) {
        checkLeader(currentLeaderEpoch);
        return log;
    }

    /** Called with the monitor held. */
    private void checkLeader(int currentLeaderEpoch) {
        int nodeId = ctx.nodeId();
        if (!leader) throw new NotLeaderOrFollowerException("Node " + nodeId + " is not the leader of " + tp
                + (state != null && state.hasLeader() ? "; node " + state.leader() + " is" : ""));
        if (supersededByEpoch >= 0) throw new NotLeaderOrFollowerException("Node " + nodeId + " no longer leads "
                + tp + ": leader epoch " + supersededByEpoch + " has superseded " + leaderEpoch);
        if (currentLeaderEpoch != Replication.NO_EPOCH && currentLeaderEpoch < leaderEpoch) {
            throw new FencedLeaderEpochException("Leader epoch " + currentLeaderEpoch + " of " + tp
                    + " is older than the current " + leaderEpoch);
        }
        if (currentLeaderEpoch != Replication.NO_EPOCH && currentLeaderEpoch > leaderEpoch) {
            throw new UnknownLeaderEpochException("Leader epoch " + currentLeaderEpoch + " of " + tp
                    + " is newer than the current " + leaderEpoch);
        }
    }

    /**
     * Appends as leader (see {@link Replication#appendAsLeader}): checks the role and, for
     * {@code acks=-1}, the ISR under the monitor; appends under the role read lock only; then
     * advances the high watermark and wakes the follower fetches waiting for the new log end.
     */
    CompletableFuture<LogAppendInfo> appendAsLeader(MemoryRecords records, short acks, AppendOrigin origin,
                                                    long timeoutMs) {
        CompletableFuture<LogAppendInfo> result;
        roleLock.readLock().lock();
        try {
            int epoch;
            synchronized (this) {
                checkLeader(Replication.NO_EPOCH);
                if (acks == -1) checkEnoughReplicas();
                epoch = leaderEpoch;
            }
            LogAppendInfo info = log.append(records, epoch, origin);
            if (!info.duplicate()) ctx.delayedFetches().onLogEnd(tp);
            synchronized (this) {
                if (!info.duplicate()) maybeAdvanceHighWatermark();
                result = acks == -1 ? awaitCommitted(info.lastOffset() + 1, timeoutMs).thenApply(v -> info)
                        : CompletableFuture.completedFuture(info);
            }
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(e);
        } finally {
            roleLock.readLock().unlock();
        }
        runDeferred();
        return result;
    }

    /** Called with the monitor held. */
    private void checkEnoughReplicas() {
        int min = log.config().minInsyncReplicas();
        if (state.isr().size() < min) {
            throw new NotEnoughReplicasException("The size of the current ISR " + state.isr() + " of " + tp
                    + " is less than min.insync.replicas " + min);
        }
    }

    /** Completes once every record below {@code endOffset} is committed. Called with the monitor held. */
    private CompletableFuture<Void> awaitCommitted(long endOffset, long timeoutMs) {
        if (!leader || supersededByEpoch >= 0) {
            return CompletableFuture.failedFuture(new NotLeaderOrFollowerException("Node " + ctx.nodeId()
                    + " is no longer the leader of " + tp));
        }
        if (log.highWatermark() >= endOffset) return CompletableFuture.completedFuture(null);
        CompletableFuture<Void> future = new CompletableFuture<>();
        CommitWaiter w = new CommitWaiter(endOffset, future);
        waiters.add(w);
        ScheduledFuture<?> t = ctx.timer().schedule(() -> {
            synchronized (this) {
                waiters.remove(w);
            }
            future.completeExceptionally(new TimeoutException("Records of " + tp + " below offset " + endOffset
                    + " were not replicated to the in-sync replicas within " + timeoutMs + " ms"));
        }, timeoutMs, TimeUnit.MILLISECONDS);
        future.whenComplete((v, e) -> t.cancel(false));
        return future;
    }

    // ---------------------------------------------------------------- leader: high watermark and ISR

    /** Called with the monitor held. */
    private void maybeAdvanceHighWatermark() {
        if (!leader || supersededByEpoch >= 0) return;
        long candidate = log.logEndOffset();
        for (int id : maximalIsr()) {
            if (id == ctx.nodeId()) continue;
            FollowerProgress f = followers.get(id);
            candidate = Math.min(candidate, f == null ? -1 : f.logEndOffset);
        }
        if (candidate > log.highWatermark()) {
            log.updateHighWatermark(candidate);
            completeWaiters();
            // Woken on the timer thread: this may run inside another parked fetch's completion.
            deferred.add(() -> {
                try {
                    ctx.timer().execute(() -> ctx.delayedFetches().onHighWatermark(tp));
                } catch (java.util.concurrent.RejectedExecutionException closing) {
                    // shutting down
                }
            });
        }
    }

    /** The committed ISR together with a pending proposal's members. Called with the monitor held. */
    private Set<Integer> maximalIsr() {
        Set<Integer> isr = new LinkedHashSet<>(state.isr());
        if (pendingIsr != null) isr.addAll(pendingIsr);
        return isr;
    }

    private void clearPendingIsr() {
        pendingIsr = null;
        pendingIsrFromEpoch = -1;
    }

    private void completeWaiters() {
        long hw = log.highWatermark();
        int min = log.config().minInsyncReplicas();
        for (Iterator<CommitWaiter> it = waiters.iterator(); it.hasNext(); ) {
            CommitWaiter w = it.next();
            if (w.endOffset() > hw) continue;
            it.remove();
            Set<Integer> isr = maximalIsr();
            if (isr.size() < min) {
                RuntimeException e = new NotEnoughReplicasAfterAppendException("The ISR " + isr + " of " + tp
                        + " shrank below min.insync.replicas " + min + " after the append");
                deferred.add(() -> w.future().completeExceptionally(e));
            } else {
                deferred.add(() -> w.future().complete(null));
            }
        }
    }

    private void failWaiters(RuntimeException error) {
        List<CommitWaiter> failed = new ArrayList<>(waiters);
        waiters.clear();
        for (CommitWaiter w : failed) deferred.add(() -> w.future().completeExceptionally(error));
    }

    /** Proposes removing the followers that have not caught up within {@code replica.lag.time.max.ms}. */
    void maybeShrinkIsr(long now) {
        synchronized (this) {
            if (!leader || state == null || !mayProposeIsr(now)) return;
            List<Integer> isr = new ArrayList<>(state.isr());
            boolean changed = isr.removeIf(id -> {
                if (id == ctx.nodeId()) return false;
                FollowerProgress f = followers.get(id);
                return f == null || now - f.lastCaughtUpMs > ctx.config().replicaLagTimeMaxMs();
            });
            if (!changed) return;
            LOG.log(System.Logger.Level.INFO, "Node " + ctx.nodeId() + " shrinks the ISR of " + tp + " from "
                    + state.isr() + " to " + isr);
            proposeIsr(isr);
        }
    }

    /** Called with the monitor held. */
    private void maybeExpandIsr(int followerId, FollowerProgress f) {
        if (state.isr().contains(followerId) || !mayProposeIsr(ctx.clock().millis())) return;
        // A fetch that was in flight when its sender left must not bring a dead node back.
        if (!ctx.quorum().channel().liveNodes().contains(followerId)) return;
        if (f.logEndOffset < log.highWatermark()) return;
        for (EpochEntry e : log.leaderEpochCache().entries()) {
            if (e.epoch() == leaderEpoch && f.logEndOffset < e.startOffset()) return;
        }
        List<Integer> isr = new ArrayList<>(state.isr());
        isr.add(followerId);
        LOG.log(System.Logger.Level.INFO, "Node " + ctx.nodeId() + " adds node " + followerId + " back to the ISR of " + tp);
        proposeIsr(isr);
    }

    /** No proposal awaiting an answer and the backoff after a failed one has passed. Called with the monitor held. */
    private boolean mayProposeIsr(long now) {
        return !isrProposalInFlight && supersededByEpoch < 0 && now >= nextIsrProposalMs;
    }

    /**
     * Proposes {@code isr} and counts its members as pending (see {@link #pendingIsr}) until the
     * quorum decides: a newer partition epoch in the metadata, or a refusal by the state machine (a
     * proposal against an epoch that moved on never applies). A proposal without an answer (no
     * quorum, no answer in time) may still commit, so its members stay counted; the next attempt
     * waits a backoff that doubles with every failure. Called with the monitor held; the proposal is
     * sent asynchronously.
     */
    private void proposeIsr(List<Integer> isr) {
        int epoch = state.partitionEpoch();
        if (pendingIsr == null || pendingIsrFromEpoch != epoch) {
            pendingIsr = List.copyOf(isr);
        } else {
            Set<Integer> union = new LinkedHashSet<>(pendingIsr);
            union.addAll(isr);
            pendingIsr = List.copyOf(union);
        }
        pendingIsrFromEpoch = epoch;
        isrProposalInFlight = true;
        ctx.quorum().propose(new MetadataCommand.ChangePartition(tp.topic(), tp.partition(), epoch, ctx.nodeId(), isr))
                .whenComplete((error, failure) -> {
                    long backoff;
                    synchronized (this) {
                        isrProposalInFlight = false;
                        if (failure == null && error == Errors.NONE) {
                            isrProposalBackoffMs = ISR_PROPOSAL_BACKOFF_MIN_MS;
                        } else {
                            nextIsrProposalMs = ctx.clock().millis() + isrProposalBackoffMs;
                            isrProposalBackoffMs = Math.min(ISR_PROPOSAL_BACKOFF_MAX_MS, 2 * isrProposalBackoffMs);
                            if (failure == null && pendingIsrFromEpoch == epoch) clearPendingIsr();
                        }
                        backoff = nextIsrProposalMs - ctx.clock().millis();
                        maybeAdvanceHighWatermark();
                    }
                    runDeferred();
                    if (failure != null || error != Errors.NONE) {
                        LOG.log(System.Logger.Level.INFO, "ISR change of " + tp + " to " + isr + " not applied ("
                                + (failure != null ? failure : error) + "); next attempt in " + Math.max(0, backoff) + " ms");
                    }
                });
    }

    // ---------------------------------------------------------------- leader: follower fetches

    /**
     * Records a follower's fetch from {@code fetchOffset} (its log end) in {@code currentLeaderEpoch}
     * having last fetched {@code lastFetchedEpoch}: checks the epochs, updates the follower's progress,
     * the ISR and the high watermark. Returns the answer when there is nothing to read (an error or
     * where the follower's log diverges), or empty when the follower is to be sent records from
     * {@code fetchOffset}.
     */
    Optional<ReplicaFetch.PartitionResponse> onFollowerFetch(int followerId, ReplicaFetch.PartitionRequest p) {
        try {
            synchronized (this) {
                if (!leader) return Optional.of(ReplicaFetch.PartitionResponse.error(tp, Errors.NOT_LEADER_OR_FOLLOWER));
                if (p.currentLeaderEpoch() < leaderEpoch) {
                    return Optional.of(ReplicaFetch.PartitionResponse.error(tp, Errors.FENCED_LEADER_EPOCH));
                }
                if (p.currentLeaderEpoch() > leaderEpoch) {
                    supersede(p.currentLeaderEpoch(), followerId);
                    return Optional.of(ReplicaFetch.PartitionResponse.error(tp, Errors.UNKNOWN_LEADER_EPOCH));
                }
                FollowerProgress f = followers.get(followerId);
                if (f == null) return Optional.of(ReplicaFetch.PartitionResponse.error(tp, Errors.NOT_LEADER_OR_FOLLOWER));
                if (p.lastFetchedEpoch() >= 0) {
                    Optional<EpochEndOffset> end = log.endOffsetForEpoch(p.lastFetchedEpoch());
                    if (end.isPresent() && (end.get().epoch() != p.lastFetchedEpoch()
                            || end.get().endOffset() < p.fetchOffset())) {
                        return Optional.of(new ReplicaFetch.PartitionResponse(tp, Errors.NONE, log.highWatermark(),
                                log.logStartOffset(), end.get().epoch(), end.get().endOffset(), new byte[0]));
                    }
                }
                long now = ctx.clock().millis();
                long leaderEnd = log.logEndOffset();
                if (p.fetchOffset() > leaderEnd) {
                    return Optional.of(new ReplicaFetch.PartitionResponse(tp, Errors.OFFSET_OUT_OF_RANGE,
                            log.highWatermark(), log.logStartOffset(), -1, -1, new byte[0]));
                }
                f.logEndOffset = p.fetchOffset();
                if (p.fetchOffset() >= leaderEnd) f.lastCaughtUpMs = now;
                else if (p.fetchOffset() >= f.leaderEndAtLastFetch && f.leaderEndAtLastFetch >= 0) {
                    f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, f.lastFetchMs);
                }
                f.leaderEndAtLastFetch = leaderEnd;
                f.lastFetchMs = now;
                maybeExpandIsr(followerId, f);
                maybeAdvanceHighWatermark();
                return Optional.empty();
            }
        } finally {
            runDeferred();
        }
    }

    /**
     * A follower already knows a newer leader epoch: this node's leadership has been superseded in
     * metadata it has not applied yet. It stops acknowledging at once; the records it could still
     * acknowledge may be missing on the new leader. Called with the monitor held.
     */
    private void supersede(int newerEpoch, int followerId) {
        if (supersededByEpoch >= newerEpoch) return;
        supersededByEpoch = newerEpoch;
        LOG.log(System.Logger.Level.INFO, "Node " + ctx.nodeId() + " stops acknowledging " + tp + ": node " + followerId
                + " fetches in leader epoch " + newerEpoch + ", newer than this leader's " + leaderEpoch);
        failWaiters(new NotLeaderOrFollowerException("Node " + ctx.nodeId() + " no longer leads " + tp
                + ": leader epoch " + newerEpoch + " has superseded " + leaderEpoch));
    }

    // ---------------------------------------------------------------- follower

    /** The fetch this follower sends, or null when it no longer follows {@code leaderId}. */
    synchronized ReplicaFetch.PartitionRequest fetchRequest(int leaderId) {
        if (leader || fetchingFrom != leaderId) return null;
        return new ReplicaFetch.PartitionRequest(tp, log.logEndOffset(), log.latestEpoch().orElse(-1), leaderEpoch);
    }

    /**
     * Runs {@code write} on the log (follower append, truncation) if this node still follows
     * {@code leaderId} in {@code leaderEpoch}, under the role read lock and outside the monitor.
     */
    void writeAsFollower(int leaderId, int epoch, Consumer<PartitionLog> write) {
        roleLock.readLock().lock();
        try {
            synchronized (this) {
                if (leader || fetchingFrom != leaderId || leaderEpoch != epoch) return;
            }
            write.accept(log);
        } finally {
            roleLock.readLock().unlock();
        }
    }

    /** Runs what was decided under the monitor; never call with the monitor held. */
    private void runDeferred() {
        List<Runnable> actions;
        synchronized (this) {
            if (deferred.isEmpty()) return;
            actions = new ArrayList<>(deferred);
            deferred.clear();
        }
        for (Runnable a : actions) a.run();
    }
}
