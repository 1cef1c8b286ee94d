package io.tributary.broker.group;

import io.tributary.broker.testing.ManualClock;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The group state machine driven directly, with a manual clock and no sockets, disks or threads:
 * requests in, answers, records and timers out; records replayed into a fresh state machine.
 */
class GroupStateMachineTest {
    private static final String GROUP = "billing";
    private static final int SESSION_MS = 10_000;
    private static final int REBALANCE_MS = 30_000;
    private static final long INITIAL_DELAY_MS = 3_000;
    private static final GroupConfig CONFIG = new GroupConfig(INITIAL_DELAY_MS, 6_000, 300_000, 7 * 24 * 3600_000L,
            600_000, 4, 4096, 1 << 20);

    private final ManualClock clock = new ManualClock(1_000_000);
    private final AtomicInteger uniqueIds = new AtomicInteger();
    private final GroupStateMachine machine = new GroupStateMachine(CONFIG, () -> "m" + uniqueIds.incrementAndGet());
    /** Every record the steps produced, in order: what the offsets partition would hold. */
    private final List<GroupMetadataRecord> written = new ArrayList<>();
    private long requestIds;

    // ---------------------------------------------------------------- join and sync

    @Test
    void membersJoinOneGenerationAndGetTheirAssignmentOnceItIsWritten() {
        long a1 = ++requestIds;
        JoinGroupResponseData required = join(a1, "", null, "client-a").joinReply(a1).orElseThrow();
        assertEquals(Errors.MEMBER_ID_REQUIRED.code(), required.errorCode());
        String a = required.memberId();
        assertEquals("client-a-m1", a);

        long a2 = ++requestIds;
        GroupStep<Void> parked = join(a2, a, null, "client-a");
        assertTrue(parked.joinReply(a2).isEmpty(), "a new group waits for the initial rebalance delay");
        assertEquals(clock.millis() + INITIAL_DELAY_MS, parked.timers().get(GROUP), "the timer is set to the delay's end");
        assertEquals(GroupState.PREPARING_REBALANCE, state());

        long b1 = ++requestIds;
        String b = join(b1, "", null, "client-b").joinReply(b1).orElseThrow().memberId();
        long b2 = ++requestIds;
        assertTrue(join(b2, b, null, "client-b").joinReply(b2).isEmpty());

        clock.advanceMillis(INITIAL_DELAY_MS - 1);
        assertTrue(expire().replies().isEmpty(), "not before the delay is over");
        clock.advanceMillis(1);
        GroupStep<Void> joined = expire();
        JoinGroupResponseData toA = joined.joinReply(a2).orElseThrow();
        JoinGroupResponseData toB = joined.joinReply(b2).orElseThrow();
        assertEquals(1, toA.generationId());
        assertEquals(1, toB.generationId());
        assertEquals(a, toA.leader(), "the first member is the leader");
        assertEquals(2, toA.members().size(), "the leader gets the members");
        assertEquals(0, toB.members().size());
        assertEquals("range", toA.protocolName());
        assertTrue(joined.records().isEmpty(), "nothing is written before the assignment");
        assertEquals(GroupState.COMPLETING_REBALANCE, state());

        long bSync = ++requestIds;
        assertTrue(sync(bSync, b, 1, Map.of()).replies().isEmpty(), "a follower waits for the leader");
        long aSync = ++requestIds;
        GroupStep<Void> leader = sync(aSync, a, 1, Map.of(a, bytes(1), b, bytes(2)));
        assertTrue(leader.replies().isEmpty(), "no one gets an assignment before it is written");
        assertEquals(1, leader.records().size());
        GroupMetadata record = leader.records().get(0).value();
        assertEquals(1, record.generation());
        assertEquals(a, record.leader());
        assertEquals(List.of(a, b), record.members().stream().map(GroupMetadata.Member::memberId).toList());
        assertArrayEquals(bytes(2), record.members().get(1).assignment());
        assertEquals(new PendingWrite.Assignment(GROUP, 1), leader.pendingWrite().orElseThrow());
        assertEquals(GroupState.COMPLETING_REBALANCE, state());
        assertEquals(Errors.REBALANCE_IN_PROGRESS, commitCheck(a, 1), "no commits before the group is stable");

        GroupStep<Void> done = machine.written(leader.pendingWrite().get(), Errors.NONE, clock.millis());
        assertEquals(GroupState.STABLE, state());
        assertArrayEquals(bytes(1), done.syncReply(aSync).orElseThrow().assignment());
        assertArrayEquals(bytes(2), done.syncReply(bSync).orElseThrow().assignment());
        assertEquals(Errors.NONE, heartbeat(a, 1));
        assertEquals(Errors.NONE, heartbeat(b, 1));
        assertEquals(Errors.ILLEGAL_GENERATION, heartbeat(b, 0));
        assertEquals(Errors.UNKNOWN_MEMBER_ID, heartbeat("client-c-m9", 1));
        assertEquals(Errors.NONE, commitCheck(b, 1));
    }

