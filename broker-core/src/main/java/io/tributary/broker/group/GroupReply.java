package io.tributary.broker.group;

import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;

/**
 * An answer the group state machine gives to a JoinGroup or SyncGroup request, named by the
 * request id its caller assigned. The answer may come in the step that handled the request or in
 * a later one (a parked join answered when the join phase ends).
 */
sealed interface GroupReply permits GroupReply.Join, GroupReply.Sync {
    long requestId();

    record Join(long requestId, JoinGroupResponseData response) implements GroupReply {
    }

    record Sync(long requestId, SyncGroupResponseData response) implements GroupReply {
    }
}
