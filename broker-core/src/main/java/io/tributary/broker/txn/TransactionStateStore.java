package io.tributary.broker.txn;

import io.tributary.broker.cluster.Replication;
import io.tributary.broker.log.AppendOrigin;
import io.tributary.broker.log.FetchIsolation;
import io.tributary.broker.log.LogReadResult;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.topic.TopicManager;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CoordinatorNotAvailableException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.Utils;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The transaction state log, Kafka's {@code __transaction_state}: a compacted internal topic with
 * one partition per transactional id ({@code abs(hash(id)) % transaction.state.log.num.partitions}),
 * holding the latest {@link TransactionMetadata} of every id. A state change is acknowledged only
 * once it is appended and replicated to the partition's in-sync replicas ({@code acks=all},
 * {@code min.insync.replicas} = {@code transaction.state.log.min.isr}, capped at the replication
 * factor), so it survives the loss of the coordinator's node; the node that takes over the
 * partition replays it ({@link #replay}).
 *
 * <p>Thread-safe: writes go through {@link Replication#appendAsLeader}, reads replay a log.
 */
public final class TransactionStateStore {
    public static final String TOPIC = "__transaction_state";
    private static final System.Logger LOG = System.getLogger(TransactionStateStore.class.getName());

    private final TopicManager topics;
    private final TransactionConfig config;
    private final Replication replication;
    private final short replicationFactor;
    private final long writeTimeoutMs;

    /**
     * @param replicationFactor the state log's replication factor (1 on a node alone)
     * @param writeTimeoutMs    how long a state change may wait for its replication
     */
    public TransactionStateStore(TopicManager topics, TransactionConfig config, Replication replication,
                                 short replicationFactor, long writeTimeoutMs) {
        this.topics = topics;
        this.config = config;
        this.replication = replication;
        this.replicationFactor = replicationFactor;
        this.writeTimeoutMs = writeTimeoutMs;
    }

    public int partitionFor(String transactionalId) {
        return Utils.abs(transactionalId.hashCode()) % config.stateLogPartitions();
    }

    public TopicPartition topicPartitionFor(String transactionalId) {
        return new TopicPartition(TOPIC, partitionFor(transactionalId));
    }

    public int partitions() {
        return config.stateLogPartitions();
    }

    /** Creates the state log if it does not exist yet (Kafka does on the first FindCoordinator for a transaction). */
    public synchronized void ensureExists() {
        if (topics.get(TOPIC).isPresent()) return;
        int minIsr = Math.min(config.stateLogMinIsr(), replicationFactor);
        try {
            topics.create(TOPIC, config.stateLogPartitions(), replicationFactor,
                    Map.of("cleanup.policy", "compact", "segment.bytes", Integer.toString(config.stateLogSegmentBytes()),
                            "min.insync.replicas", Integer.toString(minIsr)),
                    config.stateLogPartitions());
        } catch (TopicExistsException raced) {
            // another node created it
        }
    }

    /**
     * Appends {@code metadata} to its transactional id's partition; completes once it is replicated,
     * or exceptionally with {@code NOT_COORDINATOR} (this node no longer leads the partition) or
     * {@code COORDINATOR_NOT_AVAILABLE} (the write could not be replicated).
     */
    public CompletableFuture<Void> write(TransactionMetadata metadata) {
        ensureExists();
        TopicPartition tp = topicPartitionFor(metadata.transactionalId());
        MemoryRecords records = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(
                metadata.lastUpdateTimestampMs(), TransactionLogCodec.key(metadata.transactionalId()),
                TransactionLogCodec.value(metadata)));
        return replication.appendAsLeader(tp, records, (short) -1, AppendOrigin.COORDINATOR, writeTimeoutMs)
                .handle((info, error) -> {
                    if (error != null) throw writeError(metadata.transactionalId(), tp, error);
                    return null;
                });
    }

    /** Writes the tombstone of {@code transactionalId} (it expired); completes once replicated. */
    public CompletableFuture<Void> writeTombstone(String transactionalId, long now) {
        ensureExists();
        TopicPartition tp = topicPartitionFor(transactionalId);
        MemoryRecords records = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(now,
                TransactionLogCodec.key(transactionalId), null));
        return replication.appendAsLeader(tp, records, (short) -1, AppendOrigin.COORDINATOR, writeTimeoutMs)
                .handle((info, error) -> {
                    if (error != null) throw writeError(transactionalId, tp, error);
                    return null;
                });
    }

    private static RuntimeException writeError(String id, TopicPartition tp, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof NotLeaderOrFollowerException || cause instanceof KafkaStorageException) {
            return new NotCoordinatorException("This node is no longer the coordinator of transactional id " + id
                    + " (it does not lead " + tp + "): " + cause.getMessage());
        }
        return new CoordinatorNotAvailableException("The state of transactional id " + id + " was not replicated to "
                + tp + ": " + cause.getMessage());
    }

    /** The latest state of every transactional id in partition {@code partition}'s log (up to its end). */
    public Map<String, TransactionMetadata> replay(int partition) {
        Map<String, TransactionMetadata> out = new HashMap<>();
        if (topics.get(TOPIC).isEmpty()) return out;
        Optional<PartitionLog> maybeLog = topics.logs().get(new TopicPartition(TOPIC, partition));
        if (maybeLog.isEmpty()) return out;
        PartitionLog log = maybeLog.get();
        long offset = log.logStartOffset();
        long end = log.logEndOffset();
        while (offset < end) {
            LogReadResult r = log.read(offset, 1 << 20, true, FetchIsolation.LOG_END);
            long next = offset;
            for (RecordBatch batch : r.records().batches()) {
                next = batch.lastOffset() + 1;
                if (batch.isControlBatch()) continue;
                for (Record record : batch) {
                    if (!record.hasKey()) continue;
                    try {
                        String id = TransactionLogCodec.readKey(record.key());
                        if (record.hasValue()) out.put(id, TransactionLogCodec.readValue(id, record.value()));
                        else out.remove(id);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "Skipping unreadable record at offset " + record.offset()
                                + " of " + log.topicPartition() + ": " + e.getMessage());
                    }
                }
            }
            if (next == offset) break;
            offset = next;
        }
        return out;
    }
}
