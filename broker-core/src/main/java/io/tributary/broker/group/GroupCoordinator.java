package io.tributary.broker.group;

import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The classic group coordinator: membership, rebalances and committed offsets of consumer groups,
 * with Kafka's semantics — generations, member ids handed out on first join
 * ({@code MEMBER_ID_REQUIRED}), protocol selection by vote, a rebalance when a member joins, leaves
 * or misses its session timeout, a rebalance timeout for members that do not rejoin, static
 * membership ({@code group.instance.id}: a restarted static member takes its old place without a
 * rebalance), and the initial rebalance delay for new groups. Eager and cooperative assignors both
 * work: the cooperative protocol is a sequence of ordinary rebalances driven by the clients.
 *
 * <p>Offsets are written through {@link OffsetStore}. A commit with a generation is accepted only
 * from a member of that generation; a commit without one only while the group has no members
 * (consumers using {@code assign}).
 *
 * <p>Thread safety: each {@link ConsumerGroup} is guarded by its own monitor; joins and syncs that
 * must wait are parked as futures and completed under that monitor. One timer thread expires
 * sessions, ends rebalances whose timeout passed and expires offsets.
 */
public final class GroupCoordinator implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(GroupCoordinator.class.getName());
    private static final String CONSUMER = ConsumerProtocol.PROTOCOL_TYPE;

    private final GroupConfig config;
    private final OffsetStore offsets;
    private final Clock clock;
    private final Map<String, ConsumerGroup> groups = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;

    public GroupCoordinator(GroupConfig config, OffsetStore offsets, Clock clock) {
        this.config = config;
        this.offsets = offsets;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tributary-group-coordinator");
            t.setDaemon(true);
            return t;
        });
    }

    /** Loads committed offsets and starts the timer. */
    public void start() {
        offsets.load();
        long now = clock.millis();
        for (String g : offsets.groups()) groups.computeIfAbsent(g, id -> new ConsumerGroup(id, now));
        timer.scheduleWithFixedDelay(this::tick, 100, 100, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::expireOffsets, config.offsetsRetentionCheckIntervalMs(),
                config.offsetsRetentionCheckIntervalMs(), TimeUnit.MILLISECONDS);
    }

    public OffsetStore offsets() {
        return offsets;
    }

    // ---------------------------------------------------------------- join

    public CompletableFuture<JoinGroupResponseData> join(JoinGroupRequestData req, String clientId, String clientHost,
                                                         short version) {
        CompletableFuture<JoinGroupResponseData> future = new CompletableFuture<>();
        String groupId = req.groupId();
        if (groupId == null || groupId.isEmpty()) return done(joinError(Errors.INVALID_GROUP_ID, req.memberId()));
        if (req.sessionTimeoutMs() < config.minSessionTimeoutMs() || req.sessionTimeoutMs() > config.maxSessionTimeoutMs()) {
            return done(joinError(Errors.INVALID_SESSION_TIMEOUT, req.memberId()));
        }
        Map<String, byte[]> protocols = new LinkedHashMap<>();
        req.protocols().forEach(p -> protocols.put(p.name(), p.metadata()));
        boolean unknownMember = req.memberId() == null || req.memberId().isEmpty();
        ConsumerGroup group = unknownMember
                ? groups.computeIfAbsent(groupId, id -> new ConsumerGroup(id, clock.millis()))
                : groups.get(groupId);
        if (group == null) return done(joinError(Errors.UNKNOWN_MEMBER_ID, req.memberId()));
        synchronized (group) {
            long now = clock.millis();
            if (group.state == GroupState.DEAD) return done(joinError(Errors.COORDINATOR_NOT_AVAILABLE, req.memberId()));
            if (!group.supports(req.protocolType(), protocols.keySet())) {
                return done(joinError(Errors.INCONSISTENT_GROUP_PROTOCOL, req.memberId()));
            }
            String instanceId = req.groupInstanceId();
            if (unknownMember) {
                String memberId = (clientId == null ? "" : clientId) + "-" + UUID.randomUUID();
                if (instanceId != null) {
                    String oldId = group.staticMembers.get(instanceId);
                    if (oldId != null && group.members.containsKey(oldId)) {
                        return replaceStaticMember(group, group.members.get(oldId), memberId, req, protocols, future, now, version);
                    }
                } else if (version >= 4) {
                    group.pendingMembers.put(memberId, now + req.sessionTimeoutMs());
                    return done(joinError(Errors.MEMBER_ID_REQUIRED, memberId));
                }
                GroupMember m = new GroupMember(memberId, instanceId, clientId, clientHost);
                addMember(group, m, req, protocols, future, now);
                return future;
            }
            String memberId = req.memberId();
            if (instanceId != null) {
                String current = group.staticMembers.get(instanceId);
                if (current != null && !current.equals(memberId)) return done(joinError(Errors.FENCED_INSTANCE_ID, memberId));
            }
            if (group.pendingMembers.remove(memberId) != null) {
                GroupMember m = new GroupMember(memberId, instanceId, clientId, clientHost);
                addMember(group, m, req, protocols, future, now);
                return future;
            }
            GroupMember m = group.members.get(memberId);
            if (m == null) return done(joinError(Errors.UNKNOWN_MEMBER_ID, memberId));
            m.lastHeartbeatMs = now;
            m.sessionTimeoutMs = req.sessionTimeoutMs();
            m.rebalanceTimeoutMs = req.rebalanceTimeoutMs();
            switch (group.state) {
                case PREPARING_REBALANCE -> {
                    m.protocols = protocols;
                    park(group, m, future);
                }
                case COMPLETING_REBALANCE, STABLE -> {
                    boolean leader = memberId.equals(group.leaderId);
                    if (m.sameProtocols(protocols) && !(leader && group.state == GroupState.STABLE)) {
                        future.complete(joinResponse(group, m));
                    } else {
                        m.protocols = protocols;
                        prepareRebalance(group, "member " + memberId + " rejoined", now);
                        park(group, m, future);
                    }
                }
                default -> future.complete(joinError(Errors.UNKNOWN_MEMBER_ID, memberId));
            }
            maybeCompleteJoin(group, now);
        }
        return future;
    }

    private void addMember(ConsumerGroup group, GroupMember m, JoinGroupRequestData req, Map<String, byte[]> protocols,
                           CompletableFuture<JoinGroupResponseData> future, long now) {
        m.sessionTimeoutMs = req.sessionTimeoutMs();
        m.rebalanceTimeoutMs = req.rebalanceTimeoutMs();
        m.protocolType = req.protocolType();
        m.protocols = protocols;
        m.lastHeartbeatMs = now;
        if (group.members.isEmpty()) group.protocolType = req.protocolType();
        group.members.put(m.memberId, m);
        if (m.isStatic()) group.staticMembers.put(m.groupInstanceId, m.memberId);
        if (group.leaderId == null) group.leaderId = m.memberId;
        park(group, m, future);
        prepareRebalance(group, "member " + m.memberId + " joined", now);
        maybeCompleteJoin(group, now);
    }

    private CompletableFuture<JoinGroupResponseData> replaceStaticMember(ConsumerGroup group, GroupMember old, String newId,
            JoinGroupRequestData req, Map<String, byte[]> protocols, CompletableFuture<JoinGroupResponseData> future, long now,
            short version) {
        GroupMember m = new GroupMember(newId, old.groupInstanceId, old.clientId, old.clientHost);
        m.sessionTimeoutMs = req.sessionTimeoutMs();
        m.rebalanceTimeoutMs = req.rebalanceTimeoutMs();
        m.protocolType = req.protocolType();
        m.protocols = protocols;
        m.assignment = old.assignment;
        m.lastHeartbeatMs = now;
        if (old.awaitingJoin != null) old.awaitingJoin.complete(joinError(Errors.FENCED_INSTANCE_ID, old.memberId));
        if (old.awaitingSync != null) old.awaitingSync.complete(syncError(Errors.FENCED_INSTANCE_ID));
        LinkedHashMap<String, GroupMember> reordered = new LinkedHashMap<>();
        group.members.forEach((id, member) -> reordered.put(id.equals(old.memberId) ? newId : id, id.equals(old.memberId) ? m : member));
        group.members.clear();
        group.members.putAll(reordered);
        group.staticMembers.put(m.groupInstanceId, newId);
        boolean wasLeader = old.memberId.equals(group.leaderId);
        if (wasLeader) group.leaderId = newId;
        if (group.state == GroupState.STABLE && group.protocolName != null && group.protocolName.equals(group.selectProtocol())) {
            // As in Kafka: a restart that leaves the selected protocol alone keeps the generation and
            // the assignment. The member's metadata may differ (a restarted consumer owns nothing yet),
            // so it is not compared. A returning leader is told to skip the assignment (v9+); before
            // v9 it gets no member list, and its SyncGroup in Stable returns its old assignment.
            JoinGroupResponseData r = joinResponse(group, m);
            if (wasLeader && version >= 9) r.setSkipAssignment(true);
            else if (wasLeader) r.members().clear();
            future.complete(r);
            return future;
        }
        park(group, m, future);
        if (group.state != GroupState.PREPARING_REBALANCE) prepareRebalance(group, "static member " + m.groupInstanceId + " rejoined", now);
        maybeCompleteJoin(group, now);
        return future;
    }

    private static void park(ConsumerGroup group, GroupMember m, CompletableFuture<JoinGroupResponseData> future) {
        if (m.awaitingJoin != null && m.awaitingJoin != future) m.awaitingJoin.complete(joinError(Errors.UNKNOWN_MEMBER_ID, m.memberId));
        m.awaitingJoin = future;
    }

    private void prepareRebalance(ConsumerGroup group, String reason, long now) {
        if (group.state == GroupState.PREPARING_REBALANCE) return;
        if (group.state == GroupState.COMPLETING_REBALANCE) {
            for (GroupMember m : group.members.values()) {
                if (m.awaitingSync != null) {
                    m.awaitingSync.complete(syncError(Errors.REBALANCE_IN_PROGRESS));
                    m.awaitingSync = null;
                }
            }
        }
        boolean fromEmpty = group.state == GroupState.EMPTY;
        group.transition(GroupState.PREPARING_REBALANCE, now);
        int timeout = Math.max(group.maxRebalanceTimeoutMs(), 1);
        group.rebalanceDeadlineMs = now + timeout;
        group.initialDelayEndMs = fromEmpty ? now + Math.min(config.initialRebalanceDelayMs(), timeout) : now;
        LOG.log(System.Logger.Level.INFO, "Preparing to rebalance group " + group.groupId + " in generation "
                + group.generation + ": " + reason);
    }

    private void maybeCompleteJoin(ConsumerGroup group, long now) {
        if (group.state != GroupState.PREPARING_REBALANCE) return;
        boolean ready = group.allMembersJoined() && now >= group.initialDelayEndMs;
        if (ready || now >= group.rebalanceDeadlineMs) completeJoin(group, now);
    }

    private void completeJoin(ConsumerGroup group, long now) {
        for (GroupMember m : group.memberList()) {
            if (m.awaitingJoin == null) {
                LOG.log(System.Logger.Level.INFO, "Removing member " + m.memberId + " of group " + group.groupId
                        + ": it did not rejoin within the rebalance timeout");
                group.remove(m);
            }
        }
        group.pendingMembers.clear();
        group.generation++;
        if (group.members.isEmpty()) {
            group.protocolName = null;
            group.leaderId = null;
            group.transition(GroupState.EMPTY, now);
            return;
        }
        group.protocolName = group.selectProtocol();
        if (group.leaderId == null || !group.members.containsKey(group.leaderId)) {
            group.leaderId = group.members.keySet().iterator().next();
        }
        group.transition(GroupState.COMPLETING_REBALANCE, now);
        for (GroupMember m : group.members.values()) {
            m.assignment = new byte[0];
            m.lastHeartbeatMs = now;
            CompletableFuture<JoinGroupResponseData> f = m.awaitingJoin;
            m.awaitingJoin = null;
            f.complete(joinResponse(group, m));
        }
        LOG.log(System.Logger.Level.INFO, "Group " + group.groupId + " generation " + group.generation + " has "
                + group.members.size() + " member(s), protocol " + group.protocolName + ", leader " + group.leaderId);
    }

    private static JoinGroupResponseData joinResponse(ConsumerGroup group, GroupMember m) {
        JoinGroupResponseData r = new JoinGroupResponseData()
                .setGenerationId(group.generation)
                .setProtocolType(group.protocolType)
                .setProtocolName(group.protocolName)
                .setLeader(group.leaderId)
                .setMemberId(m.memberId)
                .setSkipAssignment(false);
        if (m.memberId.equals(group.leaderId)) {
            for (GroupMember member : group.members.values()) {
                r.members().add(new JoinGroupResponseData.JoinGroupResponseMember()
                        .setMemberId(member.memberId)
                        .setGroupInstanceId(member.groupInstanceId)
                        .setMetadata(member.protocols.get(group.protocolName)));
            }
        }
        return r;
    }

    private static JoinGroupResponseData joinError(Errors error, String memberId) {
        return new JoinGroupResponseData().setErrorCode(error.code()).setGenerationId(-1)
                .setMemberId(memberId == null ? "" : memberId).setLeader("").setProtocolName(null);
    }

    // ---------------------------------------------------------------- sync

    public CompletableFuture<SyncGroupResponseData> sync(SyncGroupRequestData req) {
        ConsumerGroup group = groups.get(req.groupId());
        if (group == null) return done(syncError(Errors.UNKNOWN_MEMBER_ID));
        CompletableFuture<SyncGroupResponseData> future = new CompletableFuture<>();
        synchronized (group) {
            GroupMember m = group.members.get(req.memberId());
            Errors check = checkMember(group, m, req.groupInstanceId(), req.generationId());
            if (check != Errors.NONE) return done(syncError(check));
            if ((req.protocolType() != null && !req.protocolType().equals(group.protocolType))
                    || (req.protocolName() != null && !req.protocolName().equals(group.protocolName))) {
                return done(syncError(Errors.INCONSISTENT_GROUP_PROTOCOL));
            }
            m.lastHeartbeatMs = clock.millis();
            switch (group.state) {
                case PREPARING_REBALANCE -> future.complete(syncError(Errors.REBALANCE_IN_PROGRESS));
                case STABLE -> future.complete(syncResponse(group, m));
                case COMPLETING_REBALANCE -> {
                    m.awaitingSync = future;
                    if (m.memberId.equals(group.leaderId)) {
                        for (GroupMember member : group.members.values()) member.assignment = new byte[0];
                        for (SyncGroupRequestData.SyncGroupRequestAssignment a : req.assignments()) {
                            GroupMember member = group.members.get(a.memberId());
                            if (member != null) member.assignment = a.assignment();
                        }
                        group.transition(GroupState.STABLE, clock.millis());
                        for (GroupMember member : group.members.values()) {
                            if (member.awaitingSync != null) {
                                member.awaitingSync.complete(syncResponse(group, member));
                                member.awaitingSync = null;
                            }
                        }
                    }
                }
                default -> future.complete(syncError(Errors.UNKNOWN_MEMBER_ID));
            }
        }
        return future;
    }

    private static SyncGroupResponseData syncResponse(ConsumerGroup group, GroupMember m) {
        return new SyncGroupResponseData().setProtocolType(group.protocolType).setProtocolName(group.protocolName)
                .setAssignment(m.assignment);
    }

    private static SyncGroupResponseData syncError(Errors error) {
        return new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(new byte[0]);
    }

    private static Errors checkMember(ConsumerGroup group, GroupMember m, String instanceId, int generation) {
        if (instanceId != null) {
            String current = group.staticMembers.get(instanceId);
            if (current != null && (m == null || !current.equals(m.memberId))) return Errors.FENCED_INSTANCE_ID;
        }
        if (m == null || group.state == GroupState.DEAD || group.state == GroupState.EMPTY) return Errors.UNKNOWN_MEMBER_ID;
        if (generation != group.generation) return Errors.ILLEGAL_GENERATION;
        return Errors.NONE;
    }

    // ---------------------------------------------------------------- heartbeat and leave

    public Errors heartbeat(String groupId, String memberId, String instanceId, int generation) {
        ConsumerGroup group = groups.get(groupId);
        if (group == null) return Errors.UNKNOWN_MEMBER_ID;
        synchronized (group) {
            GroupMember m = group.members.get(memberId);
            if (group.state == GroupState.PREPARING_REBALANCE && m != null) {
                if (instanceId != null && !memberId.equals(group.staticMembers.get(instanceId))) return Errors.FENCED_INSTANCE_ID;
                m.lastHeartbeatMs = clock.millis();
                return Errors.REBALANCE_IN_PROGRESS;
            }
            Errors check = checkMember(group, m, instanceId, generation);
            if (check != Errors.NONE) return check;
            m.lastHeartbeatMs = clock.millis();
            return Errors.NONE;
        }
    }

    /** Removes members (by member id, or by instance id for static members); one error per member. */
    public List<Errors> leave(String groupId, List<String[]> memberAndInstanceIds) {
        List<Errors> results = new ArrayList<>();
        ConsumerGroup group = groups.get(groupId);
        if (group == null) {
            for (int i = 0; i < memberAndInstanceIds.size(); i++) results.add(Errors.UNKNOWN_MEMBER_ID);
            return results;
        }
        synchronized (group) {
            long now = clock.millis();
            for (String[] ids : memberAndInstanceIds) {
                String memberId = ids[0];
                String instanceId = ids[1];
                if (instanceId != null) {
                    String current = group.staticMembers.get(instanceId);
                    if (current == null) {
                        results.add(Errors.UNKNOWN_MEMBER_ID);
                        continue;
                    }
                    if (memberId != null && !memberId.isEmpty() && !memberId.equals(current)) {
                        results.add(Errors.FENCED_INSTANCE_ID);
                        continue;
                    }
                    memberId = current;
                }
                if (group.pendingMembers.remove(memberId) != null) {
                    results.add(Errors.NONE);
                    continue;
                }
                GroupMember m = group.members.get(memberId);
                if (m == null) {
                    results.add(Errors.UNKNOWN_MEMBER_ID);
                    continue;
                }
                removeMember(group, m, "member " + memberId + " left the group", now);
                results.add(Errors.NONE);
            }
            maybeCompleteJoin(group, now);
        }
        return results;
    }

    private void removeMember(ConsumerGroup group, GroupMember m, String reason, long now) {
        if (m.awaitingJoin != null) m.awaitingJoin.complete(joinError(Errors.UNKNOWN_MEMBER_ID, m.memberId));
        if (m.awaitingSync != null) m.awaitingSync.complete(syncError(Errors.UNKNOWN_MEMBER_ID));
        group.remove(m);
        switch (group.state) {
            case STABLE, COMPLETING_REBALANCE -> prepareRebalance(group, reason, now);
            case PREPARING_REBALANCE -> { }
            default -> { }
        }
        if (group.members.isEmpty() && group.state == GroupState.PREPARING_REBALANCE) completeJoin(group, now);
    }

    private void tick() {
        long now = clock.millis();
        for (ConsumerGroup group : groups.values()) {
            try {
                synchronized (group) {
                    group.pendingMembers.values().removeIf(expiry -> expiry < now);
                    for (GroupMember m : group.memberList()) {
                        boolean waitingToJoin = m.awaitingJoin != null && group.state == GroupState.PREPARING_REBALANCE;
                        if (!waitingToJoin && now - m.lastHeartbeatMs > m.sessionTimeoutMs) {
                            LOG.log(System.Logger.Level.INFO, "Member " + m.memberId + " of group " + group.groupId
                                    + " missed its session timeout of " + m.sessionTimeoutMs + " ms");
                            removeMember(group, m, "member " + m.memberId + " session expired", now);
                        }
                    }
                    maybeCompleteJoin(group, now);
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "Group timer failed for " + group.groupId, e);
            }
        }
    }

    // ---------------------------------------------------------------- offsets

    /**
     * Checks that a commit may be made: with {@code generation < 0} only while the group has no
     * members; otherwise from a member of the current generation of a stable group.
     */
    public Errors validateCommit(String groupId, String memberId, String instanceId, int generation) {
        if (groupId == null || groupId.isEmpty()) return Errors.INVALID_GROUP_ID;
        ConsumerGroup group = groups.computeIfAbsent(groupId, id -> new ConsumerGroup(id, clock.millis()));
        synchronized (group) {
            if (group.state == GroupState.DEAD) return Errors.COORDINATOR_NOT_AVAILABLE;
            if (generation < 0 && group.state == GroupState.EMPTY) return Errors.NONE;
            GroupMember m = group.members.get(memberId);
            Errors check = checkMember(group, m, instanceId, generation);
            if (check != Errors.NONE) return check;
            if (group.state == GroupState.PREPARING_REBALANCE || group.state == GroupState.COMPLETING_REBALANCE) {
                return Errors.REBALANCE_IN_PROGRESS;
            }
            m.lastHeartbeatMs = clock.millis();
            return Errors.NONE;
        }
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
        ConsumerGroup group = groups.get(groupId);
        if (group == null) return false;
        synchronized (group) {
            if (group.members.isEmpty() || !CONSUMER.equals(group.protocolType)) return false;
            for (GroupMember m : group.members.values()) {
                byte[] metadata = group.protocolName == null ? m.protocols.values().iterator().next() : m.protocols.get(group.protocolName);
                if (metadata == null) continue;
                try {
                    ConsumerPartitionAssignor.Subscription s = ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(metadata));
                    if (s.topics().contains(topic)) return true;
                } catch (RuntimeException e) {
                    return true;
                }
            }
            return false;
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
        ConsumerGroup group = groups.get(groupId);
        if (group == null) return Optional.empty();
        synchronized (group) {
            List<MemberSummary> members = new ArrayList<>();
            for (GroupMember m : group.members.values()) {
                byte[] metadata = group.protocolName == null ? new byte[0] : m.protocols.getOrDefault(group.protocolName, new byte[0]);
                members.add(new MemberSummary(m.memberId, m.groupInstanceId, m.clientId, m.clientHost, metadata, m.assignment));
            }
            return Optional.of(new GroupSummary(group.groupId, group.state.kafkaName(),
                    group.protocolType == null ? "" : group.protocolType,
                    group.state == GroupState.STABLE || group.state == GroupState.COMPLETING_REBALANCE
                            ? (group.protocolName == null ? "" : group.protocolName) : "", members));
        }
    }

    public List<GroupSummary> list() {
        List<GroupSummary> out = new ArrayList<>();
        for (String id : groups.keySet()) describe(id).ifPresent(out::add);
        return out;
    }

    /** Deletes an empty group and its offsets. */
    public Errors delete(String groupId) {
        ConsumerGroup group = groups.get(groupId);
        if (group == null) return Errors.GROUP_ID_NOT_FOUND;
        synchronized (group) {
            if (group.state == GroupState.DEAD) return Errors.GROUP_ID_NOT_FOUND;
            if (group.state != GroupState.EMPTY) return Errors.NON_EMPTY_GROUP;
            offsets.deleteGroup(groupId);
            group.transition(GroupState.DEAD, clock.millis());
            groups.remove(groupId, group);
            return Errors.NONE;
        }
    }

    private void expireOffsets() {
        long cutoff = clock.millis() - config.offsetsRetentionMs();
        try {
            int removed = offsets.expire(cutoff, groupId -> {
                ConsumerGroup group = groups.get(groupId);
                if (group == null) return true;
                synchronized (group) {
                    return group.state == GroupState.EMPTY && group.stateSinceMs < cutoff;
                }
            });
            if (removed > 0) LOG.log(System.Logger.Level.INFO, "Expired " + removed + " committed offset(s) of empty groups");
            for (Iterator<Map.Entry<String, ConsumerGroup>> it = groups.entrySet().iterator(); it.hasNext(); ) {
                ConsumerGroup group = it.next().getValue();
                synchronized (group) {
                    if (group.state == GroupState.EMPTY && group.stateSinceMs < cutoff && offsets.offsets(group.groupId).isEmpty()) {
                        group.transition(GroupState.DEAD, clock.millis());
                        it.remove();
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Offset expiration failed", e);
        }
    }

    /** Runs offset expiration now (tests and operations). */
    public void expireOffsetsNow() {
        expireOffsets();
    }

    public Set<String> groupIds() {
        return new HashSet<>(groups.keySet());
    }

    /** Committed offsets of a group, for partitions of existing topics. */
    public Map<TopicPartition, CommittedOffset> committed(String groupId) {
        return offsets.offsets(groupId);
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    /**
     * Forgets the membership state of the groups stored in offsets partition {@code partition}: this
     * node stopped (or started) coordinating them. Members waiting in a join or sync are told
     * {@code NOT_COORDINATOR} and find the new coordinator.
     */
    public void unloadGroupsOf(int partition) {
        for (Iterator<Map.Entry<String, ConsumerGroup>> it = groups.entrySet().iterator(); it.hasNext(); ) {
            ConsumerGroup group = it.next().getValue();
            if (offsets.partitionFor(group.groupId) != partition) continue;
            synchronized (group) {
                for (GroupMember m : group.members.values()) {
                    if (m.awaitingJoin != null) m.awaitingJoin.complete(joinError(Errors.NOT_COORDINATOR, m.memberId));
                    if (m.awaitingSync != null) m.awaitingSync.complete(syncError(Errors.NOT_COORDINATOR));
                }
                group.transition(GroupState.DEAD, clock.millis());
                it.remove();
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        for (ConsumerGroup group : groups.values()) {
            synchronized (group) {
                for (GroupMember m : group.members.values()) {
                    if (m.awaitingJoin != null) m.awaitingJoin.complete(joinError(Errors.COORDINATOR_NOT_AVAILABLE, m.memberId));
                    if (m.awaitingSync != null) m.awaitingSync.complete(syncError(Errors.COORDINATOR_NOT_AVAILABLE));
                }
            }
        }
    }
}
