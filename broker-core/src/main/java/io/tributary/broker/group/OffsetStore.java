package io.tributary.broker.group;

import io.tributary.broker.log.AppendOrigin;
import io.tributary.broker.cluster.Replication;
import io.tributary.broker.log.LogAppendInfo;
import io.tributary.broker.log.LogReadResult;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.topic.TopicManager;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CoordinatorNotAvailableException;
import org.apache.kafka.common.errors.InvalidCommitOffsetSizeException;
import org.apache.kafka.common.errors.InvalidFetchSizeException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.Utils;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Committed offsets of consumer groups, kept the way Kafka keeps them: as records in the internal
 * compacted topic {@code __consumer_offsets}, one partition per group ({@code abs(hash(group)) %
 * offsets.topic.num.partitions}), and in memory for reads. A commit is acknowledged only after its
 * records are appended to that log, so it survives a restart; on start every partition is replayed
 * into memory. Because the store is an ordinary partition log, replicating partitions (in a
 * cluster) is all it takes to keep a group's offsets on more than one node.
 *
 * <p>The same partitions hold the groups' membership, as Kafka's do: the group coordinator's
 * {@link GroupMetadataRecord}s ({@link GroupMetadataCodec}) are written through the same append path
 * ({@link #writeGroupMetadata}) and handed back to it, in log order, when a partition is replayed.
 *
 * <p>Writes go through the leader append path ({@link Replication#appendAsLeader}, {@code acks=all})
 * and are asynchronous: a commit completes once replicated and visible.
 *
 * <p>Thread safety: appends to one offsets partition are serialised by a lock per partition, and
 * their effects on memory are applied in that (log) order by the partition's {@link OffsetWriteQueue};
 * reads use concurrent maps and do not block. Lock order: a partition lock, then (inside the append)
 * the log's own lock; the write queue's monitor is never held while taking another.
 */
public final class OffsetStore {
    public static final String TOPIC = "__consumer_offsets";

    private final TopicManager topics;
    private final GroupConfig config;
    private final Map<String, Map<TopicPartition, CommittedOffset>> offsets = new ConcurrentHashMap<>();
    /**
     * Transactional offset commits not yet committed or aborted, per offsets partition: producer id
     * to group to offsets. They become visible ({@link #offsets}) when the transaction's commit
     * marker is written to the partition, and are dropped at its abort marker.
     */
    private final Map<Integer, Map<Long, Map<String, Map<TopicPartition, CommittedOffset>>>> pendingTxn =
            new ConcurrentHashMap<>();
    private final Object[] partitionLocks;
    private final OffsetWriteQueue[] writeQueues;
    private volatile Replication replication;
    private volatile short replicationFactor = 1;
    private volatile long commitTimeoutMs = 5000;

    public OffsetStore(TopicManager topics, GroupConfig config) {
        this.topics = topics;
        this.config = config;
        this.partitionLocks = new Object[config.offsetsTopicPartitions()];
        this.writeQueues = new OffsetWriteQueue[config.offsetsTopicPartitions()];
        for (int i = 0; i < partitionLocks.length; i++) {
            partitionLocks[i] = new Object();
            writeQueues[i] = new OffsetWriteQueue();
        }
    }

    /**
     * Writes through {@code replication}: appends go to the partition's leader log and a commit is
     * acknowledged once the in-sync replicas have it (committed, below the high watermark).
     */
    public void replicateThrough(Replication replication, short replicationFactor,
                                 long commitTimeoutMs) {
        this.replication = replication;
        this.replicationFactor = replicationFactor;
        this.commitTimeoutMs = commitTimeoutMs;
    }

    /**
     * Replaces what memory holds for the groups of offsets partition {@code partition} with what its
     * log holds (up to its end): this node just became the partition's leader.
     */
    public void reload(int partition) {
        reload(partition, group -> { });
    }

    /** {@link #reload(int)}, handing the partition's group metadata records to {@code groups} in log order. */
    public void reload(int partition, Consumer<GroupMetadataRecord> groups) {
        if (topics.get(TOPIC).isEmpty()) return;
        synchronized (partitionLocks[partition]) {
            offsets.keySet().removeIf(g -> partitionFor(g) == partition);
            pendingTxn.remove(partition);
            topics.logs().get(new TopicPartition(TOPIC, partition))
                    .ifPresent(log -> replay(log, log.logEndOffset(), groups));
        }
    }

    /** Creates the offsets topic if it does not exist yet (Kafka does on the first FindCoordinator). */
    public void ensureExists() {
        ensureTopic();
    }

    /** Replays the offsets topic into memory, if it exists (it is created by the first commit, as in Kafka). */
    public void load() {
        load(group -> { });
    }

    /** {@link #load()}, handing the group metadata records to {@code groups} in log order. */
    public void load(Consumer<GroupMetadataRecord> groups) {
        if (topics.get(TOPIC).isEmpty()) return;
        int partitions = topics.require(TOPIC).partitions();
        for (int p = 0; p < partitions; p++) {
            topics.logs().get(new TopicPartition(TOPIC, p)).ifPresent(log -> replay(log, log.highWatermark(), groups));
        }
    }

    private synchronized void ensureTopic() {
        if (topics.get(TOPIC).isPresent()) return;
        try {
            createTopic();
        } catch (org.apache.kafka.common.errors.TopicExistsException raced) {
            // another node created it
        }
    }

    private void createTopic() {
        topics.create(TOPIC, config.offsetsTopicPartitions(), replicationFactor,
                Map.of("cleanup.policy", "compact", "segment.bytes", Integer.toString(config.offsetsTopicSegmentBytes())),
                config.offsetsTopicPartitions());
    }

    private void replay(PartitionLog log, long upTo, Consumer<GroupMetadataRecord> groups) {
        long offset = log.logStartOffset();
        while (offset < upTo) {
            LogReadResult r = log.read(offset, 1 << 20, true, io.tributary.broker.log.FetchIsolation.LOG_END);
            long next = offset;
            int partition = log.topicPartition().partition();
            for (RecordBatch batch : r.records().batches()) {
                if (batch.isControlBatch()) {
                    replayMarker(partition, batch);
                    next = batch.lastOffset() + 1;
                    continue;
                }
                for (Record record : batch) {
                    if (!record.hasKey()) continue;
                    if (GroupMetadataCodec.isGroupMetadataKey(record.key())) {
                        replayGroup(log, record, groups);
                        continue;
                    }
                    OffsetRecordCodec.Key key;
                    try {
                        key = OffsetRecordCodec.readKey(record.key());
                    } catch (RuntimeException e) {
                        System.getLogger(OffsetStore.class.getName()).log(System.Logger.Level.WARNING,
                                "Skipping unreadable record at offset " + record.offset() + " of " + log.topicPartition()
                                        + ": " + e.getMessage());
                        continue;
                    }
                    if (record.hasValue()) {
                        CommittedOffset value;
                        try {
                            value = OffsetRecordCodec.readValue(record.value());
                        } catch (RuntimeException e) {
                            System.getLogger(OffsetStore.class.getName()).log(System.Logger.Level.WARNING,
                                    "Skipping unreadable offset value at offset " + record.offset() + " of "
                                            + log.topicPartition() + ": " + e.getMessage());
                            continue;
                        }
                        if (batch.isTransactional()) {
                            pendingOf(partition, batch.producerId(), key.group()).put(key.partition(), value);
                        } else {
                            offsets.computeIfAbsent(key.group(), g -> new ConcurrentHashMap<>()).put(key.partition(), value);
                        }
                    } else {
                        Map<TopicPartition, CommittedOffset> m = offsets.get(key.group());
                        if (m != null) {
                            m.remove(key.partition());
                            if (m.isEmpty()) offsets.remove(key.group());
                        }
                    }
                }
                next = batch.lastOffset() + 1;
            }
            if (next == offset) break;
            offset = next;
        }
    }

    private void replayMarker(int partition, RecordBatch batch) {
        try {
            Record record = batch.iterator().next();
            ControlRecordType type = ControlRecordType.parse(record.key());
            if (type == ControlRecordType.COMMIT || type == ControlRecordType.ABORT) {
                completeTransaction(partition, batch.producerId(), type == ControlRecordType.COMMIT);
            }
        } catch (RuntimeException e) {
            System.getLogger(OffsetStore.class.getName()).log(System.Logger.Level.WARNING,
                    "Skipping unreadable control batch at offset " + batch.baseOffset() + " of " + TOPIC + "-" + partition
                            + ": " + e.getMessage());
        }
    }

    private Map<TopicPartition, CommittedOffset> pendingOf(int partition, long producerId, String group) {
        return pendingTxn.computeIfAbsent(partition, p -> new ConcurrentHashMap<>())
                .computeIfAbsent(producerId, p -> new ConcurrentHashMap<>())
                .computeIfAbsent(group, g -> new ConcurrentHashMap<>());
    }

    /** Applies a transaction's end to memory: its pending offsets become committed, or are dropped. */
    private void completeTransaction(int partition, long producerId, boolean commit) {
        Map<Long, Map<String, Map<TopicPartition, CommittedOffset>>> byProducer = pendingTxn.get(partition);
        if (byProducer == null) return;
        Map<String, Map<TopicPartition, CommittedOffset>> byGroup = byProducer.remove(producerId);
        if (byGroup == null || !commit) return;
        byGroup.forEach((group, commits) -> offsets.computeIfAbsent(group, g -> new ConcurrentHashMap<>()).putAll(commits));
    }

    private static void replayGroup(PartitionLog log, Record record, Consumer<GroupMetadataRecord> groups) {
        GroupMetadataRecord r;
        try {
            String group = GroupMetadataCodec.readKey(record.key());
            r = new GroupMetadataRecord(group, record.hasValue() ? GroupMetadataCodec.readValue(record.value()) : null);
        } catch (RuntimeException e) {
            System.getLogger(OffsetStore.class.getName()).log(System.Logger.Level.WARNING,
                    "Skipping unreadable group metadata at offset " + record.offset() + " of " + log.topicPartition()
                            + ": " + e.getMessage());
            return;
        }
        groups.accept(r);
    }

    public int partitionFor(String group) {
        return Utils.abs(group.hashCode()) % partitionLocks.length;
    }

    /**
     * Appends the commits to the group's offsets partition; completes once they are replicated as
     * {@code __consumer_offsets} requires and visible to reads, or exceptionally with the error to
     * answer (Kafka's mapping for offset commits: not this node's group, coordinator not available, or
     * commit too large).
     */
    public CompletableFuture<Void> commit(String group, Map<TopicPartition, CommittedOffset> commits) {
        if (commits.isEmpty()) return CompletableFuture.completedFuture(null);
        List<SimpleRecord> records = new ArrayList<>(commits.size());
        long now = System.currentTimeMillis();
        commits.forEach((tp, o) -> records.add(new SimpleRecord(now, OffsetRecordCodec.key(group, tp), OffsetRecordCodec.value(o))));
        return write(group, records, () -> offsets.computeIfAbsent(group, g -> new ConcurrentHashMap<>()).putAll(commits));
    }

    /**
     * Appends a transaction's offset commits (TxnOffsetCommit) to the group's offsets partition, as a
     * transactional batch of {@code producerId} in {@code producerEpoch}; they stay pending, invisible
     * to {@link #offsets}, until the transaction's marker is written ({@link #writeTxnMarker}).
     */
    public CompletableFuture<Void> commitTransactional(String group, long producerId, short producerEpoch,
                                                       Map<TopicPartition, CommittedOffset> commits) {
        if (commits.isEmpty()) return CompletableFuture.completedFuture(null);
        List<SimpleRecord> records = new ArrayList<>(commits.size());
        long now = System.currentTimeMillis();
        commits.forEach((tp, o) -> records.add(new SimpleRecord(now, OffsetRecordCodec.key(group, tp), OffsetRecordCodec.value(o))));
        int partition = partitionFor(group);
        MemoryRecords batch = MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, producerEpoch, 0,
                records.toArray(new SimpleRecord[0]));
        return write(group, partition, batch, () -> pendingOf(partition, producerId, group).putAll(commits));
    }

    /**
     * Writes a transaction marker to offsets partition {@code partition} and, once it is replicated,
     * makes the transaction's pending offsets visible (commit) or drops them (abort).
     */
    public CompletableFuture<Void> writeTxnMarker(int partition, long producerId, short producerEpoch,
                                                  int coordinatorEpoch, boolean commit) {
        MemoryRecords marker = MemoryRecords.withEndTransactionMarker(System.currentTimeMillis(), producerId,
                producerEpoch, new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT,
                        coordinatorEpoch));
        return write("(transaction marker)", partition, marker, () -> completeTransaction(partition, producerId, commit));
    }

    /** Whether {@code group} has transactional offset commits on {@code tp} not yet committed or aborted. */
    public boolean hasPendingTransactionalOffsets(String group, TopicPartition tp) {
        Map<Long, Map<String, Map<TopicPartition, CommittedOffset>>> byProducer = pendingTxn.get(partitionFor(group));
        if (byProducer == null) return false;
        for (Map<String, Map<TopicPartition, CommittedOffset>> byGroup : byProducer.values()) {
            Map<TopicPartition, CommittedOffset> m = byGroup.get(group);
            if (m != null && (tp == null || m.containsKey(tp))) return true;
        }
        return false;
    }

    /** Deletes the given partitions' offsets of {@code group} (tombstones); returns once they are written. */
    public void delete(String group, Collection<TopicPartition> partitions) {
        Map<TopicPartition, CommittedOffset> m = offsets.get(group);
        if (m == null || partitions.isEmpty()) return;
        List<SimpleRecord> tombstones = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (TopicPartition tp : partitions) {
            if (m.containsKey(tp)) tombstones.add(new SimpleRecord(now, OffsetRecordCodec.key(group, tp), null));
        }
        if (tombstones.isEmpty()) return;
        try {
            write(group, tombstones, () -> {
                Map<TopicPartition, CommittedOffset> current = offsets.get(group);
                if (current == null) return;
                partitions.forEach(current::remove);
                if (current.isEmpty()) offsets.remove(group, current);
            }).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /**
     * Appends the group coordinator's records of {@code group} to its offsets partition, through the
     * same path and in the same order as its offset commits; completes once they are replicated.
     */
    public CompletableFuture<Void> writeGroupMetadata(String group, List<GroupMetadataRecord> records) {
        if (records.isEmpty()) return CompletableFuture.completedFuture(null);
        List<SimpleRecord> out = new ArrayList<>(records.size());
        long now = System.currentTimeMillis();
        for (GroupMetadataRecord r : records) {
            if (!r.groupId().equals(group)) throw new IllegalArgumentException("Record of group " + r.groupId() + " among " + group + "'s");
            out.add(new SimpleRecord(now, GroupMetadataCodec.key(r.groupId()),
                    r.isTombstone() ? null : GroupMetadataCodec.value(r.value())));
        }
        return write(group, out, () -> { });
    }

    public void deleteGroup(String group) {
        Map<TopicPartition, CommittedOffset> m = offsets.get(group);
        if (m != null) delete(group, List.copyOf(m.keySet()));
    }

    /**
     * Appends {@code records} to the group's offsets partition through the leader append path and
     * applies {@code effect} to memory once they are acknowledged, in log order (see
     * {@link OffsetWriteQueue}).
     */
    private CompletableFuture<Void> write(String group, List<SimpleRecord> records, Runnable effect) {
        MemoryRecords batch = MemoryRecords.withRecords(Compression.NONE, records.toArray(new SimpleRecord[0]));
        return write(group, partitionFor(group), batch, effect);
    }

    private CompletableFuture<Void> write(String group, int partition, MemoryRecords batch, Runnable effect) {
        Replication r = replication;
        if (r == null) {
            return CompletableFuture.failedFuture(new CoordinatorNotAvailableException(
                    "The offset store of group " + group + " is not ready yet"));
        }
        ensureTopic();
        TopicPartition tp = new TopicPartition(TOPIC, partition);
        CompletableFuture<LogAppendInfo> appended;
        OffsetWriteQueue.Write w;
        // Held across the append (disk I/O) on purpose: the lock makes the queue's order the log's order.
        synchronized (partitionLocks[partition]) {
            appended = r.appendAsLeader(tp, batch, (short) -1, AppendOrigin.COORDINATOR, commitTimeoutMs);
            w = writeQueues[partition].add(effect);
        }
        appended.whenComplete((info, error) -> writeQueues[partition].complete(w,
                error == null ? null : commitError(group, tp, error)));
        return w.result();
    }

    /** The error a client is told when appending its group's offsets failed, as Kafka maps it. */
    private static RuntimeException commitError(String group, TopicPartition tp, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof NotLeaderOrFollowerException || cause instanceof KafkaStorageException) {
            return new NotCoordinatorException("This node is not the coordinator of group " + group
                    + " (it does not lead " + tp + "): " + cause.getMessage());
        }
        if (cause instanceof org.apache.kafka.common.errors.InvalidProducerEpochException
                || cause instanceof org.apache.kafka.common.errors.ProducerFencedException
                || cause instanceof org.apache.kafka.common.errors.InvalidTxnStateException
                || cause instanceof org.apache.kafka.common.errors.TransactionCoordinatorFencedException) {
            return (RuntimeException) cause;
        }
        if (cause instanceof RecordTooLargeException || cause instanceof RecordBatchTooLargeException
                || cause instanceof InvalidFetchSizeException) {
            return new InvalidCommitOffsetSizeException("The offsets of group " + group + " are too large for "
                    + tp + ": " + cause.getMessage());
        }
        return new CoordinatorNotAvailableException("Offsets of group " + group + " were not replicated: "
                + cause.getMessage());
    }

    /** The committed offsets of {@code group}; empty when it has none. */
    public Map<TopicPartition, CommittedOffset> offsets(String group) {
        Map<TopicPartition, CommittedOffset> m = offsets.get(group);
        return m == null ? Map.of() : Map.copyOf(m);
    }

    public Set<String> groups() {
        return Set.copyOf(offsets.keySet());
    }

    /**
     * Deletes offsets committed before {@code cutoffMs} for the groups {@code expirable} accepts.
     *
     * @return the number of offsets deleted
     */
    public int expire(long cutoffMs, java.util.function.Predicate<String> expirable) {
        int removed = 0;
        for (String group : groups()) {
            if (!expirable.test(group)) continue;
            List<TopicPartition> old = new ArrayList<>();
            offsets(group).forEach((tp, o) -> {
                if (o.commitTimestamp() < cutoffMs) old.add(tp);
            });
            delete(group, old);
            removed += old.size();
        }
        return removed;
    }
}