    @Test
    void anAssignmentThatCannotBeWrittenIsNotHandedOutAndTheGroupRebalances() {
        List<String> members = stableGroupOfTwo();
        String a = members.get(0);
        String b = members.get(1);
        long a2 = ++requestIds;
        join(a2, a, null, "client-a", "other-topic"); // the leader rejoins: a new generation
        long b2 = ++requestIds;
        GroupStep<Void> joined = join(b2, b, null, "client-b");
        assertEquals(2, joined.joinReply(a2).orElseThrow().generationId());

        long bSync = ++requestIds;
        sync(bSync, b, 2, Map.of());
        long aSync = ++requestIds;
        GroupStep<Void> leader = sync(aSync, a, 2, Map.of(a, bytes(3), b, bytes(4)));
        GroupStep<Void> failed = machine.written(leader.pendingWrite().orElseThrow(), Errors.NOT_COORDINATOR, clock.millis());

        assertEquals(Errors.NOT_COORDINATOR.code(), failed.syncReply(aSync).orElseThrow().errorCode());
        assertEquals(Errors.NOT_COORDINATOR.code(), failed.syncReply(bSync).orElseThrow().errorCode());
        assertEquals(GroupState.PREPARING_REBALANCE, state());
        assertEquals(Errors.REBALANCE_IN_PROGRESS, heartbeat(b, 2));
        assertEquals(0, machine.group(GROUP).orElseThrow().members.get(b).assignment.length);
    }

    // ---------------------------------------------------------------- sessions

    @Test
    void aMemberThatStopsHeartbeatingIsRemovedWhenItsSessionTimesOut() {
        List<String> members = stableGroupOfTwo();
        String a = members.get(0);
        String b = members.get(1);
        long start = clock.millis();
        GroupStep<Errors> beat = machine.heartbeat(GROUP, a, null, 1, clock.millis());
        assertEquals(start + SESSION_MS + 1, beat.timers().get(GROUP), "the earliest session deadline");

        clock.advanceMillis(SESSION_MS / 2);
        assertEquals(Errors.NONE, heartbeat(a, 1));
        clock.advanceMillis(SESSION_MS / 2);
        assertEquals(2, members().size(), "a session lasts its timeout");
        GroupStep<Void> still = expire();
        assertEquals(2, members().size(), "b's session ends one millisecond after its timeout");
        assertEquals(start + SESSION_MS + 1, still.timers().get(GROUP));

        clock.advanceMillis(1);
        expire();
        assertEquals(List.of(a), members(), "b missed its session timeout");
        assertEquals(GroupState.PREPARING_REBALANCE, state());
        assertEquals(Errors.REBALANCE_IN_PROGRESS, heartbeat(a, 1));
        assertEquals(Errors.UNKNOWN_MEMBER_ID, heartbeat(b, 1));

        long a2 = ++requestIds;
        JoinGroupResponseData rejoined = join(a2, a, null, "client-a").joinReply(a2).orElseThrow();
        assertEquals(2, rejoined.generationId());
        assertEquals(1, rejoined.members().size());
    }

