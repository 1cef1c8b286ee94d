package io.tributary.broker.group;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The state of one classic group: members, generation, leader, selected protocol and the
 * rebalance in progress. The transitions are those of Kafka's classic group coordinator:
 * Empty → PreparingRebalance (a member joins) → CompletingRebalance (all members rejoined or the
 * rebalance timeout passed; the generation is bumped and the leader receives the members) →
 * Stable (the leader's assignment was written), and back to PreparingRebalance when a member
 * joins, leaves, changes its subscription or misses its session timeout. {@link #transition}
 * refuses any other move ({@link IllegalGroupTransitionException}).
 *
 * <p>Thread safety: none of its own; {@link GroupStateMachine}'s caller serialises the steps on
 * a group (see {@link GroupCoordinator}).
 */
final class ConsumerGroup {
    final String groupId;
    GroupState state = GroupState.EMPTY;
    int generation;
    String protocolType;
    String protocolName;
    String leaderId;
    final Map<String, GroupMember> members = new LinkedHashMap<>();
    final Map<String, String> staticMembers = new HashMap<>();
    /** Member ids handed out with MEMBER_ID_REQUIRED that have not joined yet → expiry time. */
    final Map<String, Long> pendingMembers = new HashMap<>();
    long stateSinceMs;
    long rebalanceDeadlineMs;
    long initialDelayEndMs;
    /** The leader's assignment of this generation is being written; the group turns Stable once it is. */
    boolean writingAssignment;

    ConsumerGroup(String groupId, long nowMs) {
        this.groupId = groupId;
        this.stateSinceMs = nowMs;
    }

    /** A group as loaded from its last metadata record: {@code Stable} with members, else {@code Empty}. */
    ConsumerGroup(String groupId, GroupState loadedState, long stateSinceMs) {
        this.groupId = groupId;
        this.state = loadedState;
        this.stateSinceMs = stateSinceMs;
    }

    /** Moves to {@code next}, which must list the current state among its valid previous states. */
    void transition(GroupState next, long nowMs) {
        if (!next.validPreviousStates().contains(state)) throw new IllegalGroupTransitionException(groupId, state, next);
        state = next;
        stateSinceMs = nowMs;
    }

    boolean allMembersJoined() {
        for (GroupMember m : members.values()) if (m.awaitingJoin == null) return false;
        return pendingMembers.isEmpty();
    }

    /** True when a member offering {@code type} and {@code protocols} could join. */
    boolean supports(String type, Set<String> protocols) {
        if (members.isEmpty()) return type != null && !type.isEmpty() && !protocols.isEmpty();
        if (!type.equals(protocolType)) return false;
        for (GroupMember m : members.values()) {
            boolean common = false;
            for (String p : protocols) if (m.protocols.containsKey(p)) common = true;
            if (!common) return false;
        }
        return true;
    }

    /** The protocol all members support that most members prefer (ties: the first member's order). */
    String selectProtocol() {
        Set<String> candidates = null;
        for (GroupMember m : members.values()) {
            if (candidates == null) candidates = new HashSet<>(m.protocols.keySet());
            else candidates.retainAll(m.protocols.keySet());
        }
        if (candidates == null || candidates.isEmpty()) return null;
        Map<String, Integer> votes = new LinkedHashMap<>();
        for (GroupMember m : members.values()) {
            for (String p : m.protocols.keySet()) {
                if (candidates.contains(p)) {
                    votes.merge(p, 1, Integer::sum);
                    break;
                }
            }
        }
        String best = null;
        int bestVotes = -1;
        for (Map.Entry<String, Integer> e : votes.entrySet()) {
            if (e.getValue() > bestVotes) {
                best = e.getKey();
                bestVotes = e.getValue();
            }
        }
        return best;
    }

    int maxRebalanceTimeoutMs() {
        int max = 0;
        for (GroupMember m : members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
        return max;
    }

    List<GroupMember> memberList() {
        return new ArrayList<>(members.values());
    }

    void remove(GroupMember m) {
        members.remove(m.memberId);
        if (m.isStatic() && m.memberId.equals(staticMembers.get(m.groupInstanceId))) staticMembers.remove(m.groupInstanceId);
        if (m.memberId.equals(leaderId)) leaderId = members.isEmpty() ? null : members.keySet().iterator().next();
    }
}
