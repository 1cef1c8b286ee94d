package io.tributary.broker.http;

import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.ListOffsetsRequest;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Consumer groups: {@code /v3/clusters/{c}/consumer-groups[/{group}[/consumers[/{consumer}]]]} from
 * ListGroups and DescribeGroups, and their lag, {@code …/{group}/lags[/{topic}/partitions/{p}]} and
 * {@code …/{group}/lag-summary}: for every partition with a committed offset (OffsetFetch) the log
 * end offset (ListOffsets, latest) minus the committed offset, with the member the partition is
 * assigned to (its consumer, instance and client id; empty when none is). A group the coordinator
 * does not know ({@code Dead}) is a 404. In a cluster any node answers: the requests a group's
 * coordinator or a partition's leader must answer go on to it ({@link KafkaCalls#callOn}).
 */
final class ConsumerGroupsResource {
    static final int LIST_GROUPS_VERSION = 4;
    static final int DESCRIBE_GROUPS_VERSION = 5;
    static final int FIND_COORDINATOR_VERSION = 4;
    static final int OFFSET_FETCH_VERSION = 8;
    static final int LIST_OFFSETS_VERSION = 7;

    private final KafkaCalls calls;
    private final ClustersResource clusters;

    ConsumerGroupsResource(KafkaCalls calls, ClustersResource clusters) {
        this.calls = calls;
        this.clusters = clusters;
    }

    void addTo(Router router) {
        String groups = "/v3/clusters/{cluster_id}/consumer-groups";
        router.get(groups, this::list);
        router.get(groups + "/{consumer_group_id}", r -> HttpResponse.ok(group(r, describe(r))));
        router.get(groups + "/{consumer_group_id}/consumers", this::consumers);
        router.get(groups + "/{consumer_group_id}/consumers/{consumer_id}", this::consumer);
        router.get(groups + "/{consumer_group_id}/lags", this::lags);
        router.get(groups + "/{consumer_group_id}/lags/{topic_name}/partitions/{partition_id}", this::lag);
        router.get(groups + "/{consumer_group_id}/lag-summary", this::lagSummary);
    }

    /**
     * Every consumer group of the cluster: each broker lists the groups it coordinates (ListGroups
     * to every live broker, as the Admin client does), and each group is described through this node,
     * which leaves out the groups the principal may not describe.
     */
    private HttpResponse list(HttpRequest r) {
        String cluster = clusters.requireCluster(r);
        java.util.SortedSet<String> consumer = new java.util.TreeSet<>();
        for (org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker b : clusters.metadata(r).brokers()) {
            ListGroupsResponseData groups = calls.callOn(r, b.nodeId(), new ListGroupsRequestData(), LIST_GROUPS_VERSION);
            KafkaCalls.check(groups.errorCode(), null);
            for (ListGroupsResponseData.ListedGroup g : groups.groups()) {
                if (g.protocolType().isEmpty() || g.protocolType().equals(ConsumerProtocol.PROTOCOL_TYPE)) consumer.add(g.groupId());
            }
        }
        List<Object> data = new ArrayList<>();
        for (String id : consumer) {
            DescribeGroupsResponseData.DescribedGroup g = describeGroup(r, id);
            if (g.errorCode() == Errors.NONE.code() && !g.groupState().equals("Dead")) data.add(group(r, g));
        }
        return HttpResponse.ok(V3.list("KafkaConsumerGroupList", V3.url(r, cluster, "consumer-groups"), data));
    }

    private DescribeGroupsResponseData.DescribedGroup describe(HttpRequest r) {
        clusters.requireCluster(r);
        String id = r.param("consumer_group_id");
        DescribeGroupsResponseData.DescribedGroup g = describeGroup(r, id);
        KafkaCalls.check(g.errorCode(), g.errorMessage());
        if (g.groupState().equals("Dead")) throw RestException.notFound("Consumer group " + id + " cannot be found.");
        return g;
    }

    /** DescribeGroups of {@code id}, sent on to its coordinator when that is another node. */
    private DescribeGroupsResponseData.DescribedGroup describeGroup(HttpRequest r, String id) {
        DescribeGroupsRequestData request = new DescribeGroupsRequestData();
        request.groups().add(id);
        return calls.<DescribeGroupsResponseData>callOrForward(r, request, DESCRIBE_GROUPS_VERSION, () -> coordinator(r, id))
                .groups().get(0);
    }