    @Test
    void aMemberThatDoesNotRejoinWithinTheRebalanceTimeoutIsRemoved() {
        List<String> members = stableGroupOfTwo();
        String a = members.get(0);
        String b = members.get(1);
        long a2 = ++requestIds;
        join(a2, a, null, "client-a", "other-topic");
        assertEquals(GroupState.PREPARING_REBALANCE, state());
        long deadline = clock.millis() + REBALANCE_MS;
        GroupStep<Errors> beat = null;
        for (int i = 0; i < 6; i++) {
            clock.advanceMillis(REBALANCE_MS / 6);
            beat = machine.heartbeat(GROUP, b, null, 1, clock.millis());
            assertEquals(Errors.REBALANCE_IN_PROGRESS, beat.response(), "b keeps its session but does not rejoin");
        }
        assertEquals(deadline, beat.timers().get(GROUP).longValue(), "the timer is set to the rebalance deadline");
        assertEquals(List.of(a, b), members());
        GroupStep<Void> ended = expire();
        assertEquals(List.of(a), members());
        assertEquals(2, ended.joinReply(a2).orElseThrow().generationId());
    }

    // ---------------------------------------------------------------- static members

    @Test
    void aRestartedStaticMemberTakesItsPlaceWithoutRebalanceAndTheOldMemberIdIsFenced() {
        List<String> members = stableStaticGroup();
        String oldA = members.get(0);
        String b = members.get(1);
        long restart = ++requestIds;
        GroupStep<Void> replaced = join(restart, "", "instance-a", "client-a");
        assertTrue(replaced.joinReply(restart).isEmpty(), "the new member id is written before it is handed out");
        assertEquals(1, replaced.records().size());
        String newA = replaced.records().get(0).value().members().get(0).memberId();
        assertNotEquals(oldA, newA);
        assertEquals(newA, replaced.records().get(0).value().leader());

        JoinGroupResponseData answer = machine.written(replaced.pendingWrite().orElseThrow(), Errors.NONE, clock.millis())
                .joinReply(restart).orElseThrow();
        assertEquals(Errors.NONE.code(), answer.errorCode());
        assertEquals(newA, answer.memberId());
        assertEquals(1, answer.generationId(), "same generation: no rebalance");
        assertTrue(answer.skipAssignment(), "the returning leader keeps the assignment it made");
        assertEquals(GroupState.STABLE, state());

        assertEquals(Errors.FENCED_INSTANCE_ID, machine.heartbeat(GROUP, oldA, "instance-a", 1, clock.millis()).response());
        assertEquals(Errors.NONE, machine.heartbeat(GROUP, newA, "instance-a", 1, clock.millis()).response());
        assertEquals(Errors.NONE, heartbeat(b, 1), "the other member notices nothing");
        long fencedJoin = ++requestIds;
        assertEquals(Errors.FENCED_INSTANCE_ID.code(),
                join(fencedJoin, oldA, "instance-a", "client-a").joinReply(fencedJoin).orElseThrow().errorCode());
        long syncAgain = ++requestIds;
        SyncGroupResponseData kept = machine.sync(syncAgain, new SyncGroupRequestData().setGroupId(GROUP).setMemberId(newA)
                .setGroupInstanceId("instance-a").setGenerationId(1), clock.millis()).syncReply(syncAgain).orElseThrow();
        assertArrayEquals(bytes(1), kept.assignment(), "the old member's assignment");
    }

