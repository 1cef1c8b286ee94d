package io.tributary.broker.group;

import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kafka's classic group protocol as a deterministic state machine. Every input — a request, a
 * timer, the outcome of a write — is one step from (the groups, the input, the time {@code now})
 * to a {@link GroupStep}: the answers to send, the group metadata records to append to
 * {@code __consumer_offsets}, the timers to set. It does no I/O, reads no clock and starts no
 * thread; {@link GroupCoordinator} carries its steps out.
 *
 * <p>The protocol: generations, member ids handed out on first join ({@code MEMBER_ID_REQUIRED}),
 * protocol selection by vote, a rebalance when a member joins, leaves or misses its session
 * timeout, a rebalance timeout for members that do not rejoin, static membership
 * ({@code group.instance.id}: a restarted static member takes its old place without a rebalance,
 * the old member id is fenced), and the initial rebalance delay for new groups. The states and the
 * moves between them are {@link GroupState}'s; any other move throws
 * {@link IllegalGroupTransitionException}.
 *
 * <p>What is persisted, as Kafka does: the group's metadata ({@link GroupMetadata}) when the
 * leader's assignment completes a generation — the group becomes {@code Stable} and the members
 * get their assignment only once that record is written ({@link #written}) — when a static member
 * takes over in a {@code Stable} group, and when a join phase ends with no member left
 * ({@code Empty}); a tombstone when the group is deleted or expires. {@link #replay} applies such a
 * record: replaying the records of a sequence of steps into a fresh state machine rebuilds each
 * group as its last record describes it (generation, protocol type and name, leader, members with
 * their ids, client ids and hosts, timeouts, subscription and assignment), {@code Stable} with
 * members or else {@code Empty}. Replayed members' sessions count from the replay.
 *
 * <p>Thread safety: none beyond a concurrent map of groups. The caller serialises the steps on
 * the groups of one {@code __consumer_offsets} partition; steps on groups of different partitions
 * may run at the same time.
 */
final class GroupStateMachine {
    private static final System.Logger LOG = System.getLogger(GroupStateMachine.class.getName());
    static final String CONSUMER = ConsumerProtocol.PROTOCOL_TYPE;
    private static final byte[] NO_ASSIGNMENT = new byte[0];

    private final GroupConfig config;
    private final Supplier<String> uniqueIds;
    private final Map<String, ConsumerGroup> groups = new ConcurrentHashMap<>();

    /**
     * @param uniqueIds the unique part of new member ids ({@code <client id>-<unique>}); a random
     *                  UUID in the broker, a counter in tests
     */
    GroupStateMachine(GroupConfig config, Supplier<String> uniqueIds) {
        this.config = config;
        this.uniqueIds = uniqueIds;
    }

    /** The effects of one step, collected while it runs. */
    private final class Effects {
        final List<GroupReply> replies = new ArrayList<>();
        final List<GroupMetadataRecord> records = new ArrayList<>();
        PendingWrite pendingWrite;
        final Map<String, ConsumerGroup> touched = new LinkedHashMap<>();

        void touch(ConsumerGroup group) {
            touched.put(group.groupId, group);
        }

        void join(long requestId, JoinGroupResponseData response) {
            replies.add(new GroupReply.Join(requestId, response));
        }

        void sync(long requestId, SyncGroupResponseData response) {
            replies.add(new GroupReply.Sync(requestId, response));
        }

        <R> GroupStep<R> done(R response, long now) {
            Map<String, Long> timers = new HashMap<>();
            for (ConsumerGroup g : touched.values()) {
                if (groups.get(g.groupId) == g) timers.put(g.groupId, nextDeadline(g, now));
            }
            return new GroupStep<>(response, replies, records, Optional.ofNullable(pendingWrite), timers);
        }
    }

    // ---------------------------------------------------------------- join

    /** JoinGroup {@code requestId}; its answer is a {@link GroupReply.Join}, in this step or a later one. */
    GroupStep<Void> join(long requestId, JoinGroupRequestData req, String clientId, String clientHost, short version,
                         long now) {
        Effects fx = new Effects();
        String groupId = req.groupId();
        if (groupId == null || groupId.isEmpty()) {
            fx.join(requestId, joinError(Errors.INVALID_GROUP_ID, req.memberId()));
            return fx.done(null, now);
        }
        if (req.sessionTimeoutMs() < config.minSessionTimeoutMs() || req.sessionTimeoutMs() > config.maxSessionTimeoutMs()) {
            fx.join(requestId, joinError(Errors.INVALID_SESSION_TIMEOUT, req.memberId()));
            return fx.done(null, now);
        }
        Map<String, byte[]> protocols = new LinkedHashMap<>();
        req.protocols().forEach(p -> protocols.put(p.name(), p.metadata()));
        boolean unknownMember = req.memberId() == null || req.memberId().isEmpty();
        ConsumerGroup group = unknownMember
                ? groups.computeIfAbsent(groupId, id -> new ConsumerGroup(id, now))
                : groups.get(groupId);
        if (group == null) {
            fx.join(requestId, joinError(Errors.UNKNOWN_MEMBER_ID, req.memberId()));
            return fx.done(null, now);
        }
        fx.touch(group);
        if (group.state == GroupState.DEAD) {
            fx.join(requestId, joinError(Errors.COORDINATOR_NOT_AVAILABLE, req.memberId()));
            return fx.done(null, now);
        }
        if (!group.supports(req.protocolType(), protocols.keySet())) {
            fx.join(requestId, joinError(Errors.INCONSISTENT_GROUP_PROTOCOL, req.memberId()));
            return fx.done(null, now);
        }
        String instanceId = req.groupInstanceId();
        if (unknownMember) {
            String memberId = (clientId == null ? "" : clientId) + "-" + uniqueIds.get();
            if (instanceId != null) {
                String oldId = group.staticMembers.get(instanceId);
                if (oldId != null && group.members.containsKey(oldId)) {
                    replaceStaticMember(fx, group, group.members.get(oldId), memberId, requestId, req, protocols, version, now);
                    return fx.done(null, now);
                }
            } else if (version >= 4) {
                group.pendingMembers.put(memberId, now + req.sessionTimeoutMs());
                fx.join(requestId, joinError(Errors.MEMBER_ID_REQUIRED, memberId));
                return fx.done(null, now);
            }
            addMember(fx, group, new GroupMember(memberId, instanceId, clientId, clientHost), req, protocols, requestId, now);
            return fx.done(null, now);
        }
        String memberId = req.memberId();
        if (instanceId != null) {
            String current = group.staticMembers.get(instanceId);
            if (current != null && !current.equals(memberId)) {
                fx.join(requestId, joinError(Errors.FENCED_INSTANCE_ID, memberId));
                return fx.done(null, now);
            }
        }
        if (group.pendingMembers.remove(memberId) != null) {
            addMember(fx, group, new GroupMember(memberId, instanceId, clientId, clientHost), req, protocols, requestId, now);
            return fx.done(null, now);
        }
        GroupMember m = group.members.get(memberId);
        if (m == null) {
            fx.join(requestId, joinError(Errors.UNKNOWN_MEMBER_ID, memberId));
            return fx.done(null, now);
        }
        m.lastHeartbeatMs = now;
        m.sessionTimeoutMs = req.sessionTimeoutMs();
        m.rebalanceTimeoutMs = req.rebalanceTimeoutMs();
        switch (group.state) {
            case PREPARING_REBALANCE -> {
                m.protocols = protocols;
                park(fx, m, requestId);
            }
            case COMPLETING_REBALANCE, STABLE -> {
                boolean leader = memberId.equals(group.leaderId);
                if (m.sameProtocols(protocols) && !(leader && group.state == GroupState.STABLE)) {
                    fx.join(requestId, joinResponse(group, m));
                } else {
                    m.protocols = protocols;
                    prepareRebalance(fx, group, "member " + memberId + " rejoined", now);
                    park(fx, m, requestId);
                }
            }
            default -> fx.join(requestId, joinError(Errors.UNKNOWN_MEMBER_ID, memberId));
        }
        maybeCompleteJoin(fx, group, now);
        return fx.done(null, now);
    }

    private void addMember(Effects fx, ConsumerGroup group, GroupMember m, JoinGroupRequestData req,
                           Map<String, byte[]> protocols, long requestId, long now) {
        m.sessionTimeoutMs = req.sessionTimeoutMs();
        m.rebalanceTimeoutMs = req.rebalanceTimeoutMs();
        m.protocolType = req.protocolType();
        m.protocols = protocols;
        m.lastHeartbeatMs = now;
        if (group.members.isEmpty()) group.protocolType = req.protocolType();
        group.members.put(m.memberId, m);
        if (m.isStatic()) group.staticMembers.put(m.groupInstanceId, m.memberId);
        if (group.leaderId == null) group.leaderId = m.memberId;
        park(fx, m, requestId);
        prepareRebalance(fx, group, "member " + m.memberId + " joined", now);
        maybeCompleteJoin(fx, group, now);
    }

    private void replaceStaticMember(Effects fx, ConsumerGroup group, GroupMember old, String newId, long requestId,
                                     JoinGroupRequestData req, Map<String, byte[]> protocols, short version, long now) {
        GroupMember m = new GroupMember(newId, old.groupInstanceId, old.clientId, old.clientHost);
        m.sessionTimeoutMs = req.sessionTimeoutMs();
        m.rebalanceTimeoutMs = req.rebalanceTimeoutMs();
        m.protocolType = req.protocolType();
        m.protocols = protocols;
        m.assignment = old.assignment;
        m.lastHeartbeatMs = now;
        if (old.awaitingJoin != null) fx.join(old.awaitingJoin, joinError(Errors.FENCED_INSTANCE_ID, old.memberId));
        if (old.awaitingSync != null) fx.sync(old.awaitingSync, syncError(Errors.FENCED_INSTANCE_ID));
        old.awaitingJoin = null;
        old.awaitingSync = null;
        swapMember(group, old, m);
        if (group.state == GroupState.STABLE && group.protocolName != null && group.protocolName.equals(group.selectProtocol())) {
            // As in Kafka: a restart that leaves the selected protocol alone keeps the generation and
            // the assignment. The member's metadata may differ (a restarted consumer owns nothing yet),
            // so it is not compared. The new member id is written before the member learns it, so a
            // coordinator loading the group knows it; the answer waits for the write (written()).
            m.awaitingJoin = requestId;
            fx.records.add(metadataRecord(group));
            fx.pendingWrite = new PendingWrite.StaticMember(group.groupId, requestId, version, old, newId);
            return;
        }
        park(fx, m, requestId);
        if (group.state != GroupState.PREPARING_REBALANCE) {
            prepareRebalance(fx, group, "static member " + m.groupInstanceId + " rejoined", now);
        }
        maybeCompleteJoin(fx, group, now);
    }

    /** Puts {@code to} in the place of {@code from}: same position, instance id and leadership. */
    private static void swapMember(ConsumerGroup group, GroupMember from, GroupMember to) {
        LinkedHashMap<String, GroupMember> reordered = new LinkedHashMap<>();
        group.members.forEach((id, member) -> {
            if (id.equals(from.memberId)) reordered.put(to.memberId, to);
            else reordered.put(id, member);
        });
        group.members.clear();
        group.members.putAll(reordered);
        if (to.isStatic()) group.staticMembers.put(to.groupInstanceId, to.memberId);
        if (from.memberId.equals(group.leaderId)) group.leaderId = to.memberId;
    }

    /** Parks join request {@code requestId} of {@code m}; a join it was already parked in is answered UNKNOWN_MEMBER_ID. */
    private static void park(Effects fx, GroupMember m, long requestId) {
        if (m.awaitingJoin != null && m.awaitingJoin != requestId) {
            fx.join(m.awaitingJoin, joinError(Errors.UNKNOWN_MEMBER_ID, m.memberId));
        }
        m.awaitingJoin = requestId;
    }

    private void prepareRebalance(Effects fx, ConsumerGroup group, String reason, long now) {
        if (group.state == GroupState.PREPARING_REBALANCE) return;
        if (group.state == GroupState.COMPLETING_REBALANCE) {
            for (GroupMember m : group.members.values()) {
                if (m.awaitingSync != null) {
                    fx.sync(m.awaitingSync, syncError(Errors.REBALANCE_IN_PROGRESS));
                    m.awaitingSync = null;
                }
            }
        }
        boolean fromEmpty = group.state == GroupState.EMPTY;
        group.transition(GroupState.PREPARING_REBALANCE, now);
        group.writingAssignment = false;
        int timeout = Math.max(group.maxRebalanceTimeoutMs(), 1);
        group.rebalanceDeadlineMs = now + timeout;
        group.initialDelayEndMs = fromEmpty ? now + Math.min(config.initialRebalanceDelayMs(), timeout) : now;
        LOG.log(System.Logger.Level.INFO, "Preparing to rebalance group " + group.groupId + " in generation "
                + group.generation + ": " + reason);
    }

    private void maybeCompleteJoin(Effects fx, ConsumerGroup group, long now) {
        if (group.state != GroupState.PREPARING_REBALANCE) return;
        boolean ready = group.allMembersJoined() && now >= group.initialDelayEndMs;
        if (ready || now >= group.rebalanceDeadlineMs) completeJoin(fx, group, now);
    }

    private void completeJoin(Effects fx, ConsumerGroup group, long now) {
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
            fx.records.add(metadataRecord(group));
            return;
        }
        group.protocolName = group.selectProtocol();
        if (group.leaderId == null || !group.members.containsKey(group.leaderId)) {
            group.leaderId = group.members.keySet().iterator().next();
        }
        group.transition(GroupState.COMPLETING_REBALANCE, now);
        for (GroupMember m : group.members.values()) {
            m.assignment = NO_ASSIGNMENT;
            m.lastHeartbeatMs = now;
        }
        for (GroupMember m : group.members.values()) {
            fx.join(m.awaitingJoin, joinResponse(group, m));
            m.awaitingJoin = null;
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

    static JoinGroupResponseData joinError(Errors error, String memberId) {
        return new JoinGroupResponseData().setErrorCode(error.code()).setGenerationId(-1)
                .setMemberId(memberId == null ? "" : memberId).setLeader("").setProtocolName(null);
    }

    // ---------------------------------------------------------------- sync

    /** SyncGroup {@code requestId}; its answer is a {@link GroupReply.Sync}, in this step or a later one. */
    GroupStep<Void> sync(long requestId, SyncGroupRequestData req, long now) {
        Effects fx = new Effects();
        ConsumerGroup group = req.groupId() == null ? null : groups.get(req.groupId());
        if (group == null) {
            fx.sync(requestId, syncError(Errors.UNKNOWN_MEMBER_ID));
            return fx.done(null, now);
        }
        fx.touch(group);
        GroupMember m = group.members.get(req.memberId());
        Errors check = checkMember(group, m, req.groupInstanceId(), req.generationId());
        if (check != Errors.NONE) {
            fx.sync(requestId, syncError(check));
            return fx.done(null, now);
        }
        if ((req.protocolType() != null && !req.protocolType().equals(group.protocolType))
                || (req.protocolName() != null && !req.protocolName().equals(group.protocolName))) {
            fx.sync(requestId, syncError(Errors.INCONSISTENT_GROUP_PROTOCOL));
            return fx.done(null, now);
        }
        m.lastHeartbeatMs = now;
        switch (group.state) {
            case PREPARING_REBALANCE -> fx.sync(requestId, syncError(Errors.REBALANCE_IN_PROGRESS));
            case STABLE -> fx.sync(requestId, syncResponse(group, m));
            case COMPLETING_REBALANCE -> {
                if (m.awaitingSync != null && m.awaitingSync != requestId) {
                    fx.sync(m.awaitingSync, syncError(Errors.REBALANCE_IN_PROGRESS));
                }
                m.awaitingSync = requestId;
                if (m.memberId.equals(group.leaderId) && !group.writingAssignment) {
                    for (GroupMember member : group.members.values()) member.assignment = NO_ASSIGNMENT;
                    for (SyncGroupRequestData.SyncGroupRequestAssignment a : req.assignments()) {
                        GroupMember member = group.members.get(a.memberId());
                        if (member != null) member.assignment = a.assignment();
                    }
                    group.writingAssignment = true;
                    fx.records.add(metadataRecord(group));
                    fx.pendingWrite = new PendingWrite.Assignment(group.groupId, group.generation);
                }
            }
            default -> fx.sync(requestId, syncError(Errors.UNKNOWN_MEMBER_ID));
        }
        return fx.done(null, now);
    }

    private static SyncGroupResponseData syncResponse(ConsumerGroup group, GroupMember m) {
        return new SyncGroupResponseData().setProtocolType(group.protocolType).setProtocolName(group.protocolName)
                .setAssignment(m.assignment);
    }

    static SyncGroupResponseData syncError(Errors error) {
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

    // ---------------------------------------------------------------- writes

    /**
     * Finishes the step that produced {@code write} once its records were appended ({@code error}
     * {@link Errors#NONE}) or could not be ({@code error} is what the members are told).
     */
    GroupStep<Void> written(PendingWrite write, Errors error, long now) {
        Effects fx = new Effects();
        ConsumerGroup group = groups.get(write.groupId());
        if (group == null) return fx.done(null, now);
        fx.touch(group);
        if (write instanceof PendingWrite.Assignment a) {
            assignmentWritten(fx, group, a, error, now);
        } else if (write instanceof PendingWrite.StaticMember s) {
            staticMemberWritten(fx, group, s, error, now);
        }
        return fx.done(null, now);
    }

    private void assignmentWritten(Effects fx, ConsumerGroup group, PendingWrite.Assignment write, Errors error, long now) {
        if (group.state != GroupState.COMPLETING_REBALANCE || group.generation != write.generation() || !group.writingAssignment) {
            return; // the generation moved on while the record was written; its members were told so
        }
        group.writingAssignment = false;
        if (error == Errors.NONE) {
            group.transition(GroupState.STABLE, now);
            for (GroupMember m : group.members.values()) {
                if (m.awaitingSync != null) {
                    fx.sync(m.awaitingSync, syncResponse(group, m));
                    m.awaitingSync = null;
                }
            }
            return;
        }
        for (GroupMember m : group.members.values()) {
            m.assignment = NO_ASSIGNMENT;
            if (m.awaitingSync != null) {
                fx.sync(m.awaitingSync, syncError(error));
                m.awaitingSync = null;
            }
        }
        prepareRebalance(fx, group, "the assignment of generation " + group.generation + " could not be written ("
                + error + ")", now);
    }

    private void staticMemberWritten(Effects fx, ConsumerGroup group, PendingWrite.StaticMember write, Errors error, long now) {
        GroupMember m = group.members.get(write.newMemberId());
        if (m == null || m.awaitingJoin == null || m.awaitingJoin != write.requestId()) return; // answered meanwhile
        if (error == Errors.NONE) {
            if (group.state != GroupState.STABLE) return; // a rebalance began: the join is answered when it ends
            m.awaitingJoin = null;
            // A returning leader is told to skip the assignment (v9+); before v9 it gets no member
            // list, and its SyncGroup in Stable returns its old assignment.
            JoinGroupResponseData r = joinResponse(group, m);
            boolean leader = m.memberId.equals(group.leaderId);
            if (leader && write.version() >= 9) r.setSkipAssignment(true);
            else if (leader) r.members().clear();
            fx.join(write.requestId(), r);
            return;
        }
        m.awaitingJoin = null;
        GroupMember old = write.replaced();
        old.lastHeartbeatMs = now;
        swapMember(group, m, old);
        LOG.log(System.Logger.Level.WARNING, "Static member " + m.groupInstanceId + " of group " + group.groupId
                + " keeps member id " + old.memberId + ": the new member id could not be written (" + error + ")");
        fx.join(write.requestId(), joinError(error, ""));
    }

    // ---------------------------------------------------------------- heartbeat, leave, timers

    GroupStep<Errors> heartbeat(String groupId, String memberId, String instanceId, int generation, long now) {
        Effects fx = new Effects();
        ConsumerGroup group = groupId == null ? null : groups.get(groupId);
        if (group == null) return fx.done(Errors.UNKNOWN_MEMBER_ID, now);
        fx.touch(group);
        GroupMember m = memberId == null ? null : group.members.get(memberId);
        if (group.state == GroupState.PREPARING_REBALANCE && m != null) {
            if (instanceId != null && !memberId.equals(group.staticMembers.get(instanceId))) {
                return fx.done(Errors.FENCED_INSTANCE_ID, now);
            }
            m.lastHeartbeatMs = now;
            return fx.done(Errors.REBALANCE_IN_PROGRESS, now);
        }
        Errors check = checkMember(group, m, instanceId, generation);
        if (check != Errors.NONE) return fx.done(check, now);
        m.lastHeartbeatMs = now;
        return fx.done(Errors.NONE, now);
    }

    /** Removes members (each {@code {memberId, instanceId}}: by member id, or by instance id for static members). */
    GroupStep<List<Errors>> leave(String groupId, List<String[]> memberAndInstanceIds, long now) {
        Effects fx = new Effects();
        List<Errors> results = new ArrayList<>();
        ConsumerGroup group = groupId == null ? null : groups.get(groupId);
        if (group == null) {
            for (int i = 0; i < memberAndInstanceIds.size(); i++) results.add(Errors.UNKNOWN_MEMBER_ID);
            return fx.done(results, now);
        }
        fx.touch(group);
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
            if (memberId != null && group.pendingMembers.remove(memberId) != null) {
                results.add(Errors.NONE);
                continue;
            }
            GroupMember m = memberId == null ? null : group.members.get(memberId);
            if (m == null) {
                results.add(Errors.UNKNOWN_MEMBER_ID);
                continue;
            }
            removeMember(fx, group, m, "member " + memberId + " left the group", now);
            results.add(Errors.NONE);
        }
        maybeCompleteJoin(fx, group, now);
        return fx.done(results, now);
    }

    private void removeMember(Effects fx, ConsumerGroup group, GroupMember m, String reason, long now) {
        if (m.awaitingJoin != null) fx.join(m.awaitingJoin, joinError(Errors.UNKNOWN_MEMBER_ID, m.memberId));
        if (m.awaitingSync != null) fx.sync(m.awaitingSync, syncError(Errors.UNKNOWN_MEMBER_ID));
        m.awaitingJoin = null;
        m.awaitingSync = null;
        group.remove(m);
        if (group.state == GroupState.STABLE || group.state == GroupState.COMPLETING_REBALANCE) {
            prepareRebalance(fx, group, reason, now);
        }
        if (group.members.isEmpty() && group.state == GroupState.PREPARING_REBALANCE) completeJoin(fx, group, now);
    }

    /**
     * The timer of {@code groupId}: forgets expired pending member ids, removes members whose
     * session expired, and ends a join phase whose time is up.
     */
    GroupStep<Void> expire(String groupId, long now) {
        Effects fx = new Effects();
        ConsumerGroup group = groups.get(groupId);
        if (group == null) return fx.done(null, now);
        fx.touch(group);
        group.pendingMembers.values().removeIf(expiry -> expiry < now);
        for (GroupMember m : group.memberList()) {
            boolean waitingToJoin = m.awaitingJoin != null && group.state == GroupState.PREPARING_REBALANCE;
            if (!waitingToJoin && now - m.lastHeartbeatMs > m.sessionTimeoutMs) {
                LOG.log(System.Logger.Level.INFO, "Member " + m.memberId + " of group " + group.groupId
                        + " missed its session timeout of " + m.sessionTimeoutMs + " ms");
                removeMember(fx, group, m, "member " + m.memberId + " session expired", now);
            }
        }
        maybeCompleteJoin(fx, group, now);
        return fx.done(null, now);
    }

    /** When {@link #expire} next has something to do for {@code group}; {@link Long#MAX_VALUE} if never. */
    private static long nextDeadline(ConsumerGroup group, long now) {
        long next = Long.MAX_VALUE;
        for (long expiry : group.pendingMembers.values()) next = Math.min(next, expiry + 1);
        boolean preparing = group.state == GroupState.PREPARING_REBALANCE;
        for (GroupMember m : group.members.values()) {
            if (preparing && m.awaitingJoin != null) continue;
            next = Math.min(next, m.lastHeartbeatMs + m.sessionTimeoutMs + 1);
        }
        if (preparing) {
            next = Math.min(next, group.rebalanceDeadlineMs);
            if (group.initialDelayEndMs > now) next = Math.min(next, group.initialDelayEndMs);
        }
        return next;
    }

    // ---------------------------------------------------------------- offsets

    /**
     * Checks that a commit may be made: with {@code generation < 0} only while the group has no
     * members; otherwise from a member of the current generation of a stable group.
     */
    GroupStep<Errors> validateCommit(String groupId, String memberId, String instanceId, int generation, long now) {
        Effects fx = new Effects();
        if (groupId == null || groupId.isEmpty()) return fx.done(Errors.INVALID_GROUP_ID, now);
        ConsumerGroup group = groups.computeIfAbsent(groupId, id -> new ConsumerGroup(id, now));
        fx.touch(group);
        if (group.state == GroupState.DEAD) return fx.done(Errors.COORDINATOR_NOT_AVAILABLE, now);
        if (generation < 0 && group.state == GroupState.EMPTY) return fx.done(Errors.NONE, now);
        GroupMember m = memberId == null ? null : group.members.get(memberId);
        Errors check = checkMember(group, m, instanceId, generation);
        if (check != Errors.NONE) return fx.done(check, now);
        if (group.state == GroupState.PREPARING_REBALANCE || group.state == GroupState.COMPLETING_REBALANCE) {
            return fx.done(Errors.REBALANCE_IN_PROGRESS, now);
        }
        m.lastHeartbeatMs = now;
        return fx.done(Errors.NONE, now);
    }

    /**
     * Checks a transactional offset commit (TxnOffsetCommit), as Kafka does: a member id, when
     * given, must be a member; a generation, when given ({@code >= 0}), must be the current one; a
     * static instance id must not be fenced. Without them (producers that send only the group id)
     * the commit is accepted whatever the group's state, except a dead group.
     */
    GroupStep<Errors> validateTxnCommit(String groupId, String memberId, String instanceId, int generation, long now) {
        Effects fx = new Effects();
        if (groupId == null || groupId.isEmpty()) return fx.done(Errors.INVALID_GROUP_ID, now);
        ConsumerGroup group = groups.computeIfAbsent(groupId, id -> new ConsumerGroup(id, now));
        fx.touch(group);
        if (group.state == GroupState.DEAD) return fx.done(Errors.COORDINATOR_NOT_AVAILABLE, now);
        boolean hasMember = memberId != null && !memberId.isEmpty();
        GroupMember m = hasMember ? group.members.get(memberId) : null;
        if (instanceId != null) {
            String current = group.staticMembers.get(instanceId);
            if (current != null && (m == null || !current.equals(m.memberId))) return fx.done(Errors.FENCED_INSTANCE_ID, now);
        }
        if (hasMember && m == null) return fx.done(Errors.UNKNOWN_MEMBER_ID, now);
        if (generation >= 0 && generation != group.generation) return fx.done(Errors.ILLEGAL_GENERATION, now);
        return fx.done(Errors.NONE, now);
    }

    /** True when {@code groupId}'s offsets may expire: it is unknown, or {@code Empty} since before {@code cutoffMs}. */
    boolean offsetsMayExpire(String groupId, long cutoffMs) {
        ConsumerGroup group = groups.get(groupId);
        return group == null || (group.state == GroupState.EMPTY && group.stateSinceMs < cutoffMs);
    }

    /**
     * Removes {@code groupId} if it has been {@code Empty} since before {@code cutoffMs} and has no
     * offsets left (a tombstone is written); answers whether it did.
     */
    GroupStep<Boolean> removeExpired(String groupId, long cutoffMs, boolean hasOffsets, long now) {
        Effects fx = new Effects();
        ConsumerGroup group = groups.get(groupId);
        if (group == null || hasOffsets || group.state != GroupState.EMPTY || group.stateSinceMs >= cutoffMs) {
            return fx.done(false, now);
        }
        group.transition(GroupState.DEAD, now);
        groups.remove(groupId, group);
        fx.records.add(new GroupMetadataRecord(groupId, null));
        return fx.done(true, now);
    }

    // ---------------------------------------------------------------- describe, list, delete

    /** Deletes an {@code Empty} group (its offsets are the caller's); a tombstone is written. */
    GroupStep<Errors> delete(String groupId, long now) {
        Effects fx = new Effects();
        ConsumerGroup group = groupId == null ? null : groups.get(groupId);
        if (group == null || group.state == GroupState.DEAD) return fx.done(Errors.GROUP_ID_NOT_FOUND, now);
        if (group.state != GroupState.EMPTY) return fx.done(Errors.NON_EMPTY_GROUP, now);
        group.transition(GroupState.DEAD, now);
        groups.remove(groupId, group);
        fx.records.add(new GroupMetadataRecord(groupId, null));
        return fx.done(Errors.NONE, now);
    }

    Optional<GroupCoordinator.GroupSummary> describe(String groupId) {
        ConsumerGroup group = groupId == null ? null : groups.get(groupId);
        if (group == null) return Optional.empty();
        List<GroupCoordinator.MemberSummary> members = new ArrayList<>();
        for (GroupMember m : group.members.values()) {
            byte[] metadata = group.protocolName == null ? new byte[0] : m.protocols.getOrDefault(group.protocolName, new byte[0]);
            members.add(new GroupCoordinator.MemberSummary(m.memberId, m.groupInstanceId, m.clientId, m.clientHost,
                    metadata, m.assignment));
        }
        return Optional.of(new GroupCoordinator.GroupSummary(group.groupId, group.state.kafkaName(),
                group.protocolType == null ? "" : group.protocolType,
                group.state == GroupState.STABLE || group.state == GroupState.COMPLETING_REBALANCE
                        ? (group.protocolName == null ? "" : group.protocolName) : "", members));
    }

    /** Whether a member of {@code groupId} (consumer protocol) is subscribed to {@code topic}. */
    boolean isSubscribed(String groupId, String topic) {
        ConsumerGroup group = groups.get(groupId);
        if (group == null || group.members.isEmpty() || !CONSUMER.equals(group.protocolType)) return false;
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

    Set<String> groupIds() {
        return Set.copyOf(groups.keySet());
    }

    /** The group's state, for tests and for the coordinator's own checks; empty when unknown. */
    Optional<ConsumerGroup> group(String groupId) {
        return Optional.ofNullable(groups.get(groupId));
    }

    // ---------------------------------------------------------------- loading

    /**
     * Forgets the groups {@code unloaded} selects (this node no longer coordinates them): each
     * becomes {@code Dead}; members waiting in a join or sync are told {@code error}.
     */
    GroupStep<Void> unload(Predicate<String> unloaded, Errors error, long now) {
        Effects fx = new Effects();
        for (Iterator<ConsumerGroup> it = groups.values().iterator(); it.hasNext(); ) {
            ConsumerGroup group = it.next();
            if (!unloaded.test(group.groupId)) continue;
            for (GroupMember m : group.members.values()) {
                if (m.awaitingJoin != null) fx.join(m.awaitingJoin, joinError(error, m.memberId));
                if (m.awaitingSync != null) fx.sync(m.awaitingSync, syncError(error));
                m.awaitingJoin = null;
                m.awaitingSync = null;
            }
            group.transition(GroupState.DEAD, now);
            it.remove();
        }
        return fx.done(null, now);
    }

    /**
     * Applies one group metadata record read back from {@code __consumer_offsets}: the group as the
     * record describes it replaces what was known of it; a tombstone removes it. The members'
     * sessions start at {@code now}.
     */
    void replay(GroupMetadataRecord record, long now) {
        ConsumerGroup previous = groups.remove(record.groupId());
        if (previous != null) previous.transition(GroupState.DEAD, now);
        if (record.isTombstone()) return;
        GroupMetadata value = record.value();
        GroupState state = value.members().isEmpty() ? GroupState.EMPTY : GroupState.STABLE;
        ConsumerGroup group = new ConsumerGroup(record.groupId(), state,
                value.currentStateTimestamp() >= 0 ? value.currentStateTimestamp() : now);
        group.generation = value.generation();
        group.protocolType = value.protocolType() == null || value.protocolType().isEmpty() ? null : value.protocolType();
        if (state == GroupState.STABLE) {
            group.protocolName = value.protocol();
            for (GroupMetadata.Member v : value.members()) {
                GroupMember m = new GroupMember(v.memberId(), v.groupInstanceId(), v.clientId(), v.clientHost());
                m.sessionTimeoutMs = v.sessionTimeoutMs();
                m.rebalanceTimeoutMs = v.rebalanceTimeoutMs();
                m.protocolType = group.protocolType;
                m.protocols = new LinkedHashMap<>();
                if (value.protocol() != null) m.protocols.put(value.protocol(), v.subscription());
                m.assignment = v.assignment();
                m.lastHeartbeatMs = now;
                group.members.put(m.memberId, m);
                if (m.isStatic()) group.staticMembers.put(m.groupInstanceId, m.memberId);
            }
            group.leaderId = value.leader() != null && group.members.containsKey(value.leader())
                    ? value.leader() : group.members.keySet().iterator().next();
        }
        groups.put(record.groupId(), group);
    }

    /**
     * Ends a load: groups that only have offsets exist as {@code Empty}, and the loaded groups'
     * sessions (which started at the replay) get their timers.
     *
     * @param loaded           selects the groups of the loaded partition
     * @param groupsWithOffsets the groups of that partition that have committed offsets
     */
    GroupStep<Void> loaded(Predicate<String> loaded, Collection<String> groupsWithOffsets, long now) {
        Effects fx = new Effects();
        for (String id : groupsWithOffsets) groups.computeIfAbsent(id, g -> new ConsumerGroup(g, now));
        for (ConsumerGroup group : groups.values()) {
            if (!loaded.test(group.groupId)) continue;
            fx.touch(group);
            if (!group.members.isEmpty()) {
                LOG.log(System.Logger.Level.INFO, "Loaded group " + group.groupId + " in generation " + group.generation
                        + " with " + group.members.size() + " member(s), leader " + group.leaderId);
            }
        }
        return fx.done(null, now);
    }

    /** The group's membership as a metadata record (its members' metadata for the selected protocol). */
    private static GroupMetadataRecord metadataRecord(ConsumerGroup group) {
        List<GroupMetadata.Member> members = new ArrayList<>();
        for (GroupMember m : group.members.values()) {
            byte[] subscription = group.protocolName == null ? null : m.protocols.get(group.protocolName);
            members.add(new GroupMetadata.Member(m.memberId, m.groupInstanceId, m.clientId == null ? "" : m.clientId,
                    m.clientHost == null ? "" : m.clientHost, m.rebalanceTimeoutMs, m.sessionTimeoutMs,
                    subscription == null ? new byte[0] : subscription, m.assignment == null ? NO_ASSIGNMENT : m.assignment));
        }
        return new GroupMetadataRecord(group.groupId, new GroupMetadata(group.protocolType == null ? "" : group.protocolType,
                group.generation, group.protocolName, group.leaderId, group.stateSinceMs, members));
    }
}
