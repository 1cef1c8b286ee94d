package io.tributary.broker.group;

import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A member of a classic consumer group: its identity, timeouts, the protocols it offered with
 * their metadata, its current assignment, and the join or sync it is waiting on. Mutable; guarded
 * by the monitor of its {@link ConsumerGroup}.
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
    CompletableFuture<JoinGroupResponseData> awaitingJoin;
    CompletableFuture<SyncGroupResponseData> awaitingSync;

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