    @Test
    void aStaticMemberWhoseNewIdCannotBeWrittenKeepsTheOldOne() {
        List<String> members = stableStaticGroup();
        String oldA = members.get(0);
        long restart = ++requestIds;
        GroupStep<Void> replaced = join(restart, "", "instance-a", "client-a");
        JoinGroupResponseData answer = machine.written(replaced.pendingWrite().orElseThrow(), Errors.COORDINATOR_NOT_AVAILABLE,
                clock.millis()).joinReply(restart).orElseThrow();
        assertEquals(Errors.COORDINATOR_NOT_AVAILABLE.code(), answer.errorCode());
        assertEquals(Errors.NONE, machine.heartbeat(GROUP, oldA, "instance-a", 1, clock.millis()).response());
        assertEquals(oldA, machine.group(GROUP).orElseThrow().leaderId);
        assertEquals(GroupState.STABLE, state());
    }

    // ---------------------------------------------------------------- transitions

    @Test
    void onlyKafkasTransitionsAreAllowedAndAnyOtherIsRefusedWithTheGroupAndBothStates() {
        Map<GroupState, Set<GroupState>> allowed = Map.of(
                GroupState.EMPTY, EnumSet.of(GroupState.PREPARING_REBALANCE),
                GroupState.PREPARING_REBALANCE, EnumSet.of(GroupState.EMPTY, GroupState.COMPLETING_REBALANCE, GroupState.STABLE),
                GroupState.COMPLETING_REBALANCE, EnumSet.of(GroupState.PREPARING_REBALANCE),
                GroupState.STABLE, EnumSet.of(GroupState.COMPLETING_REBALANCE),
                GroupState.DEAD, EnumSet.allOf(GroupState.class));
        for (GroupState from : GroupState.values()) {
            for (GroupState to : GroupState.values()) {
                ConsumerGroup group = new ConsumerGroup("g", from, 5);
                if (allowed.get(to).contains(from)) {
                    group.transition(to, 7);
                    assertEquals(to, group.state);
                    assertEquals(7, group.stateSinceMs);
                } else {
                    IllegalGroupTransitionException e = assertThrows(IllegalGroupTransitionException.class,
                            () -> group.transition(to, 7), from + " → " + to);
                    assertEquals("g", e.groupId());
                    assertEquals(from, e.from());
                    assertEquals(to, e.to());
                    assertTrue(e.getMessage().contains("Group g cannot move from " + from.kafkaName() + " to " + to.kafkaName()),
                            e.getMessage());
                    assertEquals(from, group.state, "the group stays where it was");
                    assertEquals(5, group.stateSinceMs);
                }
            }
        }
    }

    // ---------------------------------------------------------------- replay

    @Test
    void replayingTheWrittenRecordsRebuildsTheGroupWithItsGenerationAndMembers() {
        List<String> members = stableStaticGroup();
        long restart = ++requestIds;
        GroupStep<Void> replaced = join(restart, "", "instance-a", "client-a");
        machine.written(replaced.pendingWrite().orElseThrow(), Errors.NONE, clock.millis());
        long c1 = ++requestIds;
        String c = join(c1, "", null, "client-c").joinReply(c1).orElseThrow().memberId();
        long c2 = ++requestIds;
        join(c2, c, null, "client-c");
        String newA = machine.group(GROUP).orElseThrow().staticMembers.get("instance-a");
        long a2 = ++requestIds;
        join(a2, newA, "instance-a", "client-a");
        long b2 = ++requestIds;
        GroupStep<Void> joined = join(b2, members.get(1), "instance-b", "client-b");
        assertEquals(2, joined.joinReply(c2).orElseThrow().generationId());
        completeSync(newA, 2, Map.of(newA, bytes(5), members.get(1), bytes(6), c, bytes(7)));
        assertEquals(GroupState.STABLE, state());

        GroupStateMachine fresh = new GroupStateMachine(CONFIG, () -> "x");
        long loadedAt = clock.advanceMillis(60_000);
        written.forEach(r -> fresh.replay(r, loadedAt));
        fresh.loaded(g -> true, List.of(), loadedAt);
        assertEquals(snapshot(machine.group(GROUP).orElseThrow()), snapshot(fresh.group(GROUP).orElseThrow()));
        assertEquals(machine.describe(GROUP).orElseThrow().toString().replaceAll("\\[B@[0-9a-f]+", ""),
                fresh.describe(GROUP).orElseThrow().toString().replaceAll("\\[B@[0-9a-f]+", ""));

        clock.advanceMillis(SESSION_MS);
        fresh.expire(GROUP, clock.millis());
        assertEquals(3, fresh.group(GROUP).orElseThrow().members.size(), "loaded sessions start at the load");
        assertEquals(Errors.NONE, fresh.heartbeat(GROUP, c, null, 2, clock.millis()).response(),
                "a member heartbeating with the loaded generation stays");
        assertEquals(Errors.FENCED_INSTANCE_ID, fresh.heartbeat(GROUP, members.get(0), "instance-a", 2, clock.millis()).response(),
                "the replaced static member id stays fenced");
    }

