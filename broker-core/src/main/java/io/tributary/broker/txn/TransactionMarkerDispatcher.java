package io.tributary.broker.txn;

import io.tributary.broker.cluster.BrokerRegistration;
import io.tributary.broker.cluster.PartitionRegistration;
import io.tributary.broker.cluster.Replication;
import io.tributary.broker.network.BrokerClient;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * Writes a transaction's markers where its partitions' leaders are, as Kafka's transaction marker
 * channel does: partitions this node leads through the {@link LocalMarkerAppender}, the others in
 * one WriteTxnMarkers request per leader over the Kafka protocol ({@link BrokerClient}). Partitions
 * whose leader is unknown or moving are retried every {@value #RETRY_BACKOFF_MS} ms; a partition
 * whose topic was deleted is skipped. A fenced producer or coordinator epoch fails the whole write:
 * a newer coordinator owns the transaction.
 *
 * <p>Thread-safe: each write keeps its own remaining set (a concurrent set); remote requests run on
 * {@code senders}, retries on {@code scheduler}.
 */
public final class TransactionMarkerDispatcher implements TransactionMarkerWriter {
    private static final System.Logger LOG = System.getLogger(TransactionMarkerDispatcher.class.getName());
    static final long RETRY_BACKOFF_MS = 100;

    private final Replication replication;
    private final IntSupplier selfId;
    private final LocalMarkerAppender local;
    private final BrokerClient client;
    private final ExecutorService senders;
    private final ScheduledExecutorService scheduler;

    public TransactionMarkerDispatcher(Replication replication, IntSupplier selfId, LocalMarkerAppender local,
                                       BrokerClient client, ExecutorService senders, ScheduledExecutorService scheduler) {
        this.replication = replication;
        this.selfId = selfId;
        this.local = local;
        this.client = client;
        this.senders = senders;
        this.scheduler = scheduler;
    }

    private record Job(long producerId, short producerEpoch, int coordinatorEpoch, boolean commit,
                       Set<TopicPartition> remaining, CompletableFuture<Void> result) {
    }

    @Override
    public CompletableFuture<Void> write(long producerId, short producerEpoch, int coordinatorEpoch, boolean commit,
                                         Set<TopicPartition> partitions) {
        Set<TopicPartition> remaining = ConcurrentHashMap.newKeySet();
        remaining.addAll(partitions);
        Job job = new Job(producerId, producerEpoch, coordinatorEpoch, commit, remaining, new CompletableFuture<>());
        attempt(job);
        return job.result();
    }

    private void attempt(Job job) {
        if (job.result().isDone()) return;
        if (job.remaining().isEmpty()) {
            job.result().complete(null);
            return;
        }
        Map<Integer, List<TopicPartition>> byLeader = new HashMap<>();
        for (TopicPartition tp : Set.copyOf(job.remaining())) {
            Optional<PartitionRegistration> state = replication.partitionState(tp);
            if (state.isEmpty()) {
                LOG.log(System.Logger.Level.INFO, "Skipping the marker for " + tp + ": the partition no longer exists");
                job.remaining().remove(tp);
            } else if (state.get().hasLeader()) {
                byLeader.computeIfAbsent(state.get().leader(), l -> new ArrayList<>()).add(tp);
            }
        }
        List<CompletableFuture<Void>> round = new ArrayList<>();
        for (Map.Entry<Integer, List<TopicPartition>> e : byLeader.entrySet()) {
            if (e.getKey() == selfId.getAsInt()) {
                for (TopicPartition tp : e.getValue()) {
                    round.add(local.append(tp, job.producerId(), job.producerEpoch(), job.coordinatorEpoch(), job.commit())
                            .handle((ok, error) -> {
                                settle(job, tp, error == null ? Errors.NONE : Errors.forException(unwrap(error)));
                                return null;
                            }));
                }
            } else {
                round.add(CompletableFuture.runAsync(() -> sendRemote(job, e.getKey(), e.getValue()), senders));
            }
        }
        CompletableFuture.allOf(round.toArray(new CompletableFuture[0])).whenComplete((ok, error) -> {
            if (job.result().isDone()) return;
            if (job.remaining().isEmpty()) {
                job.result().complete(null);
            } else {
                scheduler.schedule(() -> attempt(job), RETRY_BACKOFF_MS, TimeUnit.MILLISECONDS);
            }
        });
    }

    private void sendRemote(Job job, int leader, List<TopicPartition> partitions) {
        Optional<BrokerRegistration> node = replication.liveBrokers().stream().filter(b -> b.nodeId() == leader).findFirst();
        if (node.isEmpty()) return; // retried once the leader is known again
        Map<String, List<Integer>> byTopic = new HashMap<>();
        for (TopicPartition tp : partitions) byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
        WriteTxnMarkersRequestData.WritableTxnMarker marker = new WriteTxnMarkersRequestData.WritableTxnMarker()
                .setProducerId(job.producerId()).setProducerEpoch(job.producerEpoch())
                .setTransactionResult(job.commit()).setCoordinatorEpoch(job.coordinatorEpoch());
        byTopic.forEach((topic, ids) -> marker.topics().add(new WriteTxnMarkersRequestData.WritableTxnMarkerTopic()
                .setName(topic).setPartitionIndexes(ids)));
        WriteTxnMarkersRequestData data = new WriteTxnMarkersRequestData();
        data.markers().add(marker);
        try {
            AbstractResponse response = client.send(node.get().host(), node.get().port(),
                    new WriteTxnMarkersRequest.Builder(data).build((short) 1));
            WriteTxnMarkersResponseData answer = ((WriteTxnMarkersResponse) response).data();
            for (WriteTxnMarkersResponseData.WritableTxnMarkerResult r : answer.markers()) {
                for (WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult t : r.topics()) {
                    for (WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult p : t.partitions()) {
                        settle(job, new TopicPartition(t.name(), p.partitionIndex()), Errors.forCode(p.errorCode()));
                    }
                }
            }
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "WriteTxnMarkers to node " + leader + " failed; retrying", e);
        }
    }

    /** Records one partition's outcome: done, retry (left in the remaining set), or fenced (the write fails). */
    private void settle(Job job, TopicPartition tp, Errors error) {
        switch (error) {
            case NONE -> job.remaining().remove(tp);
            case UNKNOWN_TOPIC_OR_PARTITION -> {
                if (replication.partitionState(tp).isEmpty()) job.remaining().remove(tp);
            }
            case INVALID_PRODUCER_EPOCH, PRODUCER_FENCED, TRANSACTION_COORDINATOR_FENCED ->
                    job.result().completeExceptionally(error.exception("Marker for " + tp + " refused: "
                            + error.message()));
            default -> {
                // retriable: NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT, ...
            }
        }
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
