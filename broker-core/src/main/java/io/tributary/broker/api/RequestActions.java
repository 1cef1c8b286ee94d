package io.tributary.broker.api;

import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.Resource;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import java.util.ArrayList;
import java.util.List;

/**
 * What a request as a whole must be allowed to do, as Kafka checks it before anything else (its
 * "operations and resources on protocols" table): a transactional Produce writes its
 * transactional id, a follower's Fetch is a cluster action, the group APIs read or describe their
 * group, the ACL APIs alter or describe the cluster, and so on (DescribeCluster, as on a Kafka
 * broker, needs nothing: it only reports no authorized operations without DESCRIBE). One
 * denial fails the whole request with the error of the resource's type, so the first action of
 * each request is the one Kafka checks first.
 *
 * <p>What Kafka authorizes per resource (a denied topic among allowed ones, a denied group in a
 * DescribeGroups) is not listed here: {@link PartialAuthorization} answers it. ApiVersions names
 * no resource. Stateless.
 */
final class RequestActions {
    /** One operation on one resource. */
    record Action(AclOperation operation, ResourcePattern resource) {
    }

    static final ResourcePattern CLUSTER = new ResourcePattern(ResourceType.CLUSTER, Resource.CLUSTER_NAME,
            PatternType.LITERAL);

    private final List<Action> actions = new ArrayList<>();

    private RequestActions() {
    }

    /** The request-level actions of {@code request}, a {@code key} request of version {@code version}. */
    static List<Action> of(ApiKeys key, short version, ApiMessage request) {
        RequestActions a = new RequestActions();
        a.collect(key, version, request);
        return a.actions;
    }

    private void collect(ApiKeys key, short version, ApiMessage request) {
        switch (key) {
            case PRODUCE -> transactionalId(AclOperation.WRITE, ((ProduceRequestData) request).transactionalId());
            case FETCH -> {
                FetchRequestData r = (FetchRequestData) request;
                if (Math.max(r.replicaId(), r.replicaState().replicaId()) >= 0) cluster(AclOperation.CLUSTER_ACTION);
            }
            case OFFSET_FOR_LEADER_EPOCH -> {
                if (((OffsetForLeaderEpochRequestData) request).replicaId() >= 0) cluster(AclOperation.CLUSTER_ACTION);
            }
            case INIT_PRODUCER_ID -> transactionalId(AclOperation.WRITE, ((InitProducerIdRequestData) request).transactionalId());
            case DESCRIBE_ACLS -> cluster(AclOperation.DESCRIBE);
            case CREATE_ACLS, DELETE_ACLS -> cluster(AclOperation.ALTER);
            case WRITE_TXN_MARKERS -> cluster(AclOperation.CLUSTER_ACTION);
            case FIND_COORDINATOR -> {
                FindCoordinatorRequestData r = (FindCoordinatorRequestData) request;
                ResourceType type = r.keyType() == FindCoordinatorRequest.CoordinatorType.TRANSACTION.id()
                        ? ResourceType.TRANSACTIONAL_ID : ResourceType.GROUP;
                if (r.coordinatorKeys().isEmpty()) add(AclOperation.DESCRIBE, type, r.key());
            }
            case JOIN_GROUP -> group(AclOperation.READ, ((JoinGroupRequestData) request).groupId());
            case SYNC_GROUP -> group(AclOperation.READ, ((SyncGroupRequestData) request).groupId());
            case HEARTBEAT -> group(AclOperation.READ, ((HeartbeatRequestData) request).groupId());
            case LEAVE_GROUP -> group(AclOperation.READ, ((LeaveGroupRequestData) request).groupId());
            case OFFSET_COMMIT -> group(AclOperation.READ, ((OffsetCommitRequestData) request).groupId());
            case TXN_OFFSET_COMMIT -> {
                TxnOffsetCommitRequestData r = (TxnOffsetCommitRequestData) request;
                transactionalId(AclOperation.WRITE, r.transactionalId());
                group(AclOperation.READ, r.groupId());
            }
            case OFFSET_FETCH -> {
                OffsetFetchRequestData r = (OffsetFetchRequestData) request;
                if (r.groups().isEmpty()) group(AclOperation.DESCRIBE, r.groupId());
            }
            case OFFSET_DELETE -> group(AclOperation.DELETE, ((OffsetDeleteRequestData) request).groupId());
            case ADD_OFFSETS_TO_TXN -> {
                AddOffsetsToTxnRequestData r = (AddOffsetsToTxnRequestData) request;
                transactionalId(AclOperation.WRITE, r.transactionalId());
                group(AclOperation.READ, r.groupId());
            }
            case END_TXN -> transactionalId(AclOperation.WRITE, ((EndTxnRequestData) request).transactionalId());
            case ADD_PARTITIONS_TO_TXN -> {
                AddPartitionsToTxnRequestData r = (AddPartitionsToTxnRequestData) request;
                if (version >= 4) {
                    cluster(AclOperation.CLUSTER_ACTION); // a broker verifying transactions for a leader
                } else {
                    transactionalId(AclOperation.WRITE, r.v3AndBelowTransactionalId()); // its topics: PartialAuthorization
                }
            }
            case ALTER_USER_SCRAM_CREDENTIALS -> cluster(AclOperation.ALTER);
            case DESCRIBE_USER_SCRAM_CREDENTIALS -> cluster(AclOperation.DESCRIBE);
            case DESCRIBE_CLIENT_QUOTAS -> cluster(AclOperation.DESCRIBE_CONFIGS);
            default -> {
                // Per-resource APIs (PartialAuthorization) and ApiVersions.
            }
        }
    }

    private void transactionalId(AclOperation operation, String transactionalId) {
        if (transactionalId != null) add(operation, ResourceType.TRANSACTIONAL_ID, transactionalId);
    }

    private void group(AclOperation operation, String groupId) {
        add(operation, ResourceType.GROUP, groupId == null ? "" : groupId);
    }

    private void cluster(AclOperation operation) {
        actions.add(new Action(operation, CLUSTER));
    }

    private void add(AclOperation operation, ResourceType type, String name) {
        actions.add(new Action(operation, new ResourcePattern(type, name, PatternType.LITERAL)));
    }
}
