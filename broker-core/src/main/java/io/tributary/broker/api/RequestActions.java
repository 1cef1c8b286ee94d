package io.tributary.broker.api;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.Resource;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * What a request asks to do, as the operations and resources Kafka's ACLs check for it
 * (Kafka's "operations and resources on protocols" table): Produce writes its topics, Fetch reads
 * them (a follower's fetch is a cluster action), CreateTopics creates topics, the group APIs read
 * or describe their groups, the config APIs describe or alter topics or the cluster, and so on.
 * Topics named by id are named by their resolved name. ApiVersions, ListGroups and Metadata for all
 * topics name no resource (Kafka filters those answers instead of failing them). Stateless.
 */
final class RequestActions {
    /** One operation on one resource. */
    record Action(AclOperation operation, ResourcePattern resource) {
    }

    private static final ResourcePattern CLUSTER = new ResourcePattern(ResourceType.CLUSTER, Resource.CLUSTER_NAME,
            PatternType.LITERAL);

    private final Function<Uuid, Optional<String>> topicNames;
    private final List<Action> actions = new ArrayList<>();

    private RequestActions(Function<Uuid, Optional<String>> topicNames) {
        this.topicNames = topicNames;
    }

    /** The actions of {@code request}, an {@code key} request; {@code topicNames} resolves topic ids. */
    static List<Action> of(ApiKeys key, ApiMessage request, Function<Uuid, Optional<String>> topicNames) {
        RequestActions a = new RequestActions(topicNames);
        a.collect(key, request);
        return a.actions;
    }

    private void collect(ApiKeys key, ApiMessage request) {
        switch (key) {
            case PRODUCE -> ((ProduceRequestData) request).topicData().forEach(t -> topic(AclOperation.WRITE, t.name(), t.topicId()));
            case FETCH -> {
                FetchRequestData r = (FetchRequestData) request;
                if (Math.max(r.replicaId(), r.replicaState().replicaId()) >= 0) cluster(AclOperation.CLUSTER_ACTION);
                else r.topics().forEach(t -> topic(AclOperation.READ, t.topic(), t.topicId()));
            }
            case LIST_OFFSETS -> ((ListOffsetsRequestData) request).topics().forEach(t -> topic(AclOperation.DESCRIBE, t.name(), null));
            case METADATA -> {
                MetadataRequestData r = (MetadataRequestData) request;
                if (r.topics() != null) r.topics().forEach(t -> topic(AclOperation.DESCRIBE, t.name(), t.topicId()));
            }
            case OFFSET_FOR_LEADER_EPOCH -> {
                OffsetForLeaderEpochRequestData r = (OffsetForLeaderEpochRequestData) request;
                if (r.replicaId() >= 0) cluster(AclOperation.CLUSTER_ACTION);
                else r.topics().forEach(t -> topic(AclOperation.DESCRIBE, t.topic(), null));
            }
            case CREATE_TOPICS -> ((CreateTopicsRequestData) request).topics().forEach(t -> topic(AclOperation.CREATE, t.name(), null));
            case DELETE_TOPICS -> {
                DeleteTopicsRequestData r = (DeleteTopicsRequestData) request;
                r.topicNames().forEach(name -> topic(AclOperation.DELETE, name, null));
                r.topics().forEach(t -> topic(AclOperation.DELETE, t.name(), t.topicId()));
            }
            case CREATE_PARTITIONS -> ((CreatePartitionsRequestData) request).topics().forEach(t -> topic(AclOperation.ALTER, t.name(), null));
            case DELETE_RECORDS -> ((DeleteRecordsRequestData) request).topics().forEach(t -> topic(AclOperation.DELETE, t.name(), null));
            case INIT_PRODUCER_ID -> {
                String transactionalId = ((InitProducerIdRequestData) request).transactionalId();
                if (transactionalId == null) cluster(AclOperation.IDEMPOTENT_WRITE);
                else add(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, transactionalId);
            }
            case DESCRIBE_CONFIGS -> ((DescribeConfigsRequestData) request).resources()
                    .forEach(r -> config(AclOperation.DESCRIBE_CONFIGS, r.resourceType(), r.resourceName()));
            case ALTER_CONFIGS -> ((AlterConfigsRequestData) request).resources()
                    .forEach(r -> config(AclOperation.ALTER_CONFIGS, r.resourceType(), r.resourceName()));
            case INCREMENTAL_ALTER_CONFIGS -> ((IncrementalAlterConfigsRequestData) request).resources()
                    .forEach(r -> config(AclOperation.ALTER_CONFIGS, r.resourceType(), r.resourceName()));
            case DESCRIBE_CLUSTER -> cluster(AclOperation.DESCRIBE);
            case FIND_COORDINATOR -> {
                FindCoordinatorRequestData r = (FindCoordinatorRequestData) request;
                ResourceType type = r.keyType() == FindCoordinatorRequest.CoordinatorType.TRANSACTION.id()
                        ? ResourceType.TRANSACTIONAL_ID : ResourceType.GROUP;
                if (r.coordinatorKeys().isEmpty()) add(AclOperation.DESCRIBE, type, r.key());
                else r.coordinatorKeys().forEach(k -> add(AclOperation.DESCRIBE, type, k));
            }
            case JOIN_GROUP -> group(AclOperation.READ, ((JoinGroupRequestData) request).groupId());
            case SYNC_GROUP -> group(AclOperation.READ, ((SyncGroupRequestData) request).groupId());
            case HEARTBEAT -> group(AclOperation.READ, ((HeartbeatRequestData) request).groupId());
            case LEAVE_GROUP -> group(AclOperation.READ, ((LeaveGroupRequestData) request).groupId());
            case OFFSET_COMMIT -> {
                OffsetCommitRequestData r = (OffsetCommitRequestData) request;
                group(AclOperation.READ, r.groupId());
                r.topics().forEach(t -> topic(AclOperation.READ, t.name(), t.topicId()));
            }
            case OFFSET_FETCH -> {
                OffsetFetchRequestData r = (OffsetFetchRequestData) request;
                if (r.groups().isEmpty()) {
                    group(AclOperation.DESCRIBE, r.groupId());
                    if (r.topics() != null) r.topics().forEach(t -> topic(AclOperation.DESCRIBE, t.name(), null));
                }
                for (OffsetFetchRequestData.OffsetFetchRequestGroup g : r.groups()) {
                    group(AclOperation.DESCRIBE, g.groupId());
                    if (g.topics() != null) g.topics().forEach(t -> topic(AclOperation.DESCRIBE, t.name(), t.topicId()));
                }
            }
            case OFFSET_DELETE -> {
                OffsetDeleteRequestData r = (OffsetDeleteRequestData) request;
                group(AclOperation.DELETE, r.groupId());
                r.topics().forEach(t -> topic(AclOperation.READ, t.name(), null));
            }
            case DESCRIBE_GROUPS -> ((DescribeGroupsRequestData) request).groups().forEach(g -> group(AclOperation.DESCRIBE, g));
            case DELETE_GROUPS -> ((DeleteGroupsRequestData) request).groupsNames().forEach(g -> group(AclOperation.DELETE, g));
            case ALTER_USER_SCRAM_CREDENTIALS -> cluster(AclOperation.ALTER);
            case DESCRIBE_USER_SCRAM_CREDENTIALS -> cluster(AclOperation.DESCRIBE);
            case DESCRIBE_CLIENT_QUOTAS -> cluster(AclOperation.DESCRIBE_CONFIGS);
            default -> {
                // ApiVersions and ListGroups: nothing to check (ListGroups is filtered by Kafka, not refused).
            }
        }
    }

    private void topic(AclOperation operation, String name, Uuid id) {
        String resolved = name;
        if ((resolved == null || resolved.isEmpty()) && id != null && !Uuid.ZERO_UUID.equals(id)) {
            resolved = topicNames.apply(id).orElse(id.toString());
        }
        if (resolved != null && !resolved.isEmpty()) add(operation, ResourceType.TOPIC, resolved);
    }

    private void group(AclOperation operation, String groupId) {
        add(operation, ResourceType.GROUP, groupId == null ? "" : groupId);
    }

    private void config(AclOperation operation, byte resourceType, String name) {
        ConfigResource.Type type = ConfigResource.Type.forId(resourceType);
        switch (type) {
            case TOPIC -> topic(operation, name, null);
            case GROUP -> group(operation, name);
            default -> cluster(operation); // BROKER, BROKER_LOGGER, CLIENT_METRICS: Kafka checks the cluster
        }
    }

    private void cluster(AclOperation operation) {
        actions.add(new Action(operation, CLUSTER));
    }

    private void add(AclOperation operation, ResourceType type, String name) {
        actions.add(new Action(operation, new ResourcePattern(type, name, PatternType.LITERAL)));
    }
}
