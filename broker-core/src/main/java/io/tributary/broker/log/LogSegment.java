package io.tributary.broker.log;

import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Iterator;
import java.util.Optional;

/**
 * One segment of a partition log: a file of Kafka v2 record batches whose offsets start at
 * {@link #baseOffset()}, with its sparse {@link OffsetIndex} and {@link TimeIndex}.
 *
 * <p>Files, all named by the base offset padded to 20 digits: {@code <base>.log} holds the
 * batches exactly as they are sent on the wire (after offset assignment), {@code <base>.index}
 * and {@code <base>.timeindex} the two indexes, {@code <base>.txnindex} the aborted transactions
 * whose markers the segment holds ({@link TransactionIndex}). Offsets within a segment are strictly
 * increasing but may have gaps after compaction.
 *
 * <p>Recovery ({@link #recover()}) reads every batch, validates magic, CRC-32C, size and offset
 * order, rebuilds both indexes and truncates the file at the first invalid or torn batch. That is
 * the only place bytes that were written can be removed without an explicit truncation.
 *
 * <p>Thread safety: mutations (append, truncate, recover, flush, close) are made by the owning
 * {@link PartitionLog} under its lock. {@link #read} and the lookups may run concurrently with an
 * append: the file's size is published after the bytes are written, so a reader never sees a
 * partial batch.
 */
public final class LogSegment {
    private final File dir;
    private final long baseOffset;
    private final FileRecords log;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;
    private final TransactionIndex txnIndex;
    private final int indexIntervalBytes;
    private final long createdMs;
    private int bytesSinceLastIndexEntry;
    private volatile long maxTimestamp = RecordBatch.NO_TIMESTAMP;
    private volatile long offsetOfMaxTimestamp = -1;
    private volatile long nextOffset;

    private LogSegment(File dir, long baseOffset, FileRecords log, OffsetIndex offsetIndex, TimeIndex timeIndex,
                       TransactionIndex txnIndex, int indexIntervalBytes, long createdMs) {
        this.dir = dir;
        this.baseOffset = baseOffset;
        this.log = log;
        this.offsetIndex = offsetIndex;
        this.timeIndex = timeIndex;
        this.txnIndex = txnIndex;
        this.indexIntervalBytes = indexIntervalBytes;
        this.createdMs = createdMs;
        this.nextOffset = baseOffset;
    }

    public static String fileName(long offset, String suffix) {
        return String.format("%020d%s", offset, suffix);
    }

    public static File logFile(File dir, long baseOffset) {
        return new File(dir, fileName(baseOffset, ".log"));
    }

    static File offsetIndexFile(File dir, long baseOffset) {
        return new File(dir, fileName(baseOffset, ".index"));
    }

    static File timeIndexFile(File dir, long baseOffset) {
        return new File(dir, fileName(baseOffset, ".timeindex"));
    }

    static File txnIndexFile(File dir, long baseOffset) {
        return new File(dir, fileName(baseOffset, ".txnindex"));
    }

    /** Creates a new, empty segment. */
    public static LogSegment create(File dir, long baseOffset, int indexIntervalBytes, long nowMs) throws IOException {
        File file = logFile(dir, baseOffset);
        Files.deleteIfExists(offsetIndexFile(dir, baseOffset).toPath());
        Files.deleteIfExists(timeIndexFile(dir, baseOffset).toPath());
        FileRecords records = FileRecords.open(file, true, false, 0, false);
        records.truncateTo(0);
        return new LogSegment(dir, baseOffset, records,
                OffsetIndex.open(offsetIndexFile(dir, baseOffset), baseOffset),
                TimeIndex.open(timeIndexFile(dir, baseOffset), baseOffset),
                TransactionIndex.create(txnIndexFile(dir, baseOffset)), indexIntervalBytes, nowMs);
    }

    /**
     * Opens an existing segment. When {@code trustIndexes} is true (clean shutdown) the indexes
     * are used as found unless missing or inconsistent; otherwise the caller runs {@link #recover()}.
     * Returns the segment with its next offset and largest timestamp loaded.
     */
    public static LogSegment open(File dir, long baseOffset, int indexIntervalBytes, boolean trustIndexes)
            throws IOException {
        File file = logFile(dir, baseOffset);
        File offsetFile = offsetIndexFile(dir, baseOffset);
        File timeFile = timeIndexFile(dir, baseOffset);
        boolean indexesPresent = offsetFile.exists() && timeFile.exists();
        FileRecords records = FileRecords.open(file, true, true, 0, false);
        LogSegment segment = new LogSegment(dir, baseOffset, records, OffsetIndex.open(offsetFile, baseOffset),
                TimeIndex.open(timeFile, baseOffset), TransactionIndex.open(txnIndexFile(dir, baseOffset)),
                indexIntervalBytes, file.lastModified());
        if (trustIndexes) {
            segment.loadTail();
            if (!indexesPresent || !segment.offsetIndex.sanityCheck(segment.lastOffset(), records.sizeInBytes())
                    || !segment.timeIndex.sanityCheck(segment.lastOffset())) {
                segment.rebuildIndexes();
            }
        }
        return segment;
    }

