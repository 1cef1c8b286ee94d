package io.tributary.broker.group;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A member of a classic consumer group: its identity, timeouts, the protocols it offered with
 * their metadata, its current assignment, and the join or sync request it is waiting in (by the
 * request id its caller gave {@link GroupStateMachine}). Mutable; guarded like its
 * {@link ConsumerGroup}.
 */
final class GroupMember {
    final String memberId;
    final String groupInstanceId;
    final String clientId;
    final String clientHost;
    int sessionTimeoutMs;
    int rebalanceTimeoutMs;
    String protocolType;
    /** Protocol name → metadata, in the member's order of preference. */
    Map<String, byte[]> protocols = new LinkedHashMap<>();
    byte[] assignment = new byte[0];
    long lastHeartbeatMs;
    /** The parked JoinGroup's request id, or null. */
    Long awaitingJoin;
    /** The parked SyncGroup's request id, or null. */
    Long awaitingSync;

    GroupMember(String memberId, String groupInstanceId, String clientId, String clientHost) {
        this.memberId = memberId;
        this.groupInstanceId = groupInstanceId;
        this.clientId = clientId;
        this.clientHost = clientHost;
    }

    boolean isStatic() {
        return groupInstanceId != null;
    }

    boolean sameProtocols(Map<String, byte[]> other) {
        if (!protocols.keySet().equals(other.keySet())) return false;
        for (Map.Entry<String, byte[]> e : protocols.entrySet()) {
            if (!java.util.Arrays.equals(e.getValue(), other.get(e.getKey()))) return false;
        }
        return true;
    }
}
