package io.tributary.broker.api;

import io.tributary.broker.group.CommittedOffset;
import io.tributary.broker.group.GroupCoordinator;
import io.tributary.broker.network.RequestContext;
import io.tributary.broker.topic.TopicManager;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * OffsetFetch: committed offsets of one group (v1–7) or several (v8+), for the listed partitions
 * or, with a null topic list, all the group committed. With {@code require_stable} (v7+, what a
 * {@code read_committed} consumer asks), a partition with a transactional commit still open is
 * answered {@code UNSTABLE_OFFSET_COMMIT} and the client retries. A partition without a commit is answered
 * with offset {@code -1}.
 */
public final class OffsetFetchHandler implements ApiHandler<OffsetFetchRequestData> {
    private final GroupCoordinator coordinator;
    private final TopicManager topics;

    public OffsetFetchHandler(GroupCoordinator coordinator, TopicManager topics) {
        this.coordinator = coordinator;
        this.topics = topics;
    }

    /** Topic name (or null when unknown by id) → partitions requested (null = all committed). */
    private record Wanted(String name, Uuid id, List<Integer> partitions) {
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, OffsetFetchRequestData request) {
        short version = ctx.apiVersion();
        OffsetFetchResponseData response = new OffsetFetchResponseData();
        if (version < 8) {
            List<Wanted> wanted = null;
            if (request.topics() != null) {
                wanted = new ArrayList<>();
                for (OffsetFetchRequestData.OffsetFetchRequestTopic t : request.topics()) {
                    wanted.add(new Wanted(t.name(), null, t.partitionIndexes()));
                }
            }
            for (OffsetFetchResponseData.OffsetFetchResponseTopics t : fetch(request.groupId(), wanted, version,
                    version >= 7 && request.requireStable())) {
                OffsetFetchResponseData.OffsetFetchResponseTopic old = new OffsetFetchResponseData.OffsetFetchResponseTopic()
                        .setName(t.name());
                for (OffsetFetchResponseData.OffsetFetchResponsePartitions p : t.partitions()) {
                    old.partitions().add(new OffsetFetchResponseData.OffsetFetchResponsePartition()
                            .setPartitionIndex(p.partitionIndex()).setCommittedOffset(p.committedOffset())
                            .setCommittedLeaderEpoch(p.committedLeaderEpoch()).setMetadata(p.metadata())
                            .setErrorCode(p.errorCode()));
                }
                response.topics().add(old);
            }
            return CompletableFuture.completedFuture(response);
        }
        for (OffsetFetchRequestData.OffsetFetchRequestGroup g : request.groups()) {
            List<Wanted> wanted = null;
            if (g.topics() != null) {
                wanted = new ArrayList<>();
                for (OffsetFetchRequestData.OffsetFetchRequestTopics t : g.topics()) {
                    String name = version >= 10 ? topics.nameOf(t.topicId()).orElse(null) : t.name();
                    wanted.add(new Wanted(name, t.topicId(), t.partitionIndexes()));
                }
            }
            response.groups().add(new OffsetFetchResponseData.OffsetFetchResponseGroup().setGroupId(g.groupId())
                    .setTopics(fetch(g.groupId(), wanted, version, request.requireStable())));
        }
        return CompletableFuture.completedFuture(response);
    }

    private List<OffsetFetchResponseData.OffsetFetchResponseTopics> fetch(String group, List<Wanted> wanted, short version,
                                                                        boolean requireStable) {
        Map<TopicPartition, CommittedOffset> committed = coordinator.committed(group);
        List<OffsetFetchResponseData.OffsetFetchResponseTopics> out = new ArrayList<>();
        if (wanted == null) {
            Map<String, List<Integer>> byTopic = new TreeMap<>();
            committed.keySet().forEach(tp -> byTopic.computeIfAbsent(tp.topic(), k -> new ArrayList<>()).add(tp.partition()));
            wanted = new ArrayList<>();
            for (Map.Entry<String, List<Integer>> e : byTopic.entrySet()) {
                Optional<Uuid> id = topics.get(e.getKey()).map(t -> t.topicId());
                if (version >= 10 && id.isEmpty()) continue;
                wanted.add(new Wanted(e.getKey(), id.orElse(Uuid.ZERO_UUID), e.getValue()));
            }
        }
        Map<String, OffsetFetchResponseData.OffsetFetchResponseTopics> byName = new LinkedHashMap<>();
        for (Wanted w : wanted) {
            OffsetFetchResponseData.OffsetFetchResponseTopics t = new OffsetFetchResponseData.OffsetFetchResponseTopics();
            if (version >= 10) t.setTopicId(w.id());
            else t.setName(w.name());
            for (int partition : w.partitions()) {
                OffsetFetchResponseData.OffsetFetchResponsePartitions p = new OffsetFetchResponseData.OffsetFetchResponsePartitions()
                        .setPartitionIndex(partition).setCommittedOffset(-1).setCommittedLeaderEpoch(-1).setMetadata("");
                if (w.name() == null) {
                    p.setErrorCode(Errors.UNKNOWN_TOPIC_ID.code());
                } else if (requireStable && coordinator.offsets().hasPendingTransactionalOffsets(group,
                        new TopicPartition(w.name(), partition))) {
                    p.setErrorCode(Errors.UNSTABLE_OFFSET_COMMIT.code());
                } else {
                    CommittedOffset o = committed.get(new TopicPartition(w.name(), partition));
                    if (o != null) {
                        p.setCommittedOffset(o.offset()).setCommittedLeaderEpoch(o.leaderEpoch())
                                .setMetadata(o.metadata() == null ? "" : o.metadata());
                    }
                }
                t.partitions().add(p);
            }
            out.add(t);
            byName.put(w.name(), t);
        }
        return out;
    }
}