    /** Loads next offset and max timestamp by scanning from the last offset-index entry. */
    private void loadTail() {
        int start = offsetIndex.lookupPosition(Long.MAX_VALUE);
        long next = baseOffset;
        for (FileChannelRecordBatch batch : log.batchesFrom(start)) {
            next = batch.lastOffset() + 1;
        }
        if (next == baseOffset && start > 0) {
            // The index pointed past the data; scan from the start instead.
            for (FileChannelRecordBatch batch : log.batches()) next = batch.lastOffset() + 1;
        }
        nextOffset = next;
        FileRecords.TimestampAndOffset largest = log.largestTimestampAfter(0);
        maxTimestamp = largest.timestamp;
        offsetOfMaxTimestamp = largest.offset;
    }

    /** Rebuilds both indexes from the log without validating batches. */
    public void rebuildIndexes() throws IOException {
        scan(false);
    }

    /**
     * Validates every batch, rebuilds both indexes and truncates the file after the last valid
     * batch.
     *
     * @return the number of bytes truncated (0 when the segment was intact)
     */
    public int recover() throws IOException {
        return scan(true);
    }

    private int scan(boolean validate) throws IOException {
        offsetIndex.reset();
        timeIndex.reset();
        bytesSinceLastIndexEntry = 0;
        long maxTs = RecordBatch.NO_TIMESTAMP;
        long offsetOfMaxTs = -1;
        long expectedMin = baseOffset;
        int validBytes = 0;
        Iterator<FileChannelRecordBatch> it = log.batchIterator();
        try {
            while (it.hasNext()) {
                FileChannelRecordBatch batch = it.next();
                if (validate) {
                    if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
                        throw new CorruptRecordException("Batch at position " + batch.position() + " of " + log.file()
                                + " has magic " + batch.magic() + ", expected " + RecordBatch.MAGIC_VALUE_V2);
                    }
                    batch.ensureValid();
                    if (batch.baseOffset() < expectedMin || batch.lastOffset() < batch.baseOffset()) {
                        throw new CorruptRecordException("Batch at position " + batch.position() + " of " + log.file()
                                + " has offsets " + batch.baseOffset() + ".." + batch.lastOffset()
                                + ", expected offsets from " + expectedMin);
                    }
                }
                if (batch.maxTimestamp() > maxTs) {
                    maxTs = batch.maxTimestamp();
                    offsetOfMaxTs = batch.lastOffset();
                }
                if (bytesSinceLastIndexEntry > indexIntervalBytes) {
                    offsetIndex.append(batch.lastOffset(), batch.position());
                    timeIndex.maybeAppend(maxTs, offsetOfMaxTs);
                    bytesSinceLastIndexEntry = 0;
                }
                int size = batch.sizeInBytes();
                bytesSinceLastIndexEntry += size;
                validBytes += size;
                expectedMin = batch.lastOffset() + 1;
            }
        } catch (org.apache.kafka.common.KafkaException e) {
            if (!validate) throw e;
            System.getLogger(LogSegment.class.getName()).log(System.Logger.Level.WARNING,
                    "Found invalid batch in " + log.file() + " at byte " + validBytes + ": " + e.getMessage());
        }
        int truncated = log.sizeInBytes() - validBytes;
        if (truncated > 0) {
            log.truncateTo(validBytes);
        }
        maxTimestamp = maxTs;
        offsetOfMaxTimestamp = offsetOfMaxTs;
        nextOffset = expectedMin;
        return truncated;
    }

    /**
     * Appends batches whose offsets have been assigned. The batches are written as one write;
     * index entries are added every {@code index.interval.bytes}. When the write fails the segment
     * is as it was before: no partial batch and no index entry of the failed batches stay behind.
     */
    public void append(MemoryRecords records) throws IOException {
        int startPosition = log.sizeInBytes();
        int offsetEntries = offsetIndex.entries();
        int timeEntries = timeIndex.entries();
        int indexedBytes = bytesSinceLastIndexEntry;
        try {
            appendAndIndex(records);
        } catch (IOException | RuntimeException e) {
            // A failed write (a full disk) may have left part of the batches or index entries
            // behind: both are cut back, so the next append starts at a batch boundary again.
            try {
                offsetIndex.truncateToEntries(offsetEntries);
                timeIndex.truncateToEntries(timeEntries);
                log.truncateTo(startPosition);
            } catch (IOException | RuntimeException undo) {
                e.addSuppressed(undo);
            }
            bytesSinceLastIndexEntry = indexedBytes;
            throw e;
        }
    }

    private void appendAndIndex(MemoryRecords records) throws IOException {
        int position = log.sizeInBytes();
        long maxTs = maxTimestamp;
        long offsetOfMaxTs = offsetOfMaxTimestamp;
        long lastOffset = nextOffset - 1;
        for (MutableRecordBatch batch : records.batches()) {
            if (batch.maxTimestamp() > maxTs) {
                maxTs = batch.maxTimestamp();
                offsetOfMaxTs = batch.lastOffset();
            }
            if (bytesSinceLastIndexEntry > indexIntervalBytes) {
                offsetIndex.append(batch.lastOffset(), position);
                timeIndex.maybeAppend(maxTs, offsetOfMaxTs);
                bytesSinceLastIndexEntry = 0;
            }
            bytesSinceLastIndexEntry += batch.sizeInBytes();
            position += batch.sizeInBytes();
            lastOffset = batch.lastOffset();
        }
        log.append(records);
        maxTimestamp = maxTs;
        offsetOfMaxTimestamp = offsetOfMaxTs;
        nextOffset = lastOffset + 1;
    }

    /**
     * Reads from the batch holding {@code startOffset} up to {@code maxBytes} (or, with
     * {@code minOneBatch}, at least that whole first batch), without going past byte
     * {@code maxPosition}. Returns null when the segment holds no batch at or after the offset.
     */
    public FileRecords read(long startOffset, int maxBytes, int maxPosition, boolean minOneBatch) {
        FileRecords.LogOffsetPosition start = translateOffset(startOffset);
        if (start == null || start.position >= maxPosition) return null;
        int size = Math.min(maxPosition - start.position, minOneBatch ? Math.max(maxBytes, start.size) : maxBytes);
        if (size <= 0) return null;
        return log.slice(start.position, size);
    }

    /** The position and size of the first batch whose last offset is at or above {@code offset}. */
    public FileRecords.LogOffsetPosition translateOffset(long offset) {
        return log.searchForOffsetFromPosition(offset, offsetIndex.lookupPosition(offset));
    }

    /**
     * The first record at or after {@code startingOffset} whose timestamp is at or after
     * {@code timestamp}, or null.
     */
    public FileRecords.TimestampAndOffset findOffsetByTimestamp(long timestamp, long startingOffset) {
        long indexed = Math.max(timeIndex.lookup(timestamp), startingOffset);
        int position = offsetIndex.lookupPosition(indexed);
        return log.searchForTimestamp(timestamp, position, startingOffset);
    }

    /**
     * The first record at or after {@code startOffset} holding the largest timestamp among the
     * records from there on, with its batch's leader epoch; null when none of them has a timestamp.
     * From the segment's base the cached maximum answers, and only the batch holding it is read;
     * from an offset inside the segment (a log start moved by DeleteRecords) the batch headers from
     * there on are scanned, and the records of the one batch that straddles the offset.
     */
    public FileRecords.TimestampAndOffset largestTimestampFrom(long startOffset) {
        long max = maxTimestamp;
        long batchOfMax = offsetOfMaxTimestamp;
        if (max == RecordBatch.NO_TIMESTAMP || startOffset >= nextOffset) return null;
        if (startOffset <= baseOffset) {
            FileRecords.LogOffsetPosition position = translateOffset(batchOfMax);
            if (position != null) {
                for (FileChannelRecordBatch batch : log.batchesFrom(position.position)) {
                    if (batch.maxTimestamp() == max) {
                        return new FileRecords.TimestampAndOffset(max, batch.offsetOfMaxTimestamp().orElse(batchOfMax),
                                leaderEpochOf(batch));
                    }
                }
            }
            return new FileRecords.TimestampAndOffset(max, batchOfMax, Optional.empty());
        }
        FileRecords.LogOffsetPosition from = translateOffset(startOffset);
        if (from == null) return null;
        long bestTs = RecordBatch.NO_TIMESTAMP;
        long bestOffset = -1;
        FileChannelRecordBatch best = null;
        for (FileChannelRecordBatch batch : log.batchesFrom(from.position)) {
            if (batch.lastOffset() < startOffset || batch.maxTimestamp() <= bestTs) continue;
            if (batch.baseOffset() >= startOffset) {
                bestTs = batch.maxTimestamp();
                bestOffset = -1; // resolved below, for the winning batch only
                best = batch;
            } else {
                for (Record record : batch) {
                    if (record.offset() >= startOffset && record.timestamp() > bestTs) {
                        bestTs = record.timestamp();
                        bestOffset = record.offset();
                        best = batch;
                    }
                }
            }
        }
        if (best == null) return null;
        if (bestOffset < 0) bestOffset = best.offsetOfMaxTimestamp().orElse(best.lastOffset());
        return new FileRecords.TimestampAndOffset(bestTs, bestOffset, leaderEpochOf(best));
    }

    private static Optional<Integer> leaderEpochOf(RecordBatch batch) {
        int epoch = batch.partitionLeaderEpoch();
        return epoch == RecordBatch.NO_PARTITION_LEADER_EPOCH ? Optional.empty() : Optional.of(epoch);
    }

    /** Removes every batch at or after {@code offset}; returns the bytes removed. */
    public int truncateTo(long offset) throws IOException {
        FileRecords.LogOffsetPosition position = translateOffset(offset);
        if (position == null) return 0;
        int cut = position.position;
        offsetIndex.truncateTo(offset);
        timeIndex.truncateTo(offset);
        int removed = log.truncateTo(cut);
        bytesSinceLastIndexEntry = 0;
        long next = baseOffset;
        for (FileChannelRecordBatch batch : log.batchesFrom(offsetIndex.lookupPosition(Long.MAX_VALUE))) {
            next = batch.lastOffset() + 1;
        }
        nextOffset = next;
        FileRecords.TimestampAndOffset largest = log.largestTimestampAfter(0);
        maxTimestamp = largest.timestamp;
        offsetOfMaxTimestamp = largest.offset;
        return removed;
    }

    public boolean shouldRoll(int incomingBytes, int segmentBytes, long segmentMs, long nowMs) {
        if (log.sizeInBytes() == 0) return false;
        return (long) log.sizeInBytes() + incomingBytes > segmentBytes || nowMs - createdMs >= segmentMs;
    }

    /** True when an offset cannot be stored relative to this segment's base offset. */
    public boolean offsetOverflows(long lastOffset) {
        return lastOffset - baseOffset > Integer.MAX_VALUE;
    }

    public void flush() throws IOException {
        flush(FileSync.FORCE);
    }

    /** Makes the segment durable: its log file through {@code sync}, then both indexes. */
    public void flush(FileSync sync) throws IOException {
        sync.force(log.channel(), log.file());
        offsetIndex.flush();
        timeIndex.flush();
        txnIndex.flush();
    }

    public void close() throws IOException {
        offsetIndex.close();
        timeIndex.close();
        txnIndex.close();
        log.close();
    }

    /** Unlinks the files; open readers keep reading the unlinked file until {@link #close()}. */
    public void deleteFiles() throws IOException {
        Files.deleteIfExists(offsetIndex.file().toPath());
        Files.deleteIfExists(timeIndex.file().toPath());
        Files.deleteIfExists(txnIndex.file().toPath());
        Files.deleteIfExists(log.file().toPath());
    }

    /** The aborted transactions whose markers are in this segment. */
    TransactionIndex transactionIndex() {
        return txnIndex;
    }

    public long baseOffset() { return baseOffset; }
    /** The offset after the last batch in this segment (the base offset when empty). */
    public long nextOffset() { return nextOffset; }
    public long lastOffset() { return nextOffset - 1; }
    public int sizeInBytes() { return log.sizeInBytes(); }
    public boolean isEmpty() { return log.sizeInBytes() == 0; }
    /** The largest record timestamp in the segment, or -1 when it has none. */
    public long maxTimestamp() { return maxTimestamp; }
    public long offsetOfMaxTimestamp() { return offsetOfMaxTimestamp; }
    /** The time retention is measured from: the largest timestamp, or the file's mtime when there is none. */
    public long retentionTimestamp() { return maxTimestamp >= 0 ? maxTimestamp : log.file().lastModified(); }
    public FileRecords records() { return log; }
    public File dir() { return dir; }
    public OffsetIndex offsetIndex() { return offsetIndex; }
    public TimeIndex timeIndex() { return timeIndex; }

    @Override
    public String toString() {
        return "LogSegment(" + log.file() + ", offsets " + baseOffset + ".." + (nextOffset - 1) + ", " + log.sizeInBytes() + " bytes)";
    }
}
