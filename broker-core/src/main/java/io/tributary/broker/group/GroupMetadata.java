package io.tributary.broker.group;

import java.util.List;

/**
 * A classic group's membership as the coordinator writes it to {@code __consumer_offsets}: the
 * fields of Kafka's {@code GroupMetadataValue}. Written when a generation's assignment is complete
 * (and when a static member takes over a member id), and when a group ends a rebalance with no
 * members; a deleted group gets a tombstone instead. Loading the last value of a group rebuilds it
 * ({@code Stable} with these members, or {@code Empty}).
 *
 * @param protocolType          {@code consumer} for Kafka consumers; empty when never set
 * @param generation            the generation these members belong to
 * @param protocol              the selected protocol (assignor), null when there are no members
 * @param leader                the leader's member id, null when there are no members
 * @param currentStateTimestamp when the group entered its current state (coordinator clock), −1 unknown
 */
public record GroupMetadata(String protocolType, int generation, String protocol, String leader,
                            long currentStateTimestamp, List<Member> members) {

    public GroupMetadata {
        members = List.copyOf(members);
    }

    /**
     * One member: identity, timeouts, its metadata for the selected protocol (the subscription)
     * and its assignment.
     */
    public record Member(String memberId, String groupInstanceId, String clientId, String clientHost,
                         int rebalanceTimeoutMs, int sessionTimeoutMs, byte[] subscription, byte[] assignment) {
    }
}