    private Map<String, Object> group(HttpRequest r, DescribeGroupsResponseData.DescribedGroup g) {
        String cluster = r.param("cluster_id");
        String self = V3.url(r, cluster, "consumer-groups", g.groupId());
        Map<String, Object> d = V3.resource("KafkaConsumerGroup", self, V3.crn(cluster, "consumer-group", g.groupId()));
        d.put("cluster_id", cluster);
        d.put("consumer_group_id", g.groupId());
        d.put("is_simple", g.protocolType().isEmpty());
        d.put("partition_assignor", g.protocolData());
        d.put("state", state(g.groupState()));
        int coordinator = coordinator(r, g.groupId());
        d.put("coordinator", coordinator < 0 ? null : V3.related(V3.url(r, cluster, "brokers", coordinator)));
        d.put("consumers", V3.related(self + "/consumers"));
        d.put("lag_summary", V3.related(self + "/lag-summary"));
        return d;
    }

    /** Kafka's group state names as the Admin client's {@code ConsumerGroupState} spells them ({@code STABLE}). */
    private static String state(String kafkaState) {
        return switch (kafkaState) {
            case "PreparingRebalance" -> "PREPARING_REBALANCE";
            case "CompletingRebalance" -> "COMPLETING_REBALANCE";
            case "Stable" -> "STABLE";
            case "Empty" -> "EMPTY";
            case "Dead" -> "DEAD";
            default -> "UNKNOWN";
        };
    }

    private int coordinator(HttpRequest r, String group) {
        FindCoordinatorRequestData request = new FindCoordinatorRequestData()
                .setKeyType(FindCoordinatorRequest.CoordinatorType.GROUP.id());
        request.coordinatorKeys().add(group);
        FindCoordinatorResponseData response = calls.call(r, request, FIND_COORDINATOR_VERSION);
        if (response.coordinators().isEmpty()) return -1;
        FindCoordinatorResponseData.Coordinator c = response.coordinators().get(0);
        return c.errorCode() == Errors.NONE.code() ? c.nodeId() : -1;
    }

    private HttpResponse consumers(HttpRequest r) {
        DescribeGroupsResponseData.DescribedGroup g = describe(r);
        List<Object> data = new ArrayList<>();
        for (DescribeGroupsResponseData.DescribedGroupMember m : g.members()) data.add(consumer(r, g, m));
        return HttpResponse.ok(V3.list("KafkaConsumerList", V3.url(r, r.param("cluster_id"), "consumer-groups",
                g.groupId(), "consumers"), data));
    }

    private HttpResponse consumer(HttpRequest r) {
        DescribeGroupsResponseData.DescribedGroup g = describe(r);
        String id = r.param("consumer_id");
        for (DescribeGroupsResponseData.DescribedGroupMember m : g.members()) {
            if (m.memberId().equals(id)) return HttpResponse.ok(consumer(r, g, m));
        }
        throw RestException.notFound("Consumer " + id + " cannot be found in consumer group " + g.groupId() + ".");
    }

    private Map<String, Object> consumer(HttpRequest r, DescribeGroupsResponseData.DescribedGroup g,
                                         DescribeGroupsResponseData.DescribedGroupMember m) {
        String cluster = r.param("cluster_id");
        String self = V3.url(r, cluster, "consumer-groups", g.groupId(), "consumers", m.memberId());
        Map<String, Object> d = V3.resource("KafkaConsumer", self,
                V3.crn(cluster, "consumer-group", g.groupId(), "consumer", m.memberId()));
        d.put("cluster_id", cluster);
        d.put("consumer_group_id", g.groupId());
        d.put("consumer_id", m.memberId());
        d.put("instance_id", m.groupInstanceId());
        d.put("client_id", m.clientId());
        d.put("assignments", V3.related(self + "/assignments"));
        return d;
    }

    /** One partition's lag and the member it is assigned to (null when none is). */
    private record Lag(TopicPartition partition, long committed, long end, DescribeGroupsResponseData.DescribedGroupMember member) {
        long lag() {
            return Math.max(0, end - committed);
        }
    }

