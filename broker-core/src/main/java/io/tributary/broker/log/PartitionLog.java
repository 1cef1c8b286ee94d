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
import java.nio.file.Files;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The log of one partition: an ordered list of {@link LogSegment}s in one directory, of which
 * the last is the active segment that takes appends.
 *
 * <p>Invariants: offsets are assigned here, contiguously from the log end offset, and are never
 * reused; {@code logStartOffset <= highWatermark <= logEndOffset}; every record below the
 * recovery point has been flushed to disk. Until replication exists the high watermark equals the
 * log end offset.
 *
 * <p>Durability: by default appends are left to the page cache and flushed by {@code flush.ms} /
 * {@code flush.messages}; with {@code flush.messages=1} every batch is fsynced before
 * {@link #append} returns. On open, segments from the recovery point on are validated batch by
 * batch and a torn or corrupt tail is truncated (unless the directory was shut down cleanly).
 *
 * <p>Thread safety: one {@link ReentrantLock} guards every mutation (append, roll, truncation,
 * retention, segment replacement, flush bookkeeping). Reads take no lock: they see a snapshot of
 * the segment map and sizes that only grow, and removed segments stay readable until
 * {@code file.delete.delay.ms} after their removal.
 */
public final class PartitionLog implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PartitionLog.class.getName());

    private final TopicPartition tp;
    private final File dir;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final ReentrantLock lock = new ReentrantLock();
    private final ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    private final ProducerStateManager producers;
    private volatile LogConfig config;
    private volatile long logStartOffset;
    private volatile long logEndOffset;
    private volatile long highWatermark;
    private volatile long recoveryPoint;
    private volatile long lastFlushMs;
    private long unflushedMessages;
    private volatile boolean closed;

    private PartitionLog(TopicPartition tp, File dir, LogConfig config, Clock clock, ScheduledExecutorService scheduler) {
        this.tp = tp;
        this.dir = dir;
        this.config = config;
        this.clock = clock;
        this.scheduler = scheduler;
        this.producers = new ProducerStateManager(tp);
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
        // Recovered data may still be only in the page cache: make it durable before the
        // recovery point moves past it.
        for (LogSegment s : recovered) {
            if (segments.get(s.baseOffset()) == s) s.flush();
        }
        recoveryPoint = logEndOffset;
        rebuildProducerState();
        writeState();
    }

    private void deleteSegmentFiles(long base) throws IOException {
        Files.deleteIfExists(LogSegment.logFile(dir, base).toPath());
        Files.deleteIfExists(LogSegment.offsetIndexFile(dir, base).toPath());
        Files.deleteIfExists(LogSegment.timeIndexFile(dir, base).toPath());
    }

    private void rebuildProducerState() {
        producers.clear();
        for (LogSegment segment : segments.values()) {
            for (FileChannelRecordBatch batch : segment.records().batches()) {
                if (batch.hasProducerId()) producers.update(batch, batch.maxTimestamp());
            }
        }
    }

    /**
     * Validates {@code records} from a producer, assigns offsets and appends them.
     *
     * @param singleBatch true for produce requests, which carry exactly one batch per partition
     * @return the offsets given, or those of the original append when the batch is a retry
     */
    public LogAppendInfo append(MemoryRecords records, int leaderEpoch, boolean singleBatch) {
        long now = clock.millis();
        LogConfig cfg = config;
        RecordBatchValidator.Validated validated = RecordBatchValidator.validate(tp, records, cfg, now, singleBatch);
        // The topic's compression.type; the duplicate check and offsets below apply to the rebuilt batches.
        MemoryRecords recompressed = BatchRecompressor.recompress(records, cfg.compressionType());
        if (recompressed != records) {
            records = recompressed;
            validated = RecordBatchValidator.validate(tp, records, cfg, now, singleBatch);
        }
        lock.lock();
        try {
            ensureOpen();
            for (MutableRecordBatch batch : validated.batches()) {
                ProducerStateManager.BatchMetadata duplicate = producers.check(batch);
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
            active.append(records);
            for (MutableRecordBatch batch : validated.batches()) producers.update(batch, now);
            logEndOffset = next;
            unflushedMessages += validated.recordCount();
            // With flush.messages reached the batch is on disk before anyone can read it.
            if (unflushedMessages >= cfg.flushMessages()) flushLocked();
            highWatermark = next;
            return new LogAppendInfo(firstOffset, lastOffset, appendTime, logStartOffset, validated.recordCount(), false);
        } catch (IOException e) {
            throw new KafkaStorageException("Failed to append to " + tp + " in " + dir + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
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
        LogSegment old = segments.lastEntry().getValue();
        if (old.isEmpty() && old.baseOffset() == logEndOffset) return old;
        LogSegment fresh = LogSegment.create(dir, logEndOffset, config.indexIntervalBytes(), now);
        if (config.flushEveryBatch()) syncDirectory(dir);
        segments.put(fresh.baseOffset(), fresh);
        long upTo = fresh.baseOffset();
        scheduler.execute(() -> flushSegmentsBelow(upTo));
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

    private void flushSegmentsBelow(long offset) {
        try {
            for (LogSegment s : segments.headMap(offset).values()) {
                if (s.nextOffset() > recoveryPoint) s.flush();
            }
            lock.lock();
            try {
                if (offset > recoveryPoint && !closed) {
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
     * Reads from {@code offset} up to {@code maxBytes}, never past the high watermark. With
     * {@code minOneBatch} the first batch is returned whole even when it exceeds {@code maxBytes}.
     *
     * @throws OffsetOutOfRangeException when the offset is below the log start or above the end
     */
    public LogReadResult read(long offset, int maxBytes, boolean minOneBatch) {
        long hw = highWatermark;
        long start = logStartOffset;
        long end = logEndOffset;
        if (offset < start || offset > end) {
            throw new OffsetOutOfRangeException("Offset " + offset + " is out of range for " + tp
                    + ": the log holds offsets " + start + " to " + end);
        }
        if (offset >= hw) return new LogReadResult(MemoryRecords.EMPTY, hw, start, end);
        Map.Entry<Long, LogSegment> entry = segments.floorEntry(offset);
        if (entry == null) entry = segments.firstEntry();
        while (entry != null) {
            LogSegment segment = entry.getValue();
            int maxPosition;
            if (hw >= segment.nextOffset()) {
                maxPosition = segment.sizeInBytes();
            } else {
                FileRecords.LogOffsetPosition hwPos = segment.translateOffset(hw);
                maxPosition = hwPos == null ? segment.sizeInBytes() : hwPos.position;
            }
            FileRecords records = segment.read(offset, maxBytes, maxPosition, minOneBatch);
            if (records != null) return new LogReadResult(records, hw, start, end);
            entry = segments.higherEntry(entry.getKey());
        }
        return new LogReadResult(MemoryRecords.EMPTY, hw, start, end);
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

    /** The record with the largest timestamp (Kafka's {@code MAX_TIMESTAMP} lookup), or null when empty. */
    public FileRecords.TimestampAndOffset maxTimestampAndOffset() {
        long bestTs = RecordBatch.NO_TIMESTAMP;
        long bestOffset = -1;
        LogSegment bestSegment = null;
        for (LogSegment segment : segments.values()) {
            if (segment.nextOffset() <= logStartOffset) continue;
            if (segment.maxTimestamp() > bestTs) {
                bestTs = segment.maxTimestamp();
                bestOffset = segment.offsetOfMaxTimestamp();
                bestSegment = segment;
            }
        }
        if (bestOffset < 0) return null;
        // The segment knows only the batch (its last offset); the record is found inside it.
        FileRecords.LogOffsetPosition position = bestSegment.translateOffset(bestOffset);
        if (position != null) {
            for (FileChannelRecordBatch batch : bestSegment.records().batchesFrom(position.position)) {
                if (batch.maxTimestamp() == bestTs) bestOffset = batch.offsetOfMaxTimestamp().orElse(bestOffset);
                break;
            }
        }
        return new FileRecords.TimestampAndOffset(bestTs, bestOffset, java.util.Optional.empty());
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
     * Deletes leading segments while {@code predicate} holds. The active segment is deleted only
     * with {@code includeActive}, after rolling a new empty one in its place.
     */
    private int deleteSegments(java.util.function.Predicate<LogSegment> predicate, boolean includeActive) throws IOException {
        List<LogSegment> doomed = new ArrayList<>();
        LogSegment active = segments.lastEntry().getValue();
        for (LogSegment segment : segments.values()) {
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
            scheduler.schedule(() -> closeQuietly(segment), config.fileDeleteDelayMs(), TimeUnit.MILLISECONDS);
        }
        long newStart = segments.firstKey();
        if (newStart > logStartOffset) {
            logStartOffset = Math.min(newStart, logEndOffset);
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
            fresh.flush();
            segments.put(fresh.baseOffset(), fresh);
            scheduler.schedule(() -> closeQuietly(old), config.fileDeleteDelayMs(), TimeUnit.MILLISECONDS);
            return true;
        } finally {
            lock.unlock();
        }
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
            if (s.nextOffset() > recoveryPoint || s == segments.lastEntry().getValue()) s.flush();
        }
        unflushedMessages = 0;
        lastFlushMs = clock.millis();
        if (recoveryPoint != logEndOffset) {
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
        new PartitionState(logStartOffset, recoveryPoint).write(dir);
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
            closed = true;
            for (LogSegment s : segments.values()) s.close();
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
