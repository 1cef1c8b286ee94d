package io.tributary.broker.group;

import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one step of {@link GroupStateMachine} produced; the caller carries it out.
 *
 * @param response     the immediate answer of a request that is never parked (heartbeat, leave,
 *                     commit check, delete); null for joins and syncs, whose answers are replies
 * @param replies      answers to parked or just-handled JoinGroup and SyncGroup requests, to send now
 * @param records      group metadata records to append, in this order, to the groups' offsets partition
 * @param pendingWrite when present, to hand back to {@link GroupStateMachine#written} once
 *                     {@code records} are written (or failed to be)
 * @param timers       group id → the time (coordinator clock) at which to call
 *                     {@link GroupStateMachine#expire} for it; {@link Long#MAX_VALUE}: no deadline
 */
record GroupStep<R>(R response, List<GroupReply> replies, List<GroupMetadataRecord> records,
                    Optional<PendingWrite> pendingWrite, Map<String, Long> timers) {

    GroupStep {
        replies = List.copyOf(replies);
        records = List.copyOf(records);
        timers = Map.copyOf(timers);
    }

    /** The answer to JoinGroup request {@code requestId}, if this step gave one. */
    Optional<JoinGroupResponseData> joinReply(long requestId) {
        for (GroupReply r : replies) {
            if (r instanceof GroupReply.Join j && j.requestId() == requestId) return Optional.of(j.response());
        }
        return Optional.empty();
    }

    /** The answer to SyncGroup request {@code requestId}, if this step gave one. */
    Optional<SyncGroupResponseData> syncReply(long requestId) {
        for (GroupReply r : replies) {
            if (r instanceof GroupReply.Sync s && s.requestId() == requestId) return Optional.of(s.response());
        }
        return Optional.empty();
    }
}
