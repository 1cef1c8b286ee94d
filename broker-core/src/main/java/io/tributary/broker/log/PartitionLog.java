package io.tributary.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The log of one partition: an ordered list of {@link LogSegment}s in one directory, of which
 * the last is the active segment that takes appends.
 *
 * <p>Invariants: on a leader ({@link #append}) offsets are assigned here, contiguously from the
 * log end offset; on a follower ({@link #appendAsFollower}) they are the leader's, strictly
 * increasing and never below the log end offset. Offsets are reused only after an explicit
 * {@link #truncateTo} (a follower discarding a tail its leader does not have).
 * {@code logStartOffset <= highWatermark <= logEndOffset}; every record below the recovery point
 * has been flushed to disk; the {@link LeaderEpochCache} holds, for every leader epoch in the log,
 * the offset of its first batch, with no entry beyond the log end offset.
 *
 * <p>Transactions: the {@link ProducerStateManager} tracks every producer's open transaction; the
 * last stable offset ({@link #lastStableOffset}) is the high watermark, or the first offset of the
 * earliest transaction still open (or completed by a marker not yet below the high watermark) when
 * that is lower. An abort marker adds its transaction to the active segment's
 * {@link TransactionIndex}; a {@link FetchIsolation#TXN_COMMITTED} read stops at the last stable
 * offset and returns the aborted transactions of its range. The producer state is snapshotted
 * ({@link ProducerStateSnapshot}) at every roll and at close, so opening a log replays only what
 * follows the latest snapshot (and regenerates the transaction indexes of that part).
 *
 * <p>High watermark: by default ({@link #setHighWatermarkFollowsLogEnd} {@code true}, a
 * single-replica partition) it equals the log end offset after every append, truncation and
 * recovery. With {@code false} (a replicated partition) appends leave it alone; the owner moves it
 * forward with {@link #updateHighWatermark} and only {@link #truncateTo} moves it back. Reads for
 * consumers, timestamp lookups, retention, DeleteRecords and compaction never go at or beyond it.
 *
 * <p>Durability: by default appends are left to the page cache and flushed by {@code flush.ms} /
 * {@code flush.messages}; with {@code flush.messages=1} every batch is fsynced before
 * {@link #append} or {@link #appendAsFollower} returns. On open, segments from the recovery point
 * on are validated batch by batch and a torn or corrupt tail is truncated (unless the directory
 * was shut down cleanly). The high watermark is checkpointed with the log start offset and the
 * recovery point in {@link PartitionState} whenever that file is written (flush, roll, retention,
 * truncation, close), not on every {@link #updateHighWatermark}: the persisted value may lag, never
 * lead. {@link #truncateTo} is durable when it returns.
 *
 * <p>Thread safety: one {@link ReentrantLock} guards every mutation (append, roll, truncation,
 * retention, segment replacement, flush bookkeeping, high-watermark changes, the producer state,
 * transaction indexes and snapshots: a snapshot, a small file, is written and fsynced under the lock
 * so that it matches the log end exactly). The first unstable offset is republished in a volatile
 * field after each change, so reads compute the last stable offset without the lock. Reads take no lock:
 * they see a snapshot of the segment map and of segment files whose bytes are never rewritten in
 * place. Removed segments, and segments replaced by compaction or by a truncated copy, stay
 * readable until {@code file.delete.delay.ms} after their removal, so a read that races a
 * truncation returns the data as it was before it, a shorter result, or an
 * {@link OffsetOutOfRangeException}, never bytes of a different batch. The epoch cache has its own
 * monitor and may be queried from any thread.
 */
public final class PartitionLog implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PartitionLog.class.getName());

    private final TopicPartition tp;
    private final File dir;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    /** Segments taken out of the log whose descriptors {@link #scheduleClose} has yet to close; concurrent set. */
    private final java.util.Set<LogSegment> unlinked = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    private final ProducerStateManager producers;
    private final LeaderEpochCache epochCache;
    private volatile LogConfig config;
    private volatile long logStartOffset;
    private volatile long logEndOffset;
    private volatile long highWatermark;
    private volatile long recoveryPoint;
    private volatile long lastFlushMs;
    private long unflushedMessages;
    private volatile boolean closed;
    private volatile boolean highWatermarkFollowsLogEnd = true;
    /** How segment files are forced to disk; {@link FileSync#FORCE} unless a test observes it. */
    private volatile FileSync fileSync = FileSync.FORCE;
    /**
     * The high watermark found in the checkpoint at open, still to be applied when the owner
     * switches to an explicit high watermark; -1 when there is none. Guarded by {@link #lock}.
     */
    private long pendingHighWatermark = -1;
    /** The high watermark last written to the checkpoint. Guarded by {@link #lock}. */
    private long checkpointedHighWatermark = -1;
    /** Incremented by every truncation, so work planned before one can tell. */
    private volatile long truncations;
    /**
     * The producer state's first unstable offset ({@link ProducerStateManager#firstUnstableOffset}),
     * -1 when every transaction is settled; republished under {@link #lock} whenever it may change.
     */
    private volatile long firstUnstableOffset = -1;

    private PartitionLog(TopicPartition tp, File dir, LogConfig config, Clock clock, ScheduledExecutorService scheduler) {
        this.tp = tp;
        this.dir = dir;
        this.config = config;
        this.clock = clock;
        this.scheduler = scheduler;
        this.producers = new ProducerStateManager(tp);
        this.epochCache = LeaderEpochCache.open(tp, dir);
        this.lastFlushMs = clock.millis();
    }

    /**
     * Opens (or creates) the log in {@code dir}. With {@code cleanShutdown} the segments and
     * indexes are trusted as found; otherwise every segment from the recovery point on is
     * validated and a corrupt tail truncated.
     */
    public static PartitionLog open(TopicPartition tp, File dir, LogConfig config, boolean cleanShutdown, Clock clock,
                                    ScheduledExecutorService scheduler) throws IOException {
        boolean created = !dir.exists();
        Files.createDirectories(dir.toPath());
        if (created) {
            syncDirectory(dir);
            syncDirectory(dir.getParentFile());
        }
        PartitionLog log = new PartitionLog(tp, dir, config, clock, scheduler);
        log.load(cleanShutdown);
        return log;
    }

    private void load(boolean cleanShutdown) throws IOException {
        PartitionState state = PartitionState.read(dir);
        File[] files = dir.listFiles();
        List<Long> bases = new ArrayList<>();
        if (files != null) {
            for (File f : files) {
                String name = f.getName();
                if (name.endsWith(".cleaned") || name.endsWith(".tmp")) {
                    Files.deleteIfExists(f.toPath());
                } else if (name.endsWith(".log")) {
                    try {
                        bases.add(Long.parseLong(name.substring(0, name.length() - 4)));
                    } catch (NumberFormatException e) {
                        LOG.log(System.Logger.Level.WARNING, "Ignoring unexpected file " + f);
                    }
                }
            }
        }
        bases.sort(Long::compare);
        long recoverFrom = cleanShutdown ? Long.MAX_VALUE : state.recoveryPoint();
        boolean truncatedEarlier = false;
        List<LogSegment> recovered = new ArrayList<>();
        for (int i = 0; i < bases.size(); i++) {
            long base = bases.get(i);
            if (truncatedEarlier) {
                LOG.log(System.Logger.Level.WARNING, "Deleting segment " + base + " of " + tp
                        + " because an earlier segment had a corrupt tail");
                deleteSegmentFiles(base);
                continue;
            }
            long nextBase = i + 1 < bases.size() ? bases.get(i + 1) : Long.MAX_VALUE;
            boolean needsRecovery = nextBase > recoverFrom;
            LogSegment segment = LogSegment.open(dir, base, config.indexIntervalBytes(), !needsRecovery);
            if (needsRecovery) {
                recovered.add(segment);
                int truncated = segment.recover();
                if (truncated > 0) {
                    LOG.log(System.Logger.Level.WARNING, "Truncated " + truncated + " bytes of invalid data from "
                            + segment + " of " + tp);
                    truncatedEarlier = true;
                }
            }
            segments.put(base, segment);
        }
        if (segments.isEmpty()) {
            long base = state.logStartOffset();
            segments.put(base, LogSegment.create(dir, base, config.indexIntervalBytes(), clock.millis()));
        }
        LogSegment last = segments.lastEntry().getValue();
        logEndOffset = last.nextOffset();
        if (last.isEmpty() && last.baseOffset() > logEndOffset) logEndOffset = last.baseOffset();
        logStartOffset = Math.max(state.logStartOffset(), segments.firstKey());
        if (logStartOffset > logEndOffset) logStartOffset = logEndOffset;
        highWatermark = logEndOffset;
        if (state.highWatermark() != PartitionState.UNKNOWN_HIGH_WATERMARK) {
            pendingHighWatermark = Math.max(logStartOffset, Math.min(state.highWatermark(), logEndOffset));
        }
        // Recovered data may still be only in the page cache: make it durable before the
        // recovery point moves past it.
        for (LogSegment s : recovered) {
            if (segments.get(s.baseOffset()) == s) s.flush(fileSync);
        }
        recoveryPoint = logEndOffset;
        rebuildProducerState(!epochCache.loadedFromCheckpoint());
        epochCache.truncateFromEnd(logEndOffset);
        epochCache.truncateFromStart(logStartOffset);
        writeState();
    }

    private void deleteSegmentFiles(long base) throws IOException {
        Files.deleteIfExists(LogSegment.logFile(dir, base).toPath());
        Files.deleteIfExists(LogSegment.offsetIndexFile(dir, base).toPath());
        Files.deleteIfExists(LogSegment.timeIndexFile(dir, base).toPath());
        Files.deleteIfExists(LogSegment.txnIndexFile(dir, base).toPath());
    }

    /**
     * Rebuilds the producer state and the transaction indexes: from the latest readable
     * {@link ProducerStateSnapshot} at or below the log end (snapshots above it are deleted), then
     * by replaying every batch from that offset on; from the start of the log when there is none
     * or when {@code epochsToo}, which also rebuilds the epoch cache from the batches'
     * {@code partitionLeaderEpoch}. The transaction indexes of the replayed part are regenerated.
     * Under {@link #lock} (or before the log is shared).
     */
    private void rebuildProducerState(boolean epochsToo) throws IOException {
        producers.clear();
        long from = segments.firstKey();
        java.util.TreeSet<Long> snapshots = ProducerStateSnapshot.offsets(dir);
        for (Long offset : snapshots.tailSet(logEndOffset, false)) ProducerStateSnapshot.delete(dir, offset);
        if (!epochsToo) {
            for (Long offset : snapshots.headSet(logEndOffset, true).descendingSet()) {
                Optional<ProducerStateSnapshot.Contents> contents = ProducerStateSnapshot.read(dir, offset);
                if (contents.isPresent()) {
                    producers.restore(contents.get());
                    from = offset;
                    break;
                }
            }
        }
        List<EpochEntry> epochs = new ArrayList<>();
        int lastEpoch = -1;
        for (LogSegment segment : segments.values()) {
            if (segment.nextOffset() <= from && segments.higherKey(segment.baseOffset()) != null) continue;
            if (segment.baseOffset() >= from) segment.transactionIndex().reset();
            else segment.transactionIndex().truncateTo(from);
            for (FileChannelRecordBatch batch : segment.records().batches()) {
                if (batch.lastOffset() < from) continue;
                if (batch.hasProducerId()) {
                    Optional<ProducerStateManager.CompletedTxn> done = producers.update(batch, batch.maxTimestamp());
                    if (done.isPresent()) indexCompleted(segment, done.get());
                }
                int epoch = batch.partitionLeaderEpoch();
                if (epochsToo && epoch > lastEpoch) {
                    epochs.add(new EpochEntry(epoch, batch.baseOffset()));
                    lastEpoch = epoch;
                }
            }
        }
        producers.onHighWatermark(highWatermarkToCheckpoint());
        firstUnstableOffset = producers.firstUnstableOffset();
        if (epochsToo) {
            epochCache.rebuild(epochs);
            LOG.log(System.Logger.Level.INFO, "Rebuilt the leader epoch cache of " + tp + " from the log: " + epochs);
        }
    }

    /** Records a transaction a marker in {@code segment} just completed: aborted ones go to its transaction index. */
    private void indexCompleted(LogSegment segment, ProducerStateManager.CompletedTxn txn) throws IOException {
        if (txn.aborted()) {
            segment.transactionIndex().append(new AbortedTxn(txn.producerId(), txn.firstOffset(), txn.lastOffset(),
                    producers.lastStableOffsetAfter(txn)));
        }
    }

    /** After the high watermark or the producer state changed: republishes the first unstable offset. Under {@link #lock}. */
    private void refreshStability() {
        producers.onHighWatermark(highWatermark);
        firstUnstableOffset = producers.firstUnstableOffset();
    }

    /**
     * Writes a producer state snapshot at the log end offset and keeps only the two latest.
     * Under {@link #lock}: the snapshot must match the log end exactly (a small file, fsynced).
     */
    private void snapshotProducerState() throws IOException {
        ProducerStateSnapshot.write(dir, logEndOffset, producers.snapshot());
        java.util.TreeSet<Long> offsets = ProducerStateSnapshot.offsets(dir);
        while (offsets.size() > 2) ProducerStateSnapshot.delete(dir, offsets.pollFirst());
    }

    /**
     * Validates {@code records} from a producer, assigns offsets and appends them.
     *
     * @param singleBatch true for produce requests, which carry exactly one batch per partition
     * @return the offsets given, or those of the original append when the batch is a retry
     */
    public LogAppendInfo append(MemoryRecords records, int leaderEpoch, boolean singleBatch) {
        return append(records, leaderEpoch, singleBatch ? AppendOrigin.CLIENT : AppendOrigin.COORDINATOR);
    }

    /**
     * Validates {@code records} as {@code origin} requires, assigns offsets and appends them. Producer
     * batches and transaction markers are checked against the producer state (epochs; sequences and
     * retries for {@link AppendOrigin#CLIENT}); a marker that ends a transaction moves the first
     * unstable offset and, for an abort, adds the transaction to the active segment's index.
     *
     * @return the offsets given, or those of the original append when the batch is a retry
     */
    public LogAppendInfo append(MemoryRecords records, int leaderEpoch, AppendOrigin origin) {
        long now = clock.millis();
        LogConfig cfg = config;
        boolean singleBatch = origin.singleBatch();
        RecordBatchValidator.Validated validated = RecordBatchValidator.validate(tp, records, cfg, now, origin);
        // The topic's compression.type; the duplicate check and offsets below apply to the rebuilt batches.
        MemoryRecords recompressed = BatchRecompressor.recompress(records, cfg.compressionType(), cfg.maxMessageBytes());
        if (recompressed != records) {
            records = recompressed;
            validated = RecordBatchValidator.validateRebuilt(tp, records, cfg, origin);
        }
        lock.lock();
        try {
            ensureOpen();
            for (MutableRecordBatch batch : validated.batches()) {
                if (batch.isControlBatch()) {
                    producers.checkMarker(batch);
                    continue;
                }
                ProducerStateManager.BatchMetadata duplicate = producers.check(batch, origin, now);
                if (duplicate != null) {
                    return new LogAppendInfo(duplicate.firstOffset(), duplicate.lastOffset(),
                            cfg.timestampType() == TimestampType.LOG_APPEND_TIME ? duplicate.timestamp() : -1,
                            logStartOffset, 0, true);
                }
            }
            long firstOffset = logEndOffset;
            long next = firstOffset;
            long appendTime = cfg.timestampType() == TimestampType.LOG_APPEND_TIME ? now : -1;
            for (MutableRecordBatch batch : validated.batches()) {
                batch.setLastOffset(next + batch.lastOffset() - batch.baseOffset());
                batch.setPartitionLeaderEpoch(leaderEpoch);
                if (appendTime >= 0) batch.setMaxTimestamp(TimestampType.LOG_APPEND_TIME, appendTime);
                next = batch.lastOffset() + 1;
            }
            long lastOffset = next - 1;
            LogSegment active = maybeRoll(validated.sizeInBytes(), lastOffset, now);
            // The epoch reaches the checkpoint before the batches that carry it reach the log.
            if (leaderEpoch >= 0) epochCache.assign(leaderEpoch, firstOffset);
            active.append(records);
            for (MutableRecordBatch batch : validated.batches()) {
                Optional<ProducerStateManager.CompletedTxn> done = producers.update(batch, now);
                if (done.isPresent()) indexCompleted(active, done.get());
            }
            logEndOffset = next;
            unflushedMessages += validated.recordCount();
            // With flush.messages reached the batch is on disk before anyone can read it.
            if (unflushedMessages >= cfg.flushMessages()) flushLocked();
            advanceHighWatermarkWithLogEnd();
            refreshStability();
            return new LogAppendInfo(firstOffset, lastOffset, appendTime, logStartOffset, validated.recordCount(), false);
        } catch (IOException e) {
            throw new KafkaStorageException("Failed to append to " + tp + " in " + dir + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Appends batches replicated from the leader, as they are: their offsets, leader epochs,
     * timestamps and compression are the leader's. The batches are checked for integrity only
     * ({@link RecordBatchValidator#validateReplicated}); the first must start at or after the log
     * end offset (after it only where the leader's log has a gap left by compaction), and offsets
     * must increase from batch to batch. The epoch cache learns every batch's leader epoch, the
     * producer state every batch's sequence, and {@code flush.messages} applies as for
     * {@link #append}. The high watermark does not move unless it follows the log end.
     *
     * <p>Bytes after the last complete batch (a fetch cut short by its size limit) are ignored;
     * when no batch is complete nothing is appended.
     *
     * @return the first and last offset appended (the base offset of the first batch and the last
     *         offset of the last); both {@code -1}, with a record count of 0, when nothing was
     * @throws UnexpectedAppendOffsetException when the first batch starts below the log end offset
     * @throws org.apache.kafka.common.errors.CorruptRecordException when a batch fails its CRC, its
     *         offsets are inconsistent, or batches are out of order
     */
    public LogAppendInfo appendAsFollower(MemoryRecords records) {
        RecordBatchValidator.Validated validated = RecordBatchValidator.validateReplicated(tp, records);
        List<MutableRecordBatch> batches = validated.batches();
        if (batches.isEmpty()) return new LogAppendInfo(-1, -1, -1, logStartOffset, 0, false);
        if (validated.sizeInBytes() < records.sizeInBytes()) {
            ByteBuffer complete = records.buffer();
            complete.limit(complete.position() + validated.sizeInBytes());
            records = MemoryRecords.readableRecords(complete.slice());
        }
        long firstOffset = batches.get(0).baseOffset();
        long lastOffset = batches.get(batches.size() - 1).lastOffset();
        lock.lock();
        try {
            ensureOpen();
            if (firstOffset < logEndOffset) {
                throw new UnexpectedAppendOffsetException(tp, logEndOffset, firstOffset, lastOffset);
            }
            long now = clock.millis();
            LogSegment active = maybeRoll(validated.sizeInBytes(), lastOffset, now);
            if (active.offsetOverflows(lastOffset)) {
                // A gap wider than a segment can index: the next segment starts at the first batch.
                active = roll(firstOffset, now);
            }
            // The epochs reach the checkpoint before the batches that carry them reach the log.
            for (MutableRecordBatch batch : batches) {
                int epoch = batch.partitionLeaderEpoch();
                if (epoch >= 0) epochCache.assign(epoch, batch.baseOffset());
            }
            active.append(records);
            for (MutableRecordBatch batch : batches) {
                Optional<ProducerStateManager.CompletedTxn> done = producers.update(batch, now);
                if (done.isPresent()) indexCompleted(active, done.get());
            }
            logEndOffset = lastOffset + 1;
            unflushedMessages += validated.recordCount();
            if (unflushedMessages >= config.flushMessages()) flushLocked();
            advanceHighWatermarkWithLogEnd();
            refreshStability();
            return new LogAppendInfo(firstOffset, lastOffset, -1, logStartOffset, validated.recordCount(), false);
        } catch (IOException e) {
            throw new KafkaStorageException("Failed to append replicated batches to " + tp + " in " + dir + ": "
                    + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** After an append: in the default mode the high watermark is the new log end. Under {@link #lock}. */
    private void advanceHighWatermarkWithLogEnd() {
        if (highWatermarkFollowsLogEnd) {
            highWatermark = logEndOffset;
            // What was just exposed supersedes the checkpointed value not yet applied.
            pendingHighWatermark = -1;
        }
    }

    private LogSegment maybeRoll(int incomingBytes, long lastOffset, long now) throws IOException {
        LogSegment active = segments.lastEntry().getValue();
        LogConfig cfg = config;
        if (active.shouldRoll(incomingBytes, cfg.segmentBytes(), cfg.segmentMs(), now) || active.offsetOverflows(lastOffset)) {
            return roll(now);
        }
        return active;
    }

    /** Starts a new active segment at the log end offset; the old one is flushed in the background. */
    private LogSegment roll(long now) throws IOException {
        return roll(logEndOffset, now);
    }

    /** Starts a new active segment at {@code baseOffset}, at or above the log end offset. */
    private LogSegment roll(long baseOffset, long now) throws IOException {
        LogSegment old = segments.lastEntry().getValue();
        if (old.isEmpty() && old.baseOffset() == baseOffset) return old;
        // The next open replays from here on; what the snapshot settles must be on disk first.
        old.transactionIndex().flush();
        snapshotProducerState();
        LogSegment fresh = LogSegment.create(dir, baseOffset, config.indexIntervalBytes(), now);
        if (config.flushEveryBatch()) syncDirectory(dir);
        segments.put(fresh.baseOffset(), fresh);
        long upTo = fresh.baseOffset();
        long truncationsAtRoll = truncations;
        scheduler.execute(() -> flushSegmentsBelow(upTo, truncationsAtRoll));
        return fresh;
    }

    /** Forces a roll (used by tests and retention). */
    public void roll() {
        lock.lock();
        try {
            ensureOpen();
            roll(clock.millis());
        } catch (IOException e) {
            throw new KafkaStorageException("Failed to roll " + tp + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Flushes the segments below {@code offset} and moves the recovery point there, unless the
     * log was truncated since the roll that asked for it (the offsets below may hold new data).
     */
    private void flushSegmentsBelow(long offset, long truncationsAtRoll) {
        try {
            for (LogSegment s : segments.headMap(offset).values()) {
                if (s.nextOffset() > recoveryPoint) s.flush(fileSync);
            }
            lock.lock();
            try {
                if (offset > recoveryPoint && !closed && truncations == truncationsAtRoll) {
                    recoveryPoint = offset;
                    writeState();
                }
            } finally {
                lock.unlock();
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) LOG.log(System.Logger.Level.WARNING, "Background flush of " + tp + " failed", e);
        }
    }

    /**
     * Reads from {@code offset} up to {@code maxBytes}, never past the high watermark (a
     * consumer's read). With {@code minOneBatch} the first batch is returned whole even when it
     * exceeds {@code maxBytes}.
     *
     * @throws OffsetOutOfRangeException when the offset is below the log start or above the end
     */
    public LogReadResult read(long offset, int maxBytes, boolean minOneBatch) {
        return read(offset, maxBytes, minOneBatch, FetchIsolation.HIGH_WATERMARK);
    }

    /**
     * Reads from {@code offset} up to {@code maxBytes}, never past the high watermark or, with
     * {@link FetchIsolation#LOG_END} (a follower's fetch), the log end offset.
     *
     * @throws OffsetOutOfRangeException when the offset is below the log start or above the end
     */
    public LogReadResult read(long offset, int maxBytes, boolean minOneBatch, FetchIsolation isolation) {
        long hw = highWatermark;
        long unstable = firstUnstableOffset;
        long lso = unstable < 0 ? hw : Math.min(unstable, hw);
        long start = logStartOffset;
        long end = logEndOffset;
        if (offset < start || offset > end) {
            throw new OffsetOutOfRangeException("Offset " + offset + " is out of range for " + tp
                    + ": the log holds offsets " + start + " to " + end);
        }
        long limit = switch (isolation) {
            case LOG_END -> end;
            case HIGH_WATERMARK -> Math.min(end, hw);
            case TXN_COMMITTED -> Math.min(end, lso);
        };
        boolean committed = isolation == FetchIsolation.TXN_COMMITTED;
        if (offset >= limit) {
            return new LogReadResult(MemoryRecords.EMPTY, hw, lso, start, end, committed ? List.of() : null);
        }
        Map.Entry<Long, LogSegment> entry = segments.floorEntry(offset);
        if (entry == null) entry = segments.firstEntry();
        while (entry != null) {
            LogSegment segment = entry.getValue();
            int maxPosition;
            if (limit >= segment.nextOffset()) {
                maxPosition = segment.sizeInBytes();
            } else {
                FileRecords.LogOffsetPosition limitPos = segment.translateOffset(limit);
                maxPosition = limitPos == null ? segment.sizeInBytes() : limitPos.position;
            }
            FileRecords records = segment.read(offset, maxBytes, maxPosition, minOneBatch);
            if (records != null) {
                return new LogReadResult(records, hw, lso, start, end,
                        committed ? abortedTransactions(offset, upperBound(records, offset)) : null);
            }
            entry = segments.higherEntry(entry.getKey());
        }
        return new LogReadResult(MemoryRecords.EMPTY, hw, lso, start, end, committed ? List.of() : null);
    }

    /** The offset after the last batch of {@code records}. */
    private static long upperBound(FileRecords records, long offset) {
        long next = offset;
        for (FileChannelRecordBatch batch : records.batches()) next = batch.lastOffset() + 1;
        return next;
    }

    /**
     * The aborted transactions a {@code read_committed} consumer needs to read from {@code fetchOffset}
     * up to {@code upperBound}: those whose abort marker is at or after {@code fetchOffset} and whose
     * data starts below {@code upperBound}, from the transaction indexes of the segment holding
     * {@code fetchOffset} and every later one, in marker order.
     */
    public List<AbortedTxn> abortedTransactions(long fetchOffset, long upperBound) {
        List<AbortedTxn> out = new ArrayList<>();
        Long from = segments.floorKey(fetchOffset);
        for (LogSegment segment : (from == null ? segments : segments.tailMap(from, true)).values()) {
            segment.transactionIndex().collect(fetchOffset, upperBound, out);
        }
        return out;
    }

    /**
     * The last stable offset: the high watermark, or the first offset of an unsettled transaction
     * below it. A {@code read_committed} consumer reads only below it.
     */
    public long lastStableOffset() {
        long hw = highWatermark;
        long unstable = firstUnstableOffset;
        return unstable < 0 ? hw : Math.min(unstable, hw);
    }

    /** Whether {@code producerId} has an open transaction in this partition. */
    public boolean hasOpenTransaction(long producerId) {
        lock.lock();
        try {
            return producers.hasOpenTransaction(producerId);
        } finally {
            lock.unlock();
        }
    }

    /** The producers this partition knows, with their open transactions (DescribeProducers). */
    public List<ProducerStateManager.ActiveProducer> activeProducers() {
        lock.lock();
        try {
            return producers.describe();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The first record with a timestamp at or after {@code timestamp}, at or above the log start
     * offset; null when there is none.
     */
    public FileRecords.TimestampAndOffset offsetForTimestamp(long timestamp) {
        long start = logStartOffset;
        for (LogSegment segment : segments.values()) {
            if (segment.nextOffset() <= start || segment.maxTimestamp() < timestamp) continue;
            FileRecords.TimestampAndOffset found = segment.findOffsetByTimestamp(timestamp, start);
            if (found != null && found.offset < highWatermark) return found;
        }
        return null;
    }

    /**
     * Kafka's {@code MAX_TIMESTAMP} lookup: the first record at or above the log start offset that
     * holds the largest timestamp of those records, with the leader epoch of its batch. Null when
     * no such record has a timestamp, and null when that record is not below the high watermark
     * yet: consumers cannot read it, and Kafka then answers "no offset" rather than a smaller
     * timestamp. Never an offset below the log start or at or above the high watermark.
     */
    public FileRecords.TimestampAndOffset maxTimestampAndOffset() {
        long start = logStartOffset;
        long hw = highWatermark;
        FileRecords.TimestampAndOffset best = null;
        for (LogSegment segment : segments.values()) {
            if (segment.nextOffset() <= start) continue;
            if (segment.maxTimestamp() <= (best == null ? RecordBatch.NO_TIMESTAMP : best.timestamp)) continue;
            FileRecords.TimestampAndOffset found = segment.largestTimestampFrom(start);
            if (found != null && (best == null || found.timestamp > best.timestamp)) best = found;
        }
        return best == null || best.offset >= hw ? null : best;
    }

    /**
     * Moves the log start offset to {@code offset} (DeleteRecords). Records below it become
     * unreadable at once; whole segments below it are deleted.
     *
     * @param offset the new start, or {@code -1} for the high watermark
     * @return the log start offset afterwards
     */
    public long deleteRecordsBefore(long offset) {
        lock.lock();
        try {
            ensureOpen();
            long target = offset == -1 ? highWatermark : offset;
            if (target < 0 || target > highWatermark) {
                throw new OffsetOutOfRangeException("Cannot delete records of " + tp + " before offset " + offset
                        + ": it is above the high watermark " + highWatermark);
            }
            if (target > logStartOffset) {
                logStartOffset = target;
                epochCache.truncateFromStart(logStartOffset);
                writeState();
                deleteSegments(segment -> segment.nextOffset() <= logStartOffset, false);
            }
            return logStartOffset;
        } catch (IOException e) {
            throw new KafkaStorageException("Failed to delete records of " + tp + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Applies retention: with {@code cleanup.policy} containing {@code delete}, whole segments
     * older than {@code retention.ms} or beyond {@code retention.bytes} are deleted (oldest first).
     *
     * @return the number of segments deleted
     */
    public int applyRetention() {
        LogConfig cfg = config;
        if (!cfg.delete()) return 0;
        lock.lock();
        try {
            if (closed) return 0;
            long now = clock.millis();
            int deleted = 0;
            if (cfg.retentionMs() >= 0) {
                deleted += deleteSegments(segment -> now - segment.retentionTimestamp() > cfg.retentionMs(), true);
            }
            if (cfg.retentionBytes() >= 0) {
                long[] excess = {size() - cfg.retentionBytes()};
                deleted += deleteSegments(segment -> {
                    if (excess[0] - segment.sizeInBytes() >= 0) {
                        excess[0] -= segment.sizeInBytes();
                        return true;
                    }
                    return false;
                }, false);
            }
            return deleted;
        } catch (IOException e) {
            throw new KafkaStorageException("Retention failed for " + tp + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Deletes leading segments while {@code predicate} holds and the segment lies wholly below the
     * high watermark (its successor's base offset, or the log end for the active segment, is at or
     * below it). The active segment is deleted only with {@code includeActive}, after rolling a new
     * empty one in its place.
     */
    private int deleteSegments(java.util.function.Predicate<LogSegment> predicate, boolean includeActive) throws IOException {
        List<LogSegment> doomed = new ArrayList<>();
        LogSegment active = segments.lastEntry().getValue();
        long hw = highWatermark;
        for (LogSegment segment : segments.values()) {
            Long next = segments.higherKey(segment.baseOffset());
            long upperBound = next != null ? next : logEndOffset;
            if (upperBound > hw) break;
            if (segment == active) {
                if (includeActive && !segment.isEmpty() && predicate.test(segment)) doomed.add(segment);
                break;
            }
            if (!predicate.test(segment)) break;
            doomed.add(segment);
        }
        if (doomed.isEmpty()) return 0;
        if (doomed.get(doomed.size() - 1) == active) roll(clock.millis());
        for (LogSegment segment : doomed) {
            segments.remove(segment.baseOffset());
            segment.deleteFiles();
            scheduleClose(segment);
        }
        long newStart = segments.firstKey();
        if (newStart > logStartOffset) {
            logStartOffset = Math.min(newStart, logEndOffset);
            epochCache.truncateFromStart(logStartOffset);
        }
        writeState();
        LOG.log(System.Logger.Level.INFO, "Deleted " + doomed.size() + " segment(s) of " + tp + "; log start offset is now "
                + logStartOffset);
        return doomed.size();
    }

    /**
     * Replaces {@code old} with the segment file {@code cleaned} (compaction). The replacement
     * holds a subset of the old segment's records at the same offsets. Returns false when the old
     * segment is no longer part of the log.
     */
    boolean replaceSegment(LogSegment old, File cleaned) throws IOException {
        lock.lock();
        try {
            if (closed || segments.get(old.baseOffset()) != old || segments.lastEntry().getValue() == old) {
                Files.deleteIfExists(cleaned.toPath());
                return false;
            }
            // The old segment (indexes included) stays open until the delayed close below: readers
            // and a background flush that took it from the map before the swap may still use it.
            Files.deleteIfExists(old.offsetIndex().file().toPath());
            Files.deleteIfExists(old.timeIndex().file().toPath());
            Files.move(cleaned.toPath(), LogSegment.logFile(dir, old.baseOffset()).toPath(),
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            LogSegment fresh = LogSegment.open(dir, old.baseOffset(), config.indexIntervalBytes(), false);
            fresh.rebuildIndexes();
            fresh.flush(fileSync);
            segments.put(fresh.baseOffset(), fresh);
            scheduleClose(old);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes every record at or after {@code offset}; does nothing when {@code offset} is at or
     * beyond the log end. Used by a follower to discard a tail its leader does not have.
     *
     * <p>{@code offset} is expected to be a batch boundary. When it falls inside a batch the
     * whole batch goes, so the log then ends at that batch's base offset. When it falls in a gap
     * left by compaction the log ends at {@code offset}. When it is below the log start offset the
     * log start moves down to the new end, leaving an empty log there.
     *
     * <p>Segments wholly at or above the new end are deleted; the segment holding it is replaced
     * by a copy of its bytes below the cut (fsynced, renamed over the old file, indexes rebuilt),
     * so no byte a concurrent reader may hold is ever rewritten: replaced and deleted segments stay
     * open for {@code file.delete.delay.ms}. The cost is a copy of the retained part of that one
     * segment. Afterwards the high watermark is {@code min(highWatermark, newEnd)}, the recovery
     * point {@code min(recoveryPoint, newEnd)}, epochs starting at or after the new end are
     * forgotten, the producer state is rebuilt from the remaining log, and the state checkpoint
     * is written: the truncation is durable when this returns.
     *
     * @return the log end offset afterwards
     */
    public long truncateTo(long offset) {
        if (offset < 0) throw new IllegalArgumentException("Cannot truncate " + tp + " to negative offset " + offset);
        lock.lock();
        try {
            ensureOpen();
            if (offset >= logEndOffset) return logEndOffset;
            long newEnd = batchBoundaryAtOrBelow(offset);
            long oldEnd = logEndOffset;
            List<LogSegment> doomed = new ArrayList<>(segments.tailMap(newEnd, true).values());
            // The segment holding the new end, cut at the first batch at or after it.
            Map.Entry<Long, LogSegment> below = segments.lowerEntry(newEnd);
            LogSegment cutSegment = null;
            int cut = 0;
            if (below != null && below.getValue().nextOffset() > newEnd) {
                FileRecords.LogOffsetPosition position = below.getValue().translateOffset(newEnd);
                if (position != null) {
                    cutSegment = below.getValue();
                    cut = position.position;
                }
            }
            if (cutSegment != null && cut == 0) {
                // Compaction left nothing below the cut in this segment: it goes whole.
                doomed.add(cutSegment);
                below = segments.lowerEntry(cutSegment.baseOffset());
                cutSegment = null;
            }
            // Unlink first: a segment created below under a doomed segment's name must be a new file.
            for (LogSegment segment : doomed) segment.deleteFiles();
            LogSegment lastKept = below == null ? null : below.getValue();
            if (cutSegment != null) {
                lastKept = truncatedCopy(cutSegment, cut);
                segments.put(lastKept.baseOffset(), lastKept);
                scheduleClose(cutSegment);
            }
            if (lastKept == null || lastKept.nextOffset() < newEnd) {
                // Nothing left, or a gap before the new end: an empty active segment keeps the end across a reopen.
                segments.put(newEnd, LogSegment.create(dir, newEnd, config.indexIntervalBytes(), clock.millis()));
            }
            for (LogSegment segment : doomed) {
                segments.remove(segment.baseOffset(), segment);
                scheduleClose(segment);
            }
            // The high watermark drops before the log end, so a concurrent read never sees it above the end.
            highWatermark = Math.min(highWatermark, newEnd);
            if (pendingHighWatermark >= 0) pendingHighWatermark = Math.min(pendingHighWatermark, newEnd);
            logEndOffset = newEnd;
            if (logStartOffset > newEnd) logStartOffset = newEnd;
            recoveryPoint = Math.min(recoveryPoint, newEnd);
            truncations++;
            epochCache.truncateFromEnd(newEnd);
            rebuildProducerState(false);
            syncDirectory(dir);
            writeState();
            LOG.log(System.Logger.Level.INFO, "Truncated " + tp + " to offset " + newEnd + " (asked for " + offset
                    + "); removed offsets " + newEnd + ".." + (oldEnd - 1));
            return newEnd;
        } catch (IOException e) {
            throw new KafkaStorageException("Failed to truncate " + tp + " to offset " + offset + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Deletes every segment and restarts the log empty at {@code newOffset}, which becomes the
     * log start, log end, high watermark and recovery point; the epoch cache and producer state
     * are cleared. Used by a follower whose log is entirely below the leader's log start, or that
     * must refetch from a point that is not a batch boundary of its own log. Durable when it
     * returns; concurrent readers are protected as in {@link #truncateTo}.
     */
    public void truncateFullyAndStartAt(long newOffset) {
        if (newOffset < 0) {
            throw new IllegalArgumentException("Cannot restart " + tp + " at negative offset " + newOffset);
        }
        lock.lock();
        try {
            ensureOpen();
            List<LogSegment> doomed = new ArrayList<>(segments.values());
            for (LogSegment segment : doomed) segment.deleteFiles();
            segments.put(newOffset, LogSegment.create(dir, newOffset, config.indexIntervalBytes(), clock.millis()));
            for (LogSegment segment : doomed) {
                segments.remove(segment.baseOffset(), segment);
                scheduleClose(segment);
            }
            if (newOffset < highWatermark) highWatermark = newOffset;
            logStartOffset = newOffset;
            logEndOffset = newOffset;
            highWatermark = newOffset;
            pendingHighWatermark = -1;
            recoveryPoint = newOffset;
            unflushedMessages = 0;
            truncations++;
            epochCache.clear();
            producers.clear();
            firstUnstableOffset = -1;
            for (Long snapshot : ProducerStateSnapshot.offsets(dir)) ProducerStateSnapshot.delete(dir, snapshot);
            syncDirectory(dir);
            writeState();
            LOG.log(System.Logger.Level.INFO, "Emptied " + tp + "; it now starts at offset " + newOffset);
        } catch (IOException e) {
            throw new KafkaStorageException("Failed to restart " + tp + " at offset " + newOffset + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** The base offset of the batch holding {@code offset}, or {@code offset} when no batch holds it. */
    private long batchBoundaryAtOrBelow(long offset) {
        Map.Entry<Long, LogSegment> entry = segments.floorEntry(offset);
        if (entry == null) return offset;
        LogSegment segment = entry.getValue();
        FileRecords.LogOffsetPosition position = segment.translateOffset(offset);
        if (position == null) return offset;
        for (FileChannelRecordBatch batch : segment.records().batchesFrom(position.position)) {
            return Math.min(offset, batch.baseOffset());
        }
        return offset;
    }

    /**
     * A new segment holding the first {@code bytes} bytes of {@code segment}, under its name. The
     * copy is fsynced before it is renamed over the old file; the old segment object keeps reading
     * the old, now unlinked, file.
     */
    private LogSegment truncatedCopy(LogSegment segment, int bytes) throws IOException {
        long base = segment.baseOffset();
        File tmp = new File(dir, LogSegment.fileName(base, ".log.truncated.tmp"));
        Files.deleteIfExists(tmp.toPath());
        FileChannel source = segment.records().channel();
        try (FileChannel out = FileChannel.open(tmp.toPath(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long copied = 0;
            while (copied < bytes) {
                long n = source.transferTo(copied, bytes - copied, out);
                if (n <= 0) {
                    throw new IOException("Copy of " + segment.records().file() + " stopped at byte " + copied + " of " + bytes);
                }
                copied += n;
            }
            out.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp.toPath());
            throw e;
        }
        // segment.ms and the mtime fallback of retention keep counting from the original file.
        Files.setLastModifiedTime(tmp.toPath(), FileTime.fromMillis(segment.records().file().lastModified()));
        Files.deleteIfExists(segment.offsetIndex().file().toPath());
        Files.deleteIfExists(segment.timeIndex().file().toPath());
        Files.move(tmp.toPath(), LogSegment.logFile(dir, base).toPath(), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        LogSegment copy = LogSegment.open(dir, base, config.indexIntervalBytes(), false);
        copy.rebuildIndexes();
        copy.flush(fileSync);
        return copy;
    }

    /**
     * Closes {@code segment}, whose files are already unlinked or replaced, after
     * {@code file.delete.delay.ms} (reads that still hold it finish first), or when this log closes,
     * whichever comes first: the scheduler drops such waits when it shuts down.
     */
    private void scheduleClose(LogSegment segment) {
        unlinked.add(segment);
        scheduler.schedule(() -> {
            closeQuietly(segment);
            unlinked.remove(segment);
        }, config.fileDeleteDelayMs(), TimeUnit.MILLISECONDS);
    }

    private void closeUnlinked() {
        for (LogSegment s : unlinked) closeQuietly(s);
        unlinked.clear();
    }

    /**
     * Called when this node becomes the partition's leader: for {@code windowMs} a producer the log
     * does not know must start at sequence 0 ({@link ProducerStateManager}'s class comment says why).
     */
    public void leadershipStarted(long windowMs) {
        lock.lock();
        try {
            producers.expectFirstSequenceZeroUntil(clock.millis() + windowMs);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Chooses who moves the high watermark. {@code true} (the default, a single-replica
     * partition): it is the log end offset, now and after every append. {@code false} (a
     * replicated partition): appends leave it alone and the owner moves it with
     * {@link #updateHighWatermark}. The first switch to {@code false} after open restores the
     * value checkpointed by the previous run, capped at the log end; a checkpoint without one (a
     * partition that was never replicated) leaves it at the log end, where the default mode had it.
     */
    public void setHighWatermarkFollowsLogEnd(boolean follows) {
        lock.lock();
        try {
            if (follows) {
                highWatermarkFollowsLogEnd = true;
                highWatermark = logEndOffset;
                pendingHighWatermark = -1;
            } else if (highWatermarkFollowsLogEnd) {
                if (pendingHighWatermark >= 0) {
                    highWatermark = Math.max(logStartOffset, Math.min(pendingHighWatermark, logEndOffset));
                    pendingHighWatermark = -1;
                }
                highWatermarkFollowsLogEnd = false;
            }
            refreshStability();
        } finally {
            lock.unlock();
        }
    }

    public boolean highWatermarkFollowsLogEnd() {
        return highWatermarkFollowsLogEnd;
    }

    /**
     * Moves the high watermark forward to {@code hw}, clamped to {@code [logStartOffset,
     * logEndOffset]}. A value below the current high watermark is ignored, as is any call while
     * the high watermark follows the log end. The new value is checkpointed with the next state
     * write, not at once.
     *
     * @return the high watermark afterwards
     */
    public long updateHighWatermark(long hw) {
        lock.lock();
        try {
            if (!highWatermarkFollowsLogEnd) {
                long clamped = Math.max(logStartOffset, Math.min(hw, logEndOffset));
                if (clamped > highWatermark) {
                    highWatermark = clamped;
                    refreshStability();
                }
            }
            return highWatermark;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Where leader epoch {@code epoch} ends in this log (OffsetsForLeaderEpoch); see
     * {@link LeaderEpochCache#endOffsetFor}. Empty when the answer is undefined.
     */
    public Optional<EpochEndOffset> endOffsetForEpoch(int epoch) {
        EpochEndOffset result = epochCache.endOffsetFor(epoch, logEndOffset);
        return result.isUndefined() ? Optional.empty() : Optional.of(result);
    }

    /** The latest leader epoch in the log (or assigned to it), if any. */
    public OptionalInt latestEpoch() {
        return epochCache.latestEpoch();
    }

    /**
     * Records that leader epoch {@code epoch} starts at the current log end offset, before this
     * replica, now its leader, has appended anything in it (Kafka does this on becoming leader).
     * Ignored when the epoch is not above the latest one.
     */
    public void assignEpochStartOffset(int epoch) {
        lock.lock();
        try {
            ensureOpen();
            epochCache.assign(epoch, logEndOffset);
        } finally {
            lock.unlock();
        }
    }

    /** The epoch cache, for inspection; mutate the log through its own methods. */
    public LeaderEpochCache leaderEpochCache() {
        return epochCache;
    }

    /** How many truncations this log has seen since it was opened. */
    long truncationCount() {
        return truncations;
    }

    /**
     * Forces segment files to disk through {@code sync} from now on (every flush of this log: the
     * one {@code flush.messages} makes before an append returns, timed flushes, flushes after a roll).
     * A test seam; see {@link FileSync}.
     */
    public void useFileSync(FileSync sync) {
        this.fileSync = sync;
    }

    /** Flushes every segment to disk and advances the recovery point to the log end offset. */
    public void flush() {
        lock.lock();
        try {
            ensureOpen();
            flushLocked();
        } catch (IOException e) {
            throw new KafkaStorageException("Failed to flush " + tp + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private void flushLocked() throws IOException {
        for (LogSegment s : segments.values()) {
            if (s.nextOffset() > recoveryPoint || s == segments.lastEntry().getValue()) s.flush(fileSync);
        }
        unflushedMessages = 0;
        lastFlushMs = clock.millis();
        if (recoveryPoint != logEndOffset || checkpointedHighWatermark != highWatermarkToCheckpoint()) {
            recoveryPoint = logEndOffset;
            writeState();
        }
    }

    /** Flushes if {@code flush.ms} has passed since the last flush and there is unflushed data. */
    public void maybeFlushByTime() {
        LogConfig cfg = config;
        if (cfg.flushMs() == Long.MAX_VALUE) return;
        lock.lock();
        try {
            if (!closed && unflushedMessages > 0 && clock.millis() - lastFlushMs >= cfg.flushMs()) flushLocked();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "Timed flush of " + tp + " failed", e);
        } finally {
            lock.unlock();
        }
    }

    /** Rolls the active segment if {@code segment.ms} has passed, even without new appends. */
    public void maybeRollByTime() {
        lock.lock();
        try {
            if (closed) return;
            LogSegment active = segments.lastEntry().getValue();
            if (active.shouldRoll(0, Integer.MAX_VALUE, config.segmentMs(), clock.millis())) roll(clock.millis());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "Timed roll of " + tp + " failed", e);
        } finally {
            lock.unlock();
        }
    }

    public void expireProducers(long expirationMs) {
        lock.lock();
        try {
            producers.expire(clock.millis(), expirationMs);
        } finally {
            lock.unlock();
        }
    }

    private void writeState() throws IOException {
        long hw = highWatermarkToCheckpoint();
        new PartitionState(logStartOffset, recoveryPoint, hw).write(dir);
        checkpointedHighWatermark = hw;
    }

    /** The checkpointed value not yet applied wins over the default mode's log end. Under {@link #lock}. */
    private long highWatermarkToCheckpoint() {
        return pendingHighWatermark >= 0 ? pendingHighWatermark : highWatermark;
    }

    private void ensureOpen() {
        if (closed) throw new KafkaStorageException("Log of " + tp + " is closed");
    }

    private static void closeQuietly(LogSegment segment) {
        try {
            segment.close();
        } catch (IOException | RuntimeException ignored) {
            // Already unlinked; closing only releases the descriptor.
        }
    }

    /** Flushes and closes every segment; the log may not be used afterwards. */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (closed) return;
            flushLocked();
            snapshotProducerState();
            closed = true;
            for (LogSegment s : segments.values()) s.close();
            closeUnlinked();
        } finally {
            lock.unlock();
        }
    }

    /** Closes the files without flushing or writing state (after a failed start). */
    public void abandon() {
        lock.lock();
        try {
            closed = true;
            for (LogSegment s : segments.values()) closeQuietly(s);
            closeUnlinked();
        } finally {
            lock.unlock();
        }
    }

    /** Closes the log without flushing and deletes its directory. */
    public void delete() throws IOException {
        lock.lock();
        try {
            closed = true;
            for (LogSegment s : segments.values()) closeQuietly(s);
            segments.clear();
            deleteRecursively(dir);
        } finally {
            lock.unlock();
        }
    }

    /** Makes a new or renamed directory entry durable; not every file system supports it. */
    static void syncDirectory(File directory) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(directory.toPath(),
                java.nio.file.StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // The entry still reaches the disk with the next journal commit.
        }
    }

    static void deleteRecursively(File f) throws IOException {
        File[] children = f.listFiles();
        if (children != null) for (File c : children) deleteRecursively(c);
        Files.deleteIfExists(f.toPath());
    }

    public void updateConfig(LogConfig config) {
        this.config = config;
    }

    public TopicPartition topicPartition() { return tp; }
    public File dir() { return dir; }
    public LogConfig config() { return config; }
    public long logStartOffset() { return logStartOffset; }
    public long logEndOffset() { return logEndOffset; }
    public long highWatermark() { return highWatermark; }
    public long recoveryPoint() { return recoveryPoint; }
    public Clock clock() { return clock; }

    /** Total bytes in all segments. */
    public long size() {
        long total = 0;
        for (LogSegment s : segments.values()) total += s.sizeInBytes();
        return total;
    }

    public int segmentCount() {
        return segments.size();
    }

    /** A snapshot of the segments, oldest first. */
    public List<LogSegment> segments() {
        return List.copyOf(segments.values());
    }

    LogSegment activeSegment() {
        return segments.lastEntry().getValue();
    }

    @Override
    public String toString() {
        return "PartitionLog(" + tp + ", offsets " + logStartOffset + ".." + logEndOffset + ", " + segments.size() + " segments)";
    }
}