    private List<Lag> lagsOf(HttpRequest r, DescribeGroupsResponseData.DescribedGroup g) {
        OffsetFetchRequestData fetch = new OffsetFetchRequestData();
        fetch.groups().add(new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId(g.groupId()).setTopics(null));
        OffsetFetchResponseData.OffsetFetchResponseGroup fetched = calls.<OffsetFetchResponseData>callOrForward(r, fetch,
                OFFSET_FETCH_VERSION, () -> coordinator(r, g.groupId())).groups().get(0);
        KafkaCalls.check(fetched.errorCode(), null);
        Map<TopicPartition, Long> committed = new TreeMap<>(Comparator.comparing(TopicPartition::topic)
                .thenComparingInt(TopicPartition::partition));
        for (OffsetFetchResponseData.OffsetFetchResponseTopics t : fetched.topics()) {
            for (OffsetFetchResponseData.OffsetFetchResponsePartitions p : t.partitions()) {
                if (p.errorCode() == Errors.NONE.code() && p.committedOffset() >= 0) {
                    committed.put(new TopicPartition(t.name(), p.partitionIndex()), p.committedOffset());
                }
            }
        }
        if (committed.isEmpty()) return List.of();
        ListOffsetsRequestData list = new ListOffsetsRequestData().setReplicaId(ListOffsetsRequest.CONSUMER_REPLICA_ID);
        Map<String, ListOffsetsRequestData.ListOffsetsTopic> byTopic = new LinkedHashMap<>();
        for (TopicPartition tp : committed.keySet()) {
            byTopic.computeIfAbsent(tp.topic(), t -> new ListOffsetsRequestData.ListOffsetsTopic().setName(t))
                    .partitions().add(new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(tp.partition())
                            .setTimestamp(ListOffsetsRequest.LATEST_TIMESTAMP));
        }
        list.topics().addAll(byTopic.values());
        Map<TopicPartition, Long> end = new HashMap<>();
        java.util.Set<TopicPartition> elsewhere = new java.util.TreeSet<>(Comparator.comparing(TopicPartition::topic)
                .thenComparingInt(TopicPartition::partition));
        readEnds(calls.call(r, list, LIST_OFFSETS_VERSION), end, elsewhere);
        // Partitions this node does not lead: their log ends from their leaders.
        endsFromLeaders(r, elsewhere).forEach((leader, request) ->
                readEnds(calls.callOn(r, leader, request, LIST_OFFSETS_VERSION), end, new java.util.HashSet<>()));
        Map<TopicPartition, DescribeGroupsResponseData.DescribedGroupMember> owners = owners(g);
        List<Lag> lags = new ArrayList<>();
        committed.forEach((tp, offset) -> {
            Long e = end.get(tp);
            if (e != null) lags.add(new Lag(tp, offset, e, owners.get(tp)));
        });
        return lags;
    }

    private static void readEnds(ListOffsetsResponseData ends, Map<TopicPartition, Long> end, java.util.Set<TopicPartition> notLeader) {
        for (ListOffsetsResponseData.ListOffsetsTopicResponse t : ends.topics()) {
            for (ListOffsetsResponseData.ListOffsetsPartitionResponse p : t.partitions()) {
                TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
                if (p.errorCode() == Errors.NONE.code()) end.put(tp, p.offset());
                else if (p.errorCode() == Errors.NOT_LEADER_OR_FOLLOWER.code()) notLeader.add(tp);
            }
        }
    }

    /** For each other node leading some of {@code partitions}, the ListOffsets (latest) of those it leads. */
    private Map<Integer, ListOffsetsRequestData> endsFromLeaders(HttpRequest r, java.util.Set<TopicPartition> partitions) {
        Map<Integer, ListOffsetsRequestData> byLeader = new TreeMap<>();
        if (partitions.isEmpty()) return byLeader;
        org.apache.kafka.common.message.MetadataRequestData request = new org.apache.kafka.common.message.MetadataRequestData()
                .setAllowAutoTopicCreation(false);
        partitions.stream().map(TopicPartition::topic).distinct().forEach(t -> request.topics()
                .add(new org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic().setName(t)));
        org.apache.kafka.common.message.MetadataResponseData md = calls.call(r, request, ClustersResource.METADATA_VERSION);
        for (org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic t : md.topics()) {
            for (org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition p : t.partitions()) {
                if (!partitions.contains(new TopicPartition(t.name(), p.partitionIndex()))) continue;
                if (p.leaderId() < 0 || p.leaderId() == calls.nodeId()) continue;
                ListOffsetsRequestData forLeader = byLeader.computeIfAbsent(p.leaderId(), l -> new ListOffsetsRequestData()
                        .setReplicaId(ListOffsetsRequest.CONSUMER_REPLICA_ID));
                ListOffsetsRequestData.ListOffsetsTopic topic = forLeader.topics().stream()
                        .filter(x -> x.name().equals(t.name())).findFirst().orElseGet(() -> {
                            ListOffsetsRequestData.ListOffsetsTopic created = new ListOffsetsRequestData.ListOffsetsTopic()
                                    .setName(t.name());
                            forLeader.topics().add(created);
                            return created;
                        });
                topic.partitions().add(new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(p.partitionIndex())
                        .setTimestamp(ListOffsetsRequest.LATEST_TIMESTAMP));
            }
        }
        return byLeader;
    }