    @Test
    void anEmptiedGroupIsReplayedEmptyWithItsGenerationAndADeletedOneNotAtAll() {
        List<String> members = stableGroupOfTwo();
        GroupStep<List<Errors>> left = machine.leave(GROUP, List.of(new String[]{members.get(0), null},
                new String[]{members.get(1), null}), clock.millis());
        written.addAll(left.records());
        assertEquals(List.of(Errors.NONE, Errors.NONE), left.response());
        assertEquals(GroupState.EMPTY, state());
        assertEquals(1, left.records().size(), "an emptied group is written");
        assertEquals(2, left.records().get(0).value().generation());

        GroupStateMachine fresh = new GroupStateMachine(CONFIG, () -> "x");
        written.forEach(r -> fresh.replay(r, clock.millis()));
        ConsumerGroup replayed = fresh.group(GROUP).orElseThrow();
        assertEquals(GroupState.EMPTY, replayed.state);
        assertEquals(2, replayed.generation);
        assertEquals(machine.group(GROUP).orElseThrow().stateSinceMs, replayed.stateSinceMs, "when it became empty");
        long next = ++requestIds;
        assertTrue(fresh.join(next, joinRequest("", null), "client-z", "/10.0.0.9", (short) 3, clock.millis())
                .joinReply(next).isEmpty(), "a join (v3) waits for the initial rebalance delay");
        clock.advanceMillis(INITIAL_DELAY_MS);
        assertEquals(3, fresh.expire(GROUP, clock.millis()).joinReply(next).orElseThrow().generationId(),
                "the generation goes on from the loaded one");

        GroupStep<Errors> deleted = machine.delete(GROUP, clock.millis());
        assertEquals(Errors.NONE, deleted.response());
        assertTrue(deleted.records().get(0).isTombstone());
        written.addAll(deleted.records());
        GroupStateMachine afterDelete = new GroupStateMachine(CONFIG, () -> "x");
        written.forEach(r -> afterDelete.replay(r, clock.millis()));
        assertTrue(afterDelete.group(GROUP).isEmpty());
    }

    // ---------------------------------------------------------------- helpers

    /** Members a (leader) and b of generation 1, Stable, with assignments {1} and {2}. */
    private List<String> stableGroupOfTwo() {
        long a1 = ++requestIds;
        String a = join(a1, "", null, "client-a").joinReply(a1).orElseThrow().memberId();
        long b1 = ++requestIds;
        String b = join(b1, "", null, "client-b").joinReply(b1).orElseThrow().memberId();
        join(++requestIds, a, null, "client-a");
        join(++requestIds, b, null, "client-b");
        clock.advanceMillis(INITIAL_DELAY_MS);
        expire();
        completeSync(a, 1, Map.of(a, bytes(1), b, bytes(2)));
        return List.of(a, b);
    }

    /** Static members (instance-a, the leader, and instance-b) of generation 1, Stable. */
    private List<String> stableStaticGroup() {
        long a1 = ++requestIds;
        join(a1, "", "instance-a", "client-a");
        long b1 = ++requestIds;
        join(b1, "", "instance-b", "client-b");
        clock.advanceMillis(INITIAL_DELAY_MS);
        GroupStep<Void> joined = expire();
        String a = joined.joinReply(a1).orElseThrow().memberId();
        String b = joined.joinReply(b1).orElseThrow().memberId();
        completeSync(a, 1, Map.of(a, bytes(1), b, bytes(2)));
        return List.of(a, b);
    }

