package io.tributary.broker.api;

import io.tributary.broker.network.RequestProcessor;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.resource.ResourceType;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The answers Kafka gives per resource: the resources of a request the principal may not use are
 * taken out of the request before its handler runs, and answered with the authorization error in
 * the response the handler builds for the others. A denied topic gets
 * {@code TOPIC_AUTHORIZATION_FAILED} (whether it exists or not: a denial never says whether a
 * topic exists), a denied group {@code GROUP_AUTHORIZATION_FAILED}, a denied transactional id
 * {@code TRANSACTIONAL_ID_AUTHORIZATION_FAILED}, a denied broker config
 * {@code CLUSTER_AUTHORIZATION_FAILED}. Listings (Metadata for all topics, ListGroups,
 * ListTransactions, OffsetFetch for all topics) drop what the principal may not describe, and
 * the {@code authorized_operations} fields are filled when a request asks for them.
 *
 * <p>One instance per request: it narrows the request in place ({@link #narrow}) and returns what
 * completes the response. Not thread-safe; used by one request's thread.
 */
final class PartialAuthorization {
    /** The operations Kafka reports in {@code authorized_operations}, per resource type (its {@code AclEntry}). */
    private static final Set<AclOperation> TOPIC_OPERATIONS = EnumSet.of(AclOperation.READ, AclOperation.WRITE,
            AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.ALTER,
            AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS);
    private static final Set<AclOperation> GROUP_OPERATIONS = EnumSet.of(AclOperation.READ, AclOperation.DESCRIBE,
            AclOperation.DELETE, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS);
    private static final Set<AclOperation> CLUSTER_OPERATIONS = EnumSet.of(AclOperation.CREATE,
            AclOperation.CLUSTER_ACTION, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS,
            AclOperation.IDEMPOTENT_WRITE, AclOperation.ALTER, AclOperation.DESCRIBE);

    /**
     * What authorization makes of a request: either an {@code answer} given without running the
     * handler (when Kafka refuses the request as a whole but reports it per resource), or what
     * {@code complete}s the handler's response.
     */
    record Outcome(ApiMessage answer, UnaryOperator<ApiMessage> complete) {
    }

    /** Answers whether the request's principal may do an operation on a resource named literally. */
    @FunctionalInterface
    interface Check {
        boolean allowed(AclOperation operation, ResourceType type, String name);
    }

    private final Check check;
    private final Function<Uuid, Optional<String>> topicNames;
    private final Predicate<String> topicExists;
    private final boolean autoCreateTopics;
    private final List<Consumer<ApiMessage>> completions = new ArrayList<>();
    private ApiMessage answer;

    PartialAuthorization(Check check, Function<Uuid, Optional<String>> topicNames,
                         Predicate<String> topicExists, boolean autoCreateTopics) {
        this.check = check;
        this.topicNames = topicNames;
        this.topicExists = topicExists;
        this.autoCreateTopics = autoCreateTopics;
    }

    /**
     * Takes what {@code request} may not touch out of it and returns what adds their answers (and
     * any authorized operations) to the handler's response; the identity when nothing was denied.
     * A response of null ({@code acks=0}) is left alone.
     */
    Outcome narrow(ApiKeys key, short version, ApiMessage request) {
        switch (key) {
            case PRODUCE -> produce((ProduceRequestData) request);
            case FETCH -> fetch((FetchRequestData) request);
            case LIST_OFFSETS -> listOffsets((ListOffsetsRequestData) request);
            case METADATA -> metadata((MetadataRequestData) request, version);
            case OFFSET_FOR_LEADER_EPOCH -> offsetForLeaderEpoch((OffsetForLeaderEpochRequestData) request);
            case CREATE_TOPICS -> createTopics((CreateTopicsRequestData) request, version);
            case DELETE_TOPICS -> deleteTopics((DeleteTopicsRequestData) request);
            case CREATE_PARTITIONS -> createPartitions((CreatePartitionsRequestData) request);
            case DELETE_RECORDS -> deleteRecords((DeleteRecordsRequestData) request);
            case DESCRIBE_CONFIGS -> describeConfigs((DescribeConfigsRequestData) request);
            case ALTER_CONFIGS -> alterConfigs((AlterConfigsRequestData) request);
            case INCREMENTAL_ALTER_CONFIGS -> incrementalAlterConfigs((IncrementalAlterConfigsRequestData) request);
            case OFFSET_COMMIT -> offsetCommit((OffsetCommitRequestData) request);
            case TXN_OFFSET_COMMIT -> txnOffsetCommit((TxnOffsetCommitRequestData) request);
            case OFFSET_FETCH -> offsetFetch((OffsetFetchRequestData) request);
            case OFFSET_DELETE -> offsetDelete((OffsetDeleteRequestData) request);
            case DESCRIBE_GROUPS -> describeGroups((DescribeGroupsRequestData) request);
            case DELETE_GROUPS -> deleteGroups((DeleteGroupsRequestData) request);
            case LIST_GROUPS -> listGroups();
            case FIND_COORDINATOR -> findCoordinator((FindCoordinatorRequestData) request);
            case DESCRIBE_PRODUCERS -> describeProducers((DescribeProducersRequestData) request);
            case DESCRIBE_TRANSACTIONS -> describeTransactions((DescribeTransactionsRequestData) request);
            case LIST_TRANSACTIONS -> listTransactions();
            case DESCRIBE_CLUSTER -> describeCluster((DescribeClusterRequestData) request);
            case ADD_PARTITIONS_TO_TXN -> {
                if (version <= 3) addPartitionsToTxn((AddPartitionsToTxnRequestData) request);
            }
            default -> {
                // nothing is answered per resource
            }
        }
        if (answer != null) return new Outcome(answer, UnaryOperator.identity());
        if (completions.isEmpty()) return new Outcome(null, UnaryOperator.identity());
        return new Outcome(null, response -> {
            if (response != null) for (Consumer<ApiMessage> c : completions) c.accept(response);
            return response;
        });
    }

    @SuppressWarnings("unchecked")
    private <R extends ApiMessage> void then(Class<R> type, Consumer<R> completion) {
        completions.add(response -> completion.accept((R) response));
    }

    private boolean topicAllowed(AclOperation operation, String name) {
        return check.allowed(operation, ResourceType.TOPIC, name);
    }

    /** The name of a topic named by name or id; null for an id no topic has (the handler answers UNKNOWN_TOPIC_ID). */
    private String topicName(String name, Uuid id) {
        if (name != null && !name.isEmpty()) return name;
        if (id == null || Uuid.ZERO_UUID.equals(id)) return name;
        return topicNames.apply(id).orElse(null);
    }

    /** Whether the topic is denied {@code operation}; unresolvable ids are never denied here. */
    private boolean topicDenied(AclOperation operation, String name, Uuid id) {
        String resolved = topicName(name, id);
        return resolved != null && !topicAllowed(operation, resolved);
    }

    private static short taf() {
        return Errors.TOPIC_AUTHORIZATION_FAILED.code();
    }

    private int bits(Set<AclOperation> operations, ResourceType type, String name) {
        int bits = 0;
        for (AclOperation op : operations) if (check.allowed(op, type, name)) bits |= 1 << op.code();
        return bits;
    }

    // ------------------------------------------------------------------ topic APIs

    private void produce(ProduceRequestData r) {
        List<ProduceRequestData.TopicProduceData> denied = new ArrayList<>();
        for (ProduceRequestData.TopicProduceData t : r.topicData()) {
            if (topicDenied(AclOperation.WRITE, t.name(), t.topicId())) denied.add(t);
        }
        if (denied.isEmpty()) return;
        if (r.acks() == 0) {
            throw new RequestProcessor.ConnectionCloseException(
                    "not authorized to write to " + denied.size() + " topic(s) of an acks=0 produce");
        }
        denied.forEach(r.topicData()::remove);
        then(ProduceResponseData.class, response -> {
            for (ProduceRequestData.TopicProduceData t : denied) {
                ProduceResponseData.TopicProduceResponse tr = new ProduceResponseData.TopicProduceResponse()
                        .setName(t.name()).setTopicId(t.topicId());
                for (ProduceRequestData.PartitionProduceData p : t.partitionData()) {
                    tr.partitionResponses().add(new ProduceResponseData.PartitionProduceResponse().setIndex(p.index())
                            .setErrorCode(taf()).setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1));
                }
                response.responses().add(tr);
            }
        });
    }

    private void fetch(FetchRequestData r) {
        if (Math.max(r.replicaId(), r.replicaState().replicaId()) >= 0) return; // a follower: a cluster action
        List<FetchRequestData.FetchTopic> denied = new ArrayList<>();
        for (FetchRequestData.FetchTopic t : r.topics()) {
            if (topicDenied(AclOperation.READ, t.topic(), t.topicId())) denied.add(t);
        }
        if (denied.isEmpty()) return;
        r.topics().removeAll(denied);
        if (r.topics().isEmpty()) r.setMaxWaitMs(0); // nothing to wait for: answer at once, as Kafka does
        then(FetchResponseData.class, response -> {
            for (FetchRequestData.FetchTopic t : denied) {
                FetchResponseData.FetchableTopicResponse tr = new FetchResponseData.FetchableTopicResponse()
                        .setTopic(t.topic()).setTopicId(t.topicId());
                for (FetchRequestData.FetchPartition p : t.partitions()) {
                    tr.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(p.partition())
                            .setErrorCode(taf()).setHighWatermark(-1).setLastStableOffset(-1).setLogStartOffset(-1)
                            .setRecords(MemoryRecords.EMPTY));
                }
                response.responses().add(tr);
            }
        });
    }

    private void listOffsets(ListOffsetsRequestData r) {
        List<ListOffsetsRequestData.ListOffsetsTopic> denied = new ArrayList<>();
        for (ListOffsetsRequestData.ListOffsetsTopic t : r.topics()) {
            if (topicDenied(AclOperation.DESCRIBE, t.name(), null)) denied.add(t);
        }
        if (denied.isEmpty()) return;
        r.topics().removeAll(denied);
        then(ListOffsetsResponseData.class, response -> {
            for (ListOffsetsRequestData.ListOffsetsTopic t : denied) {
                ListOffsetsResponseData.ListOffsetsTopicResponse tr = new ListOffsetsResponseData.ListOffsetsTopicResponse()
                        .setName(t.name());
                for (ListOffsetsRequestData.ListOffsetsPartition p : t.partitions()) {
                    tr.partitions().add(new ListOffsetsResponseData.ListOffsetsPartitionResponse()
                            .setPartitionIndex(p.partitionIndex()).setErrorCode(taf()).setTimestamp(-1).setOffset(-1));
                }
                response.topics().add(tr);
            }
        });
    }

    /**
     * Metadata: all topics lists only those the principal may describe; a named topic it may not
     * describe is {@code TOPIC_AUTHORIZATION_FAILED}, and so is one it may describe but that does
     * not exist when it could be auto-created but the principal may not create it (CREATE on the
     * cluster or the topic).
     */
    private void metadata(MetadataRequestData r, short version) {
        if (r.topics() == null || (version == 0 && r.topics().isEmpty())) { // all topics (an empty v0 list too)
            then(MetadataResponseData.class, response -> response.topics().removeIf(t ->
                    t.name() != null && !topicAllowed(AclOperation.DESCRIBE, t.name())));
        } else {
            List<MetadataRequestData.MetadataRequestTopic> denied = new ArrayList<>();
            boolean mayCreate = autoCreateTopics && r.allowAutoTopicCreation();
            for (MetadataRequestData.MetadataRequestTopic t : r.topics()) {
                String name = topicName(t.name(), t.topicId());
                if (name == null) continue;
                if (!topicAllowed(AclOperation.DESCRIBE, name)) {
                    denied.add(t);
                } else if (mayCreate && !topicExists.test(name)
                        && !check.allowed(AclOperation.CREATE, ResourceType.CLUSTER, RequestActions.CLUSTER.name())
                        && !topicAllowed(AclOperation.CREATE, name)) {
                    denied.add(t);
                }
            }
            if (!denied.isEmpty()) {
                r.topics().removeAll(denied);
                then(MetadataResponseData.class, response -> {
                    for (MetadataRequestData.MetadataRequestTopic t : denied) {
                        response.topics().add(new MetadataResponseData.MetadataResponseTopic().setName(t.name())
                                .setTopicId(t.topicId() == null ? Uuid.ZERO_UUID : t.topicId())
                                .setErrorCode(taf()).setIsInternal(false));
                    }
                });
            }
        }
        if (version >= 8 && r.includeTopicAuthorizedOperations()) {
            then(MetadataResponseData.class, response -> {
                for (MetadataResponseData.MetadataResponseTopic t : response.topics()) {
                    if (t.errorCode() != taf() && t.name() != null) {
                        t.setTopicAuthorizedOperations(bits(TOPIC_OPERATIONS, ResourceType.TOPIC, t.name()));
                    }
                }
            });
        }
        if (version >= 8 && version <= 10 && r.includeClusterAuthorizedOperations()) {
            then(MetadataResponseData.class, response -> response.setClusterAuthorizedOperations(clusterBits()));
        }
    }

    private void offsetForLeaderEpoch(OffsetForLeaderEpochRequestData r) {
        if (r.replicaId() >= 0) return; // a follower: a cluster action
        List<OffsetForLeaderEpochRequestData.OffsetForLeaderTopic> denied = new ArrayList<>();
        for (OffsetForLeaderEpochRequestData.OffsetForLeaderTopic t : r.topics()) {
            if (topicDenied(AclOperation.DESCRIBE, t.topic(), null)) denied.add(t);
        }
        if (denied.isEmpty()) return;
        denied.forEach(r.topics()::remove);
        then(OffsetForLeaderEpochResponseData.class, response -> {
            for (OffsetForLeaderEpochRequestData.OffsetForLeaderTopic t : denied) {
                OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult tr =
                        new OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult().setTopic(t.topic());
                for (OffsetForLeaderEpochRequestData.OffsetForLeaderPartition p : t.partitions()) {
                    tr.partitions().add(new OffsetForLeaderEpochResponseData.EpochEndOffset().setPartition(p.partition())
                            .setErrorCode(taf()).setLeaderEpoch(-1).setEndOffset(-1));
                }
                response.topics().add(tr);
            }
        });
    }

    /**
     * CreateTopics: CREATE on the cluster allows every topic; otherwise each needs CREATE on
     * itself. A created topic's configs are answered only with DESCRIBE_CONFIGS on it (v5+),
     * otherwise its {@code topic_config_error_code} is {@code TOPIC_AUTHORIZATION_FAILED}.
     */
    private void createTopics(CreateTopicsRequestData r, short version) {
        if (version >= 5) {
            then(CreateTopicsResponseData.class, response -> {
                for (CreateTopicsResponseData.CreatableTopicResult t : response.topics()) {
                    if (t.errorCode() == Errors.NONE.code() && !topicAllowed(AclOperation.DESCRIBE_CONFIGS, t.name())) {
                        t.setTopicConfigErrorCode(taf());
                        t.setConfigs(null);
                    }
                }
            });
        }
        if (check.allowed(AclOperation.CREATE, ResourceType.CLUSTER, RequestActions.CLUSTER.name())) return;
        List<CreateTopicsRequestData.CreatableTopic> denied = new ArrayList<>();
        for (CreateTopicsRequestData.CreatableTopic t : r.topics()) {
            if (!topicAllowed(AclOperation.CREATE, t.name())) denied.add(t);
        }
        if (denied.isEmpty()) return;
        denied.forEach(r.topics()::remove);
        then(CreateTopicsResponseData.class, response -> {
            for (CreateTopicsRequestData.CreatableTopic t : denied) {
                response.topics().add(new CreateTopicsResponseData.CreatableTopicResult().setName(t.name())
                        .setErrorCode(taf()).setErrorMessage("Authorization failed."));
            }
        });
    }

    private void deleteTopics(DeleteTopicsRequestData r) {
        List<String> deniedNames = new ArrayList<>();
        for (String name : r.topicNames()) if (!topicAllowed(AclOperation.DELETE, name)) deniedNames.add(name);
        List<DeleteTopicsRequestData.DeleteTopicState> denied = new ArrayList<>();
        for (DeleteTopicsRequestData.DeleteTopicState t : r.topics()) {
            if (topicDenied(AclOperation.DELETE, t.name(), t.topicId())) denied.add(t);
        }
        if (deniedNames.isEmpty() && denied.isEmpty()) return;
        r.topicNames().removeAll(deniedNames);
        r.topics().removeAll(denied);
        then(DeleteTopicsResponseData.class, response -> {
            for (String name : deniedNames) {
                response.responses().add(new DeleteTopicsResponseData.DeletableTopicResult().setName(name)
                        .setErrorCode(taf()).setErrorMessage("Authorization failed."));
            }
            for (DeleteTopicsRequestData.DeleteTopicState t : denied) {
                response.responses().add(new DeleteTopicsResponseData.DeletableTopicResult().setName(t.name())
                        .setTopicId(t.topicId()).setErrorCode(taf()).setErrorMessage("Authorization failed."));
            }
        });
    }

    private void createPartitions(CreatePartitionsRequestData r) {
        List<CreatePartitionsRequestData.CreatePartitionsTopic> denied = new ArrayList<>();
        for (CreatePartitionsRequestData.CreatePartitionsTopic t : r.topics()) {
            if (!topicAllowed(AclOperation.ALTER, t.name())) denied.add(t);
        }
        if (denied.isEmpty()) return;
        denied.forEach(r.topics()::remove);
        then(CreatePartitionsResponseData.class, response -> {
            for (CreatePartitionsRequestData.CreatePartitionsTopic t : denied) {
                response.results().add(new CreatePartitionsResponseData.CreatePartitionsTopicResult().setName(t.name())
                        .setErrorCode(taf()).setErrorMessage("Authorization failed."));
            }
        });
    }

    private void deleteRecords(DeleteRecordsRequestData r) {
        List<DeleteRecordsRequestData.DeleteRecordsTopic> denied = new ArrayList<>();
        for (DeleteRecordsRequestData.DeleteRecordsTopic t : r.topics()) {
            if (!topicAllowed(AclOperation.DELETE, t.name())) denied.add(t);
        }
        if (denied.isEmpty()) return;
        r.topics().removeAll(denied);
        then(DeleteRecordsResponseData.class, response -> {
            for (DeleteRecordsRequestData.DeleteRecordsTopic t : denied) {
                DeleteRecordsResponseData.DeleteRecordsTopicResult tr = new DeleteRecordsResponseData.DeleteRecordsTopicResult()
                        .setName(t.name());
                for (DeleteRecordsRequestData.DeleteRecordsPartition p : t.partitions()) {
                    tr.partitions().add(new DeleteRecordsResponseData.DeleteRecordsPartitionResult()
                            .setPartitionIndex(p.partitionIndex()).setLowWatermark(-1).setErrorCode(taf()));
                }
                response.topics().add(tr);
            }
        });
    }

    // ------------------------------------------------------------------ configs

    /** The error of a config resource the principal may not use {@code operation} on; NONE when it may. */
    private Errors configDenial(AclOperation operation, byte resourceType, String name) {
        ConfigResource.Type type = ConfigResource.Type.forId(resourceType);
        return switch (type) {
            case TOPIC -> topicAllowed(operation, name) ? Errors.NONE : Errors.TOPIC_AUTHORIZATION_FAILED;
            case GROUP -> check.allowed(operation, ResourceType.GROUP, name) ? Errors.NONE : Errors.GROUP_AUTHORIZATION_FAILED;
            default -> check.allowed(operation, ResourceType.CLUSTER, RequestActions.CLUSTER.name())
                    ? Errors.NONE : Errors.CLUSTER_AUTHORIZATION_FAILED; // BROKER, BROKER_LOGGER, CLIENT_METRICS
        };
    }

    private record DeniedConfig(byte type, String name, Errors error) {
    }

    /**
     * Takes the config resources {@code operation} is denied on out of {@code resources} and returns
     * what to answer for each (the three config APIs share this; their generated types share nothing).
     */
    private <T> List<DeniedConfig> denyConfigs(java.util.Collection<T> resources, AclOperation operation,
                                               java.util.function.ToIntFunction<T> type, Function<T, String> name) {
        List<T> denied = new ArrayList<>();
        List<DeniedConfig> answers = new ArrayList<>();
        for (T c : resources) {
            byte t = (byte) type.applyAsInt(c);
            Errors e = configDenial(operation, t, name.apply(c));
            if (e != Errors.NONE) {
                denied.add(c);
                answers.add(new DeniedConfig(t, name.apply(c), e));
            }
        }
        denied.forEach(resources::remove);
        return answers;
    }

    private void describeConfigs(DescribeConfigsRequestData r) {
        List<DeniedConfig> answers = denyConfigs(r.resources(), AclOperation.DESCRIBE_CONFIGS,
                DescribeConfigsRequestData.DescribeConfigsResource::resourceType,
                DescribeConfigsRequestData.DescribeConfigsResource::resourceName);
        if (answers.isEmpty()) return;
        then(DescribeConfigsResponseData.class, response -> {
            for (DeniedConfig d : answers) {
                response.results().add(new DescribeConfigsResponseData.DescribeConfigsResult().setErrorCode(d.error().code())
                        .setErrorMessage(d.error().message()).setResourceType(d.type()).setResourceName(d.name()));
            }
        });
    }

    private void alterConfigs(AlterConfigsRequestData r) {
        List<DeniedConfig> answers = denyConfigs(r.resources(), AclOperation.ALTER_CONFIGS,
                AlterConfigsRequestData.AlterConfigsResource::resourceType,
                AlterConfigsRequestData.AlterConfigsResource::resourceName);
        if (answers.isEmpty()) return;
        then(AlterConfigsResponseData.class, response -> {
            for (DeniedConfig d : answers) {
                response.responses().add(new AlterConfigsResponseData.AlterConfigsResourceResponse()
                        .setErrorCode(d.error().code()).setErrorMessage(d.error().message())
                        .setResourceType(d.type()).setResourceName(d.name()));
            }
        });
    }

    private void incrementalAlterConfigs(IncrementalAlterConfigsRequestData r) {
        List<DeniedConfig> answers = denyConfigs(r.resources(), AclOperation.ALTER_CONFIGS,
                IncrementalAlterConfigsRequestData.AlterConfigsResource::resourceType,
                IncrementalAlterConfigsRequestData.AlterConfigsResource::resourceName);
        if (answers.isEmpty()) return;
        then(IncrementalAlterConfigsResponseData.class, response -> {
            for (DeniedConfig d : answers) {
                response.responses().add(new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse()
                        .setErrorCode(d.error().code()).setErrorMessage(d.error().message())
                        .setResourceType(d.type()).setResourceName(d.name()));
            }
        });
    }

    // ------------------------------------------------------------------ groups and offsets

    private void offsetCommit(OffsetCommitRequestData r) {
        List<OffsetCommitRequestData.OffsetCommitRequestTopic> denied = new ArrayList<>();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic t : r.topics()) {
            if (topicDenied(AclOperation.READ, t.name(), t.topicId())) denied.add(t);
        }
        if (denied.isEmpty()) return;
        r.topics().removeAll(denied);
        then(OffsetCommitResponseData.class, response -> {
            for (OffsetCommitRequestData.OffsetCommitRequestTopic t : denied) {
                OffsetCommitResponseData.OffsetCommitResponseTopic tr = new OffsetCommitResponseData.OffsetCommitResponseTopic()
                        .setName(t.name()).setTopicId(t.topicId());
                for (OffsetCommitRequestData.OffsetCommitRequestPartition p : t.partitions()) {
                    tr.partitions().add(new OffsetCommitResponseData.OffsetCommitResponsePartition()
                            .setPartitionIndex(p.partitionIndex()).setErrorCode(taf()));
                }
                response.topics().add(tr);
            }
        });
    }

    private void txnOffsetCommit(TxnOffsetCommitRequestData r) {
        List<TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic> denied = new ArrayList<>();
        for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic t : r.topics()) {
            if (!topicAllowed(AclOperation.READ, t.name())) denied.add(t);
        }
        if (denied.isEmpty()) return;
        r.topics().removeAll(denied);
        then(TxnOffsetCommitResponseData.class, response -> {
            for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic t : denied) {
                TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic tr =
                        new TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic().setName(t.name());
                for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition p : t.partitions()) {
                    tr.partitions().add(new TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition()
                            .setPartitionIndex(p.partitionIndex()).setErrorCode(taf()));
                }
                response.topics().add(tr);
            }
        });
    }

    /**
     * OffsetFetch: a group the principal may not describe is {@code GROUP_AUTHORIZATION_FAILED}
     * (the whole request before v8, checked as a request-level action); a named topic it may not
     * describe is {@code TOPIC_AUTHORIZATION_FAILED} on each partition; all topics lists only
     * those it may describe.
     */
    private void offsetFetch(OffsetFetchRequestData r) {
        if (r.groups().isEmpty()) {
            if (r.topics() == null) {
                then(OffsetFetchResponseData.class, response -> response.topics().removeIf(t ->
                        !topicAllowed(AclOperation.DESCRIBE, t.name())));
                return;
            }
            List<OffsetFetchRequestData.OffsetFetchRequestTopic> denied = new ArrayList<>();
            for (OffsetFetchRequestData.OffsetFetchRequestTopic t : r.topics()) {
                if (!topicAllowed(AclOperation.DESCRIBE, t.name())) denied.add(t);
            }
            if (denied.isEmpty()) return;
            r.topics().removeAll(denied);
            then(OffsetFetchResponseData.class, response -> {
                for (OffsetFetchRequestData.OffsetFetchRequestTopic t : denied) {
                    OffsetFetchResponseData.OffsetFetchResponseTopic tr = new OffsetFetchResponseData.OffsetFetchResponseTopic()
                            .setName(t.name());
                    for (int p : t.partitionIndexes()) {
                        tr.partitions().add(new OffsetFetchResponseData.OffsetFetchResponsePartition().setPartitionIndex(p)
                                .setCommittedOffset(-1).setMetadata("").setErrorCode(taf()));
                    }
                    response.topics().add(tr);
                }
            });
            return;
        }
        List<OffsetFetchRequestData.OffsetFetchRequestGroup> deniedGroups = new ArrayList<>();
        Map<String, List<OffsetFetchRequestData.OffsetFetchRequestTopics>> deniedTopics = new HashMap<>();
        for (OffsetFetchRequestData.OffsetFetchRequestGroup g : r.groups()) {
            if (!check.allowed(AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId())) {
                deniedGroups.add(g);
            } else if (g.topics() != null) {
                List<OffsetFetchRequestData.OffsetFetchRequestTopics> denied = new ArrayList<>();
                for (OffsetFetchRequestData.OffsetFetchRequestTopics t : g.topics()) {
                    if (topicDenied(AclOperation.DESCRIBE, t.name(), t.topicId())) denied.add(t);
                }
                if (!denied.isEmpty()) {
                    g.topics().removeAll(denied);
                    deniedTopics.put(g.groupId(), denied);
                }
            }
        }
        r.groups().removeAll(deniedGroups);
        then(OffsetFetchResponseData.class, response -> {
            for (OffsetFetchResponseData.OffsetFetchResponseGroup g : response.groups()) {
                for (OffsetFetchRequestData.OffsetFetchRequestTopics t : deniedTopics.getOrDefault(g.groupId(), List.of())) {
                    OffsetFetchResponseData.OffsetFetchResponseTopics tr = new OffsetFetchResponseData.OffsetFetchResponseTopics()
                            .setName(t.name()).setTopicId(t.topicId());
                    for (int p : t.partitionIndexes()) {
                        tr.partitions().add(new OffsetFetchResponseData.OffsetFetchResponsePartitions().setPartitionIndex(p)
                                .setCommittedOffset(-1).setMetadata("").setErrorCode(taf()));
                    }
                    g.topics().add(tr);
                }
                if (!deniedTopics.containsKey(g.groupId())) {
                    g.topics().removeIf(t -> t.name() != null && !t.name().isEmpty()
                            && !topicAllowed(AclOperation.DESCRIBE, t.name()));
                }
            }
            for (OffsetFetchRequestData.OffsetFetchRequestGroup g : deniedGroups) {
                response.groups().add(new OffsetFetchResponseData.OffsetFetchResponseGroup().setGroupId(g.groupId())
                        .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()));
            }
        });
    }

    private void offsetDelete(OffsetDeleteRequestData r) {
        List<OffsetDeleteRequestData.OffsetDeleteRequestTopic> denied = new ArrayList<>();
        for (OffsetDeleteRequestData.OffsetDeleteRequestTopic t : r.topics()) {
            if (!topicAllowed(AclOperation.READ, t.name())) denied.add(t);
        }
        if (denied.isEmpty()) return;
        denied.forEach(r.topics()::remove);
        then(OffsetDeleteResponseData.class, response -> {
            for (OffsetDeleteRequestData.OffsetDeleteRequestTopic t : denied) {
                OffsetDeleteResponseData.OffsetDeleteResponseTopic tr = new OffsetDeleteResponseData.OffsetDeleteResponseTopic()
                        .setName(t.name());
                for (OffsetDeleteRequestData.OffsetDeleteRequestPartition p : t.partitions()) {
                    tr.partitions().add(new OffsetDeleteResponseData.OffsetDeleteResponsePartition()
                            .setPartitionIndex(p.partitionIndex()).setErrorCode(taf()));
                }
                response.topics().add(tr);
            }
        });
    }

    private void describeGroups(DescribeGroupsRequestData r) {
        List<String> denied = new ArrayList<>();
        for (String g : r.groups()) if (!check.allowed(AclOperation.DESCRIBE, ResourceType.GROUP, g)) denied.add(g);
        r.groups().removeAll(denied);
        boolean operations = r.includeAuthorizedOperations();
        if (denied.isEmpty() && !operations) return;
        then(DescribeGroupsResponseData.class, response -> {
            if (operations) {
                for (DescribeGroupsResponseData.DescribedGroup g : response.groups()) {
                    g.setAuthorizedOperations(bits(GROUP_OPERATIONS, ResourceType.GROUP, g.groupId()));
                }
            }
            for (String g : denied) {
                response.groups().add(new DescribeGroupsResponseData.DescribedGroup().setGroupId(g)
                        .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()).setGroupState("").setProtocolType("")
                        .setProtocolData(""));
            }
        });
    }

    private void deleteGroups(DeleteGroupsRequestData r) {
        List<String> denied = new ArrayList<>();
        for (String g : r.groupsNames()) if (!check.allowed(AclOperation.DELETE, ResourceType.GROUP, g)) denied.add(g);
        if (denied.isEmpty()) return;
        r.groupsNames().removeAll(denied);
        then(DeleteGroupsResponseData.class, response -> {
            for (String g : denied) {
                response.results().add(new DeleteGroupsResponseData.DeletableGroupResult().setGroupId(g)
                        .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()));
            }
        });
    }

    /** ListGroups: every group with DESCRIBE on the cluster, otherwise those the principal may describe. */
    private void listGroups() {
        if (check.allowed(AclOperation.DESCRIBE, ResourceType.CLUSTER, RequestActions.CLUSTER.name())) return;
        then(ListGroupsResponseData.class, response -> response.groups().removeIf(g ->
                !check.allowed(AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId())));
    }

    /** FindCoordinator v4+ (batched keys): a key the principal may not describe gets its authorization error. */
    private void findCoordinator(FindCoordinatorRequestData r) {
        if (r.coordinatorKeys().isEmpty()) return;
        boolean transaction = r.keyType() == FindCoordinatorRequest.CoordinatorType.TRANSACTION.id();
        ResourceType type = transaction ? ResourceType.TRANSACTIONAL_ID : ResourceType.GROUP;
        Errors error = transaction ? Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED : Errors.GROUP_AUTHORIZATION_FAILED;
        List<String> denied = new ArrayList<>();
        for (String k : r.coordinatorKeys()) if (!check.allowed(AclOperation.DESCRIBE, type, k)) denied.add(k);
        if (denied.isEmpty()) return;
        r.coordinatorKeys().removeAll(denied);
        then(FindCoordinatorResponseData.class, response -> {
            for (String k : denied) {
                response.coordinators().add(new FindCoordinatorResponseData.Coordinator().setKey(k).setNodeId(-1)
                        .setHost("").setPort(-1).setErrorCode(error.code()).setErrorMessage(error.message()));
            }
        });
    }

    // ------------------------------------------------------------------ transactions, cluster

    /**
     * AddPartitionsToTxn from a producer (v0–3): when any topic lacks WRITE, nothing is added, as in
     * Kafka: the denied topics' partitions get {@code TOPIC_AUTHORIZATION_FAILED}, the others
     * {@code OPERATION_NOT_ATTEMPTED}.
     */
    private void addPartitionsToTxn(AddPartitionsToTxnRequestData r) {
        boolean anyDenied = false;
        for (AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic t : r.v3AndBelowTopics()) {
            if (!topicAllowed(AclOperation.WRITE, t.name())) anyDenied = true;
        }
        if (!anyDenied) return;
        AddPartitionsToTxnResponseData response = new AddPartitionsToTxnResponseData();
        for (AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic t : r.v3AndBelowTopics()) {
            short code = topicAllowed(AclOperation.WRITE, t.name()) ? Errors.OPERATION_NOT_ATTEMPTED.code() : taf();
            AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult tr =
                    new AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult().setName(t.name());
            for (int p : t.partitions()) {
                tr.resultsByPartition().add(new AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult()
                        .setPartitionIndex(p).setPartitionErrorCode(code));
            }
            response.resultsByTopicV3AndBelow().add(tr);
        }
        answer = response;
    }

    private void describeProducers(DescribeProducersRequestData r) {
        List<DescribeProducersRequestData.TopicRequest> denied = new ArrayList<>();
        for (DescribeProducersRequestData.TopicRequest t : r.topics()) {
            if (!topicAllowed(AclOperation.READ, t.name())) denied.add(t);
        }
        if (denied.isEmpty()) return;
        r.topics().removeAll(denied);
        then(DescribeProducersResponseData.class, response -> {
            for (DescribeProducersRequestData.TopicRequest t : denied) {
                DescribeProducersResponseData.TopicResponse tr = new DescribeProducersResponseData.TopicResponse().setName(t.name());
                for (int p : t.partitionIndexes()) {
                    tr.partitions().add(new DescribeProducersResponseData.PartitionResponse().setPartitionIndex(p)
                            .setErrorCode(taf()));
                }
                response.topics().add(tr);
            }
        });
    }

    private void describeTransactions(DescribeTransactionsRequestData r) {
        List<String> denied = new ArrayList<>();
        for (String id : r.transactionalIds()) {
            if (!check.allowed(AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, id)) denied.add(id);
        }
        r.transactionalIds().removeAll(denied);
        then(DescribeTransactionsResponseData.class, response -> {
            for (DescribeTransactionsResponseData.TransactionState s : response.transactionStates()) {
                s.topics().removeIf(t -> !topicAllowed(AclOperation.DESCRIBE, t.topic()));
            }
            for (String id : denied) {
                response.transactionStates().add(new DescribeTransactionsResponseData.TransactionState()
                        .setTransactionalId(id).setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code())
                        .setTransactionState("").setTransactionTimeoutMs(-1).setTransactionStartTimeMs(-1)
                        .setProducerId(-1).setProducerEpoch((short) -1));
            }
        });
    }

    private void listTransactions() {
        then(ListTransactionsResponseData.class, response -> response.transactionStates().removeIf(s ->
                !check.allowed(AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, s.transactionalId())));
    }

    private void describeCluster(DescribeClusterRequestData r) {
        if (!r.includeClusterAuthorizedOperations()) return;
        then(DescribeClusterResponseData.class, response -> response.setClusterAuthorizedOperations(clusterBits()));
    }

    /** The cluster's authorized operations, none without DESCRIBE on it (as Kafka reports them). */
    private int clusterBits() {
        if (!check.allowed(AclOperation.DESCRIBE, ResourceType.CLUSTER, RequestActions.CLUSTER.name())) return 0;
        return bits(CLUSTER_OPERATIONS, ResourceType.CLUSTER, RequestActions.CLUSTER.name());
    }
}