    /** The member each partition is assigned to, from the members' consumer-protocol assignments. */
    private static Map<TopicPartition, DescribeGroupsResponseData.DescribedGroupMember> owners(
            DescribeGroupsResponseData.DescribedGroup g) {
        Map<TopicPartition, DescribeGroupsResponseData.DescribedGroupMember> owners = new HashMap<>();
        if (!g.protocolType().equals(ConsumerProtocol.PROTOCOL_TYPE)) return owners;
        for (DescribeGroupsResponseData.DescribedGroupMember m : g.members()) {
            if (m.memberAssignment() == null || m.memberAssignment().length == 0) continue;
            try {
                ConsumerPartitionAssignor.Assignment a = ConsumerProtocol.deserializeAssignment(ByteBuffer.wrap(m.memberAssignment()));
                for (TopicPartition tp : a.partitions()) owners.put(tp, m);
            } catch (RuntimeException unreadable) {
                // an assignment in another format: the partition shows no owner
            }
        }
        return owners;
    }

    private HttpResponse lags(HttpRequest r) {
        DescribeGroupsResponseData.DescribedGroup g = describe(r);
        List<Object> data = new ArrayList<>();
        for (Lag l : lagsOf(r, g)) data.add(lag(r, g, l));
        return HttpResponse.ok(V3.list("KafkaConsumerLagList", V3.url(r, r.param("cluster_id"), "consumer-groups",
                g.groupId(), "lags"), data));
    }

    private HttpResponse lag(HttpRequest r) {
        DescribeGroupsResponseData.DescribedGroup g = describe(r);
        TopicPartition tp = new TopicPartition(r.param("topic_name"), V3.intParam(r, "partition_id"));
        for (Lag l : lagsOf(r, g)) if (l.partition().equals(tp)) return HttpResponse.ok(lag(r, g, l));
        throw RestException.notFound("Consumer lag for " + tp + " cannot be found in consumer group " + g.groupId() + ".");
    }

    private Map<String, Object> lag(HttpRequest r, DescribeGroupsResponseData.DescribedGroup g, Lag l) {
        String cluster = r.param("cluster_id");
        TopicPartition tp = l.partition();
        Map<String, Object> d = V3.resource("KafkaConsumerLag", V3.url(r, cluster, "consumer-groups", g.groupId(), "lags",
                tp.topic(), "partitions", tp.partition()), V3.crn(cluster, "consumer-group", g.groupId(), "lag", tp.topic(),
                "partition", tp.partition()));
        d.put("cluster_id", cluster);
        d.put("consumer_group_id", g.groupId());
        d.put("topic_name", tp.topic());
        d.put("partition_id", tp.partition());
        putMember(d, "", l.member());
        d.put("current_offset", l.committed());
        d.put("log_end_offset", l.end());
        d.put("lag", l.lag());
        return d;
    }

    private static void putMember(Map<String, Object> d, String prefix, DescribeGroupsResponseData.DescribedGroupMember m) {
        d.put(prefix + "consumer_id", m == null ? "" : m.memberId());
        d.put(prefix + "instance_id", m == null ? null : m.groupInstanceId());
        d.put(prefix + "client_id", m == null ? "" : m.clientId());
    }

    private HttpResponse lagSummary(HttpRequest r) {
        DescribeGroupsResponseData.DescribedGroup g = describe(r);
        String cluster = r.param("cluster_id");
        List<Lag> lags = lagsOf(r, g);
        Lag max = null;
        long total = 0;
        for (Lag l : lags) {
            total += l.lag();
            if (max == null || l.lag() > max.lag()) max = l;
        }
        String self = V3.url(r, cluster, "consumer-groups", g.groupId(), "lag-summary");
        Map<String, Object> d = V3.resource("KafkaConsumerGroupLagSummary", self,
                V3.crn(cluster, "consumer-group", g.groupId(), "lag-summary"));
        d.put("cluster_id", cluster);
        d.put("consumer_group_id", g.groupId());
        putMember(d, "max_lag_", max == null ? null : max.member());
        d.put("max_lag_topic_name", max == null ? "" : max.partition().topic());
        d.put("max_lag_partition_id", max == null ? 0 : max.partition().partition());
        d.put("max_lag", max == null ? 0 : max.lag());
        d.put("total_lag", total);
        d.put("max_lag_consumer", max == null || max.member() == null ? null : V3.related(V3.url(r, cluster,
                "consumer-groups", g.groupId(), "consumers", max.member().memberId())));
        d.put("max_lag_partition", max == null ? null : V3.related(V3.url(r, cluster, "topics", max.partition().topic(),
                "partitions", max.partition().partition())));
        return HttpResponse.ok(d);
    }
}