    private void completeSync(String leader, int generation, Map<String, byte[]> assignment) {
        GroupStep<Void> step = sync(++requestIds, leader, generation, assignment);
        machine.written(step.pendingWrite().orElseThrow(), Errors.NONE, clock.millis());
    }

    private GroupStep<Void> join(long requestId, String memberId, String instanceId, String clientId, String... topics) {
        GroupStep<Void> step = machine.join(requestId, joinRequest(memberId, instanceId, topics), clientId, "/10.0.0.1",
                (short) 9, clock.millis());
        written.addAll(step.records());
        return step;
    }

    private static JoinGroupRequestData joinRequest(String memberId, String instanceId, String... topics) {
        List<String> subscribed = topics.length == 0 ? List.of("orders") : List.of(topics);
        byte[] subscription = Utils.toArray(ConsumerProtocol.serializeSubscription(
                new ConsumerPartitionAssignor.Subscription(subscribed)));
        JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(subscription));
        return new JoinGroupRequestData().setGroupId(GROUP).setMemberId(memberId).setGroupInstanceId(instanceId)
                .setProtocolType("consumer").setSessionTimeoutMs(SESSION_MS).setRebalanceTimeoutMs(REBALANCE_MS)
                .setProtocols(protocols);
    }

    private GroupStep<Void> sync(long requestId, String memberId, int generation, Map<String, byte[]> assignment) {
        ConsumerGroup group = machine.group(GROUP).orElseThrow();
        GroupMember m = group.members.get(memberId);
        SyncGroupRequestData req = new SyncGroupRequestData().setGroupId(GROUP).setMemberId(memberId)
                .setGroupInstanceId(m == null ? null : m.groupInstanceId).setGenerationId(generation)
                .setProtocolType("consumer").setProtocolName("range");
        assignment.forEach((id, bytes) -> req.assignments().add(
                new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(id).setAssignment(bytes)));
        GroupStep<Void> step = machine.sync(requestId, req, clock.millis());
        written.addAll(step.records());
        return step;
    }

    private GroupStep<Void> expire() {
        GroupStep<Void> step = machine.expire(GROUP, clock.millis());
        written.addAll(step.records());
        return step;
    }

    private Errors heartbeat(String memberId, int generation) {
        return machine.heartbeat(GROUP, memberId, null, generation, clock.millis()).response();
    }

    private Errors commitCheck(String memberId, int generation) {
        return machine.validateCommit(GROUP, memberId, null, generation, clock.millis()).response();
    }

    private GroupState state() {
        return machine.group(GROUP).orElseThrow().state;
    }

    private List<String> members() {
        return List.copyOf(machine.group(GROUP).orElseThrow().members.keySet());
    }

    private static byte[] bytes(int n) {
        return new byte[]{(byte) n, (byte) (n + 1)};
    }

    /** What a group's metadata record holds, and its state, as text to compare. */
    private static String snapshot(ConsumerGroup g) {
        StringBuilder b = new StringBuilder().append(g.groupId).append(' ').append(g.state).append(" generation ")
                .append(g.generation).append(" type ").append(g.protocolType).append(" protocol ").append(g.protocolName)
                .append(" leader ").append(g.leaderId).append(" static ").append(new TreeMap<>(g.staticMembers));
        for (GroupMember m : g.members.values()) {
            b.append("\n  ").append(m.memberId).append(' ').append(m.groupInstanceId).append(' ').append(m.clientId)
                    .append(' ').append(m.clientHost).append(" session ").append(m.sessionTimeoutMs).append(" rebalance ")
                    .append(m.rebalanceTimeoutMs).append(" subscription ").append(Arrays.toString(m.protocols.get(g.protocolName)))
                    .append(" assignment ").append(Arrays.toString(m.assignment));
        }
        return b.toString();
    }
}
