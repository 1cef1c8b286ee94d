package io.tributary.broker.group;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The classic group coordinator: membership, rebalances and committed offsets of consumer groups.
 * The protocol itself is {@link GroupStateMachine}; this class is the shell that carries its steps
 * out: it reads the clock, parks JoinGroup and SyncGroup requests until the state machine answers
 * them, appends the group metadata records the steps produce to the groups' {@code __consumer_offsets}
 * partitions, reports the outcome of those writes back, and runs the timers the steps ask for.
 *
 * <p>Offsets are written through {@link OffsetStore}. A commit with a generation is accepted only
 * from a member of that generation; a commit without one only while the group has no members
 * (consumers using {@code assign}).
 *
 * <p>Thread safety: the steps on the groups of one {@code __consumer_offsets} partition are
 * serialised by that partition's lock (as Kafka runs one coordinator shard per partition on one
 * thread). The lock is held while the step's records are appended to the local log, so that they
 * reach the log in the order the state machine produced them; waiting for the append to be
 * replicated, answering requests and finishing writes happen after it is released. Lock order:
 * a partition lock here, then {@link OffsetStore}'s lock of the same partition. One timer thread,
 * {@code tributary-group-coordinator}, runs the groups' timers, finishes writes and expires offsets.
 */
public final class GroupCoordinator implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(GroupCoordinator.class.getName());

    private final GroupConfig config;
    private final OffsetStore offsets;
    private final Clock clock;
    private final GroupStateMachine machine;
    private final Object[] partitionLocks;
    private final AtomicLong requestIds = new AtomicLong();
    private final Map<Long, CompletableFuture<JoinGroupResponseData>> parkedJoins = new ConcurrentHashMap<>();
    private final Map<Long, CompletableFuture<SyncGroupResponseData>> parkedSyncs = new ConcurrentHashMap<>();
    /** Group id → the earliest time a timer task is scheduled for. */
    private final Map<String, Long> timers = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;

    public GroupCoordinator(GroupConfig config, OffsetStore offsets, Clock clock) {
        this.config = config;
        this.offsets = offsets;
        this.clock = clock;
        this.machine = new GroupStateMachine(config, () -> UUID.randomUUID().toString());
        this.partitionLocks = new Object[Math.max(1, config.offsetsTopicPartitions())];
        for (int i = 0; i < partitionLocks.length; i++) partitionLocks[i] = new Object();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tributary-group-coordinator");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Loads committed offsets and the groups' membership (each loaded member's session starts now)
     * and starts the timer.
     */
    public void start() {
        long now = clock.millis();
        offsets.load(record -> machine.replay(record, now));
        GroupStep<Void> step = machine.loaded(g -> true, offsets.groups(), now);
        setTimers(step.timers());
        timer.scheduleWithFixedDelay(this::expireOffsets, config.offsetsRetentionCheckIntervalMs(),
                config.offsetsRetentionCheckIntervalMs(), TimeUnit.MILLISECONDS);
    }

    public OffsetStore offsets() {
        return offsets;
    }

    // ---------------------------------------------------------------- requests

    public CompletableFuture<JoinGroupResponseData> join(JoinGroupRequestData req, String clientId, String clientHost,
                                                         short version) {
        long id = requestIds.incrementAndGet();
        CompletableFuture<JoinGroupResponseData> future = new CompletableFuture<>();
        parkedJoins.put(id, future);
        try {
            step(req.groupId(), () -> machine.join(id, req, clientId, clientHost, version, clock.millis()));
        } catch (RuntimeException e) {
            parkedJoins.remove(id);
            future.completeExceptionally(e);
        }
        return future;
    }

    public CompletableFuture<SyncGroupResponseData> sync(SyncGroupRequestData req) {
        long id = requestIds.incrementAndGet();
        CompletableFuture<SyncGroupResponseData> future = new CompletableFuture<>();
        parkedSyncs.put(id, future);
        try {
            step(req.groupId(), () -> machine.sync(id, req, clock.millis()));
        } catch (RuntimeException e) {
            parkedSyncs.remove(id);
            future.completeExceptionally(e);
        }
        return future;
    }

    public Errors heartbeat(String groupId, String memberId, String instanceId, int generation) {
        return step(groupId, () -> machine.heartbeat(groupId, memberId, instanceId, generation, clock.millis()));
    }

    /** Removes members (by member id, or by instance id for static members); one error per member. */
    public List<Errors> leave(String groupId, List<String[]> memberAndInstanceIds) {
        return step(groupId, () -> machine.leave(groupId, memberAndInstanceIds, clock.millis()));
    }

    /**
     * Checks that a commit may be made: with {@code generation < 0} only while the group has no
     * members; otherwise from a member of the current generation of a stable group.
     */
    public Errors validateCommit(String groupId, String memberId, String instanceId, int generation) {
        return step(groupId, () -> machine.validateCommit(groupId, memberId, instanceId, generation, clock.millis()));
    }

    /** Checks a transactional offset commit (see {@link GroupStateMachine#validateTxnCommit}). */
    public Errors validateTxnCommit(String groupId, String memberId, String instanceId, int generation) {
        return step(groupId, () -> machine.validateTxnCommit(groupId, memberId, instanceId, generation, clock.millis()));
    }

    /** The coordinator's time, which commit timestamps and offset retention are measured in. */
    public long now() {
        return clock.millis();
    }

    public int offsetMetadataMaxBytes() {
        return config.offsetMetadataMaxBytes();
    }

    /** Partitions of {@code topic} the group's members are subscribed to (consumer protocol). */
    public boolean isSubscribed(String groupId, String topic) {
        synchronized (lockOf(groupId)) {
            return machine.isSubscribed(groupId, topic);
        }
    }

    // ---------------------------------------------------------------- describe, list, delete

    /** A snapshot of one group for DescribeGroups and ListGroups. */
    public record GroupSummary(String groupId, String state, String protocolType, String protocol, List<MemberSummary> members) {
    }

    public record MemberSummary(String memberId, String groupInstanceId, String clientId, String clientHost,
                                byte[] metadata, byte[] assignment) {
    }

    public Optional<GroupSummary> describe(String groupId) {
        synchronized (lockOf(groupId)) {
            return machine.describe(groupId);
        }
    }

    public List<GroupSummary> list() {
        List<GroupSummary> out = new ArrayList<>();
        for (String id : machine.groupIds()) describe(id).ifPresent(out::add);
        return out;
    }

    /** Deletes an empty group and its offsets; returns once the tombstones are written. */
    public Errors delete(String groupId) {
        int p = partitionOf(groupId);
        GroupStep<Errors> step;
        CompletableFuture<Void> written;
        synchronized (partitionLocks[p]) {
            step = machine.delete(groupId, clock.millis());
            written = append(p, step.records());
        }
        if (step.response() != Errors.NONE) return step.response();
        try {
            offsets.deleteGroup(groupId);
            written.join();
            return Errors.NONE;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Deleting group " + groupId + " failed: " + e.getMessage());
            return writeError(e);
        }
    }

    public Set<String> groupIds() {
        return machine.groupIds();
    }

    /** Committed offsets of a group, for partitions of existing topics. */
    public Map<TopicPartition, CommittedOffset> committed(String groupId) {
        return offsets.offsets(groupId);
    }

    // ---------------------------------------------------------------- offset expiry

    private void expireOffsets() {
        long cutoff = clock.millis() - config.offsetsRetentionMs();
        try {
            int removed = offsets.expire(cutoff, groupId -> {
                synchronized (lockOf(groupId)) {
                    return machine.offsetsMayExpire(groupId, cutoff);
                }
            });
            if (removed > 0) LOG.log(System.Logger.Level.INFO, "Expired " + removed + " committed offset(s) of empty groups");
            for (String groupId : machine.groupIds()) {
                step(groupId, () -> machine.removeExpired(groupId, cutoff, !offsets.offsets(groupId).isEmpty(), clock.millis()));
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Offset expiration failed", e);
        }
    }

    /** Runs offset expiration now (tests and operations). */
    public void expireOffsetsNow() {
        expireOffsets();
    }

    // ---------------------------------------------------------------- loading

    /**
     * Forgets the membership state of the groups stored in offsets partition {@code partition}: this
     * node stopped (or started) coordinating them. Members waiting in a join or sync are told
     * {@code NOT_COORDINATOR} and find the new coordinator.
     */
    public void unloadGroupsOf(int partition) {
        GroupStep<Void> step;
        synchronized (partitionLocks[partition]) {
            step = machine.unload(g -> offsets.partitionFor(g) == partition, Errors.NOT_COORDINATOR, clock.millis());
        }
        answer(step.replies());
    }

    /** Forgets the membership state of every group (a cluster member loads them as it becomes coordinator). */
    public void unloadAll() {
        for (int p = 0; p < partitionLocks.length; p++) unloadGroupsOf(p);
    }

    /**
     * Becomes the coordinator of the groups stored in offsets partition {@code partition}: replays
     * the partition into memory, offsets and group membership alike. Loaded groups keep their
     * generation and members, and each member's session starts now, so members that go on
     * heartbeating with their generation stay in the group.
     */
    public void loadGroupsOf(int partition) {
        GroupStep<Void> unloaded;
        synchronized (partitionLocks[partition]) {
            long now = clock.millis();
            unloaded = machine.unload(g -> offsets.partitionFor(g) == partition, Errors.NOT_COORDINATOR, now);
            offsets.reload(partition, record -> machine.replay(record, now));
            List<String> withOffsets = offsets.groups().stream().filter(g -> offsets.partitionFor(g) == partition).toList();
            setTimers(machine.loaded(g -> offsets.partitionFor(g) == partition, withOffsets, now).timers());
        }
        answer(unloaded.replies());
    }

    @Override
    public void close() {
        timer.shutdownNow();
        List<Long> joins = new ArrayList<>(parkedJoins.keySet());
        for (Long id : joins) {
            CompletableFuture<JoinGroupResponseData> f = parkedJoins.remove(id);
            if (f != null) f.complete(GroupStateMachine.joinError(Errors.COORDINATOR_NOT_AVAILABLE, ""));
        }
        List<Long> syncs = new ArrayList<>(parkedSyncs.keySet());
        for (Long id : syncs) {
            CompletableFuture<SyncGroupResponseData> f = parkedSyncs.remove(id);
            if (f != null) f.complete(GroupStateMachine.syncError(Errors.COORDINATOR_NOT_AVAILABLE));
        }
    }

    // ---------------------------------------------------------------- carrying steps out

    private int partitionOf(String groupId) {
        return groupId == null || groupId.isEmpty() ? 0 : offsets.partitionFor(groupId) % partitionLocks.length;
    }

    private Object lockOf(String groupId) {
        return partitionLocks[partitionOf(groupId)];
    }

    /** Runs one step on {@code groupId}'s partition and carries it out; returns its response. */
    private <R> R step(String groupId, Supplier<GroupStep<R>> body) {
        int p = partitionOf(groupId);
        GroupStep<R> step;
        CompletableFuture<Void> written;
        synchronized (partitionLocks[p]) {
            step = body.get();
            written = append(p, step.records());
            setTimers(step.timers());
        }
        carryOut(step, written);
        return step.response();
    }

    /** Sends the step's answers and, once its records are written, finishes what waits for them. */
    private void carryOut(GroupStep<?> step, CompletableFuture<Void> written) {
        answer(step.replies());
        if (step.pendingWrite().isPresent()) {
            PendingWrite write = step.pendingWrite().get();
            try {
                written.whenCompleteAsync((v, failure) -> finishWrite(write, failure), timer);
            } catch (RejectedExecutionException closed) {
                // closing: parked requests are answered by close()
            }
        } else {
            written.whenComplete((v, failure) -> {
                if (failure != null) {
                    LOG.log(System.Logger.Level.WARNING, "Group metadata of " + step.records().get(0).groupId()
                            + " was not written: " + failure.getMessage());
                }
            });
        }
    }

    private void finishWrite(PendingWrite write, Throwable failure) {
        Errors error = failure == null ? Errors.NONE : writeError(failure);
        try {
            step(write.groupId(), () -> machine.written(write, error, clock.millis()));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Finishing a write of group " + write.groupId() + " failed", e);
        }
    }

    /** What members are told when their group's metadata could not be written (as Kafka maps it). */
    private static Errors writeError(Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        Errors error = Errors.forException(cause);
        return switch (error) {
            case NOT_COORDINATOR, NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR -> Errors.NOT_COORDINATOR;
            case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_FETCH_SIZE -> Errors.UNKNOWN_SERVER_ERROR;
            default -> Errors.COORDINATOR_NOT_AVAILABLE;
        };
    }

    /**
     * Appends group metadata records to offsets partition {@code partition}; the future completes
     * when they are written (replicated, in a cluster).
     */
    private CompletableFuture<Void> append(int partition, List<GroupMetadataRecord> records) {
        if (records.isEmpty()) return CompletableFuture.completedFuture(null);
        String group = records.get(0).groupId();
        try {
            return offsets.writeGroupMetadata(group, records);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void answer(List<GroupReply> replies) {
        for (GroupReply reply : replies) {
            if (reply instanceof GroupReply.Join j) {
                CompletableFuture<JoinGroupResponseData> f = parkedJoins.remove(j.requestId());
                if (f != null) f.complete(j.response());
            } else if (reply instanceof GroupReply.Sync s) {
                CompletableFuture<SyncGroupResponseData> f = parkedSyncs.remove(s.requestId());
                if (f != null) f.complete(s.response());
            }
        }
    }

    /** Schedules a timer task for each group whose deadline is earlier than the task it already has. */
    private void setTimers(Map<String, Long> deadlines) {
        deadlines.forEach((groupId, at) -> {
            if (at == Long.MAX_VALUE) return;
            Long scheduled = timers.get(groupId);
            if (scheduled != null && scheduled <= at) return;
            timers.put(groupId, at);
            try {
                timer.schedule(() -> fire(groupId, at), Math.max(0, at - clock.millis()), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closed) {
                // closing
            }
        });
    }

    private void fire(String groupId, long at) {
        timers.remove(groupId, at);
        try {
            step(groupId, () -> machine.expire(groupId, clock.millis()));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Group timer failed for " + groupId, e);
        }
    }
}
