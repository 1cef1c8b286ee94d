package io.tributary.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Log compaction ({@code cleanup.policy=compact} or {@code compact,delete}) with Kafka's
 * semantics: of all records with the same key only the one with the highest offset is kept, and
 * a tombstone (a record with a key and a null value) is kept for {@code delete.retention.ms}
 * after the pass that first saw it, then removed.
 *
 * <p>One pass over a log:
 * <ol>
 *   <li>The <em>cleanable range</em> is the longest run of segments from the oldest on that are
 *       not the active segment, lie wholly below the high watermark and, when
 *       {@code min.compaction.lag.ms} is positive, whose largest timestamp is at least that old.
 *       The active segment is never read, rewritten or counted.</li>
 *   <li>A key&nbsp;&rarr;&nbsp;last-offset map is built over the <em>dirty</em> part of that range
 *       (segments holding offsets at or above the first dirty offset, which is where the previous
 *       pass stopped; the log start after a restart), segment by segment, until the map exceeds its
 *       memory budget. The segments the map covers end the range of this pass.</li>
 *   <li>Every segment from the oldest to the end of the mapped range is rewritten through
 *       {@link MemoryRecords#filterTo}, one chunk of whole batches at a time, into
 *       {@code <base>.log.cleaned}. A record survives when it has a key, no later offset for its
 *       key is in the map, and it is not a tombstone whose batch's delete horizon has passed.
 *       Batches holding a surviving tombstone get a delete horizon of now +
 *       {@code delete.retention.ms} the first time. The last batch a producer id wrote is kept as
 *       an empty batch header when all its records go, so the producer's sequence numbers survive
 *       a restart. The file is fsynced and swapped in with {@link PartitionLog#replaceSegment};
 *       a segment in which nothing changes is left alone.</li>
 * </ol>
 *
 * <p>Transactions: the cleanable range also ends at the last stable offset, so no record of an
 * open (or not yet settled) transaction is read; records of aborted transactions (known from the
 * transaction indexes) are neither mapped, so they never shadow a committed value, nor kept.
 * A transaction marker stays while data of its transaction is in the log; then it gets a delete
 * horizon and goes at the first pass after it (Kafka's rule), unless it is its producer's last batch.
 *
 * <p>Guarantees: offsets never change (batches keep their base and last offsets; surviving
 * records keep theirs, so a segment may have gaps or end up empty); the record with the highest
 * offset of every key always survives, except a tombstone after its delete horizon; records
 * without a key are removed, as in Kafka, since a compacted topic only accepts keyed records. A
 * crash at any point leaves either the old or the new segment file: a leftover {@code .cleaned}
 * file is deleted when the log is opened, and the indexes of a swapped segment are rebuilt.
 *
 * <p>Memory: one read and one write buffer of at least the largest batch, plus the key map,
 * bounded by the budget given to the constructor (a pass always maps at least one segment). A
 * segment is never held in memory whole.
 *
 * <p>Thread safety: {@link #clean} is meant to be run by one thread. It tolerates concurrent
 * appends (they only change the active segment, which is never cleaned), concurrent rolls, and
 * concurrent retention or DeleteRecords (a segment that was deleted meanwhile is skipped:
 * {@code replaceSegment} refuses it). The per-log bookkeeping is held in a concurrent map, so
 * {@link #needsCleaning} may be called from any thread.
 */
public final class LogCleaner {
    private static final System.Logger LOG = System.getLogger(LogCleaner.class.getName());

    /** Default bound on the memory of the key map of one pass. */
    public static final long DEFAULT_MAP_BYTES = 64L * 1024 * 1024;
    private static final int INITIAL_BUFFER_BYTES = 256 * 1024;
    /** Estimated heap per key-map entry besides the key bytes (map node, buffer object, boxed offset). */
    private static final int MAP_ENTRY_OVERHEAD = 96;

    /**
     * What one pass did.
     *
     * @param segmentsCleaned segments replaced by a rewritten file
     * @param recordsRead     records read from the segments of the pass
     * @param recordsRetained of those, records kept
     * @param bytesBefore     bytes of the segments of the pass before it
     * @param bytesAfter      their bytes afterwards
     * @param cleanedUpTo     the offset below which the log is now compacted (the next pass's first dirty offset)
     */
    public record CleanResult(int segmentsCleaned, long recordsRead, long recordsRetained, long bytesBefore,
                              long bytesAfter, long cleanedUpTo) {
        static CleanResult nothing(long cleanedUpTo) {
            return new CleanResult(0, 0, 0, 0, 0, cleanedUpTo);
        }
    }

    /**
     * Where the last pass over a log stopped, and the earliest delete horizon of a tombstone it
     * kept ({@link RecordBatch#NO_TIMESTAMP} when none). Tied to the log instance and to the
     * number of truncations it had seen when the pass began, so a log that was deleted and created
     * again, or truncated and refilled with other records at the same offsets, starts afresh.
     */
    private record CleanerState(PartitionLog log, long truncations, long firstDirtyOffset,
                                long earliestDeleteHorizonMs) {
    }

    /** {@code log.cleaner.dedupe.buffer.size}; changed at run time, read at the start of each pass. */
    private volatile long maxMapBytes;
    /** {@code log.cleaner.io.max.bytes.per.second}; changed at run time, read for every chunk. */
    private volatile double maxIoBytesPerSecond = Double.MAX_VALUE;
    /** The throttle's current window: its start and the bytes read and written in it (cleaner thread only). */
    private long throttleWindowStartNanos;
    private long throttleWindowBytes;
    private final Map<TopicPartition, CleanerState> states = new ConcurrentHashMap<>();
    private ByteBuffer readBuffer = ByteBuffer.allocate(INITIAL_BUFFER_BYTES);
    private ByteBuffer writeBuffer = ByteBuffer.allocate(INITIAL_BUFFER_BYTES);

    public LogCleaner() {
        this(DEFAULT_MAP_BYTES);
    }

    /** @param maxMapBytes bound on the heap used by the key map of one pass */
    public LogCleaner(long maxMapBytes) {
        if (maxMapBytes <= 0) throw new IllegalArgumentException("maxMapBytes must be positive, got " + maxMapBytes);
        this.maxMapBytes = maxMapBytes;
    }

    /**
     * Applies {@code log.cleaner.dedupe.buffer.size} and {@code log.cleaner.io.max.bytes.per.second}
     * from the next pass (the I/O limit from the next chunk); callable from any thread.
     */
    public void reconfigure(long maxMapBytes, double maxIoBytesPerSecond) {
        if (maxMapBytes <= 0) throw new IllegalArgumentException("maxMapBytes must be positive, got " + maxMapBytes);
        if (!(maxIoBytesPerSecond > 0)) {
            throw new IllegalArgumentException("maxIoBytesPerSecond must be positive, got " + maxIoBytesPerSecond);
        }
        this.maxMapBytes = maxMapBytes;
        this.maxIoBytesPerSecond = maxIoBytesPerSecond;
    }

    public long maxMapBytes() {
        return maxMapBytes;
    }

    public double maxIoBytesPerSecond() {
        return maxIoBytesPerSecond;
    }

    /**
     * Holds the cleaner thread back so the bytes it read and wrote while rewriting segments stay
     * within {@code log.cleaner.io.max.bytes.per.second}, measured over windows of about a second
     * (Kafka's cleaner throttles the same I/O).
     */
    private void throttle(long bytes) throws java.io.InterruptedIOException {
        double rate = maxIoBytesPerSecond;
        if (rate >= Double.MAX_VALUE) return;
        long now = System.nanoTime();
        if (throttleWindowStartNanos == 0 || now - throttleWindowStartNanos > 1_000_000_000L) {
            throttleWindowStartNanos = now;
            throttleWindowBytes = 0;
        }
        throttleWindowBytes += bytes;
        long due = throttleWindowStartNanos + (long) (throttleWindowBytes / rate * 1e9);
        long wait = due - System.nanoTime();
        if (wait <= 0) return;
        try {
            java.util.concurrent.TimeUnit.NANOSECONDS.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("Interrupted while throttling the log cleaner");
        }
    }

    /**
     * True when {@code log} is compacted and either the dirty share of its cleanable bytes is at
     * least {@code min.cleanable.dirty.ratio} (and not zero), or a tombstone kept by an earlier
     * pass has reached its delete horizon.
     */
    public boolean needsCleaning(PartitionLog log) {
        LogConfig cfg = log.config();
        if (!cfg.compact()) return false;
        long now = log.clock().millis();
        List<LogSegment> all = log.segments();
        int cleanable = cleanableCount(log, all, cfg, now);
        if (cleanable == 0) return false;
        CleanerState state = stateOf(log);
        long firstDirty = Math.max(state.firstDirtyOffset(), log.logStartOffset());
        long cleanBytes = 0;
        long dirtyBytes = 0;
        for (int i = 0; i < cleanable; i++) {
            if (all.get(i + 1).baseOffset() > firstDirty) dirtyBytes += all.get(i).sizeInBytes();
            else cleanBytes += all.get(i).sizeInBytes();
        }
        if (dirtyBytes > 0 && (double) dirtyBytes / (cleanBytes + dirtyBytes) >= cfg.minCleanableDirtyRatio()) {
            return true;
        }
        long horizon = state.earliestDeleteHorizonMs();
        return horizon != RecordBatch.NO_TIMESTAMP && horizon <= now;
    }

    /** The dirty share of the bytes in the cleanable range of {@code log} (0 when there is none). */
    public double dirtyRatio(PartitionLog log) {
        List<LogSegment> all = log.segments();
        int cleanable = cleanableCount(log, all, log.config(), log.clock().millis());
        long firstDirty = Math.max(stateOf(log).firstDirtyOffset(), log.logStartOffset());
        long total = 0;
        long dirty = 0;
        for (int i = 0; i < cleanable; i++) {
            total += all.get(i).sizeInBytes();
            if (all.get(i + 1).baseOffset() > firstDirty) dirty += all.get(i).sizeInBytes();
        }
        return total == 0 ? 0 : (double) dirty / total;
    }

    /**
     * Compacts the cleanable segments of {@code log} (one pass, see the class comment). Does
     * nothing when the log's {@code cleanup.policy} does not include {@code compact}.
     *
     * @throws IOException when a segment cannot be read or its cleaned copy cannot be written;
     *                     the log is unchanged for that segment and the {@code .cleaned} file removed
     */
    public CleanResult clean(PartitionLog log) throws IOException {
        LogConfig cfg = log.config();
        long truncations = log.truncationCount();
        CleanerState state = stateOf(log);
        if (!cfg.compact()) return CleanResult.nothing(state.firstDirtyOffset());
        long now = log.clock().millis();
        List<LogSegment> all = log.segments();
        int cleanable = cleanableCount(log, all, cfg, now);
        if (cleanable == 0) return CleanResult.nothing(state.firstDirtyOffset());
        long firstDirty = Math.max(state.firstDirtyOffset(), log.logStartOffset());

        try (BufferSupplier decompression = BufferSupplier.create()) {
            // 1. The key map over the dirty segments, and the last batch of every producer id.
            OffsetMap map = new OffsetMap();
            Map<Long, Long> lastBatchOfProducer = new HashMap<>();
            AbortedRanges aborted = new AbortedRanges(log.abortedTransactions(log.logStartOffset(),
                    all.get(cleanable).baseOffset()));
            int end = -1;
            for (int i = 0; i < cleanable; i++) {
                if (all.get(i + 1).baseOffset() <= firstDirty) continue;
                try {
                    mapSegment(all.get(i), map, lastBatchOfProducer, aborted, decompression);
                } catch (RuntimeException e) {
                    if (log.segments().contains(all.get(i))) throw e;
                    // Retention removed the segment under us; the next pass starts from the new log start.
                    return CleanResult.nothing(state.firstDirtyOffset());
                }
                end = i;
                if (map.estimatedBytes() >= maxMapBytes) break;
            }
            if (end < 0) {
                // Nothing dirty; a pass is still useful to drop tombstones whose horizon passed.
                end = cleanable - 1;
            }
            // Every producer's last batch in the whole log (the pass rewrites clean segments too).
            lastBatchOfProducer.clear();
            for (LogSegment segment : all) {
                for (FileChannelRecordBatch batch : segment.records().batches()) {
                    if (batch.hasProducerId()) lastBatchOfProducer.put(batch.producerId(), batch.lastOffset());
                }
            }
            long cleanedUpTo = all.get(end + 1).baseOffset();

            // 2. Rewrite every segment from the oldest to the end of the mapped range.
            CompactionFilter filter = new CompactionFilter(now, cfg.deleteRetentionMs(), map, lastBatchOfProducer, aborted);
            int replaced = 0;
            long read = 0, retained = 0, bytesBefore = 0, bytesAfter = 0;
            for (int i = 0; i <= end; i++) {
                LogSegment segment = all.get(i);
                SegmentOutcome outcome = cleanSegment(log, segment, filter, decompression);
                if (outcome == null) continue;
                read += outcome.recordsRead;
                retained += outcome.recordsRetained;
                bytesBefore += outcome.bytesBefore;
                bytesAfter += outcome.bytesAfter;
                if (outcome.replaced) replaced++;
            }
            states.put(log.topicPartition(), new CleanerState(log, truncations, cleanedUpTo, filter.earliestHorizon));
            CleanResult result = new CleanResult(replaced, read, retained, bytesBefore, bytesAfter, cleanedUpTo);
            LOG.log(System.Logger.Level.INFO, () -> "Compacted " + log.topicPartition() + " below offset " + cleanedUpTo
                    + ": " + result.recordsRetained() + " of " + result.recordsRead() + " records kept, "
                    + result.bytesBefore() + " -> " + result.bytesAfter() + " bytes, " + result.segmentsCleaned()
                    + " segment(s) rewritten");
            return result;
        } finally {
            if (readBuffer.capacity() > INITIAL_BUFFER_BYTES) readBuffer = ByteBuffer.allocate(INITIAL_BUFFER_BYTES);
            if (writeBuffer.capacity() > INITIAL_BUFFER_BYTES) writeBuffer = ByteBuffer.allocate(INITIAL_BUFFER_BYTES);
        }
    }

    /** Forgets the bookkeeping of {@code tp} (its log was deleted). */
    public void forget(TopicPartition tp) {
        states.remove(tp);
    }

    private CleanerState stateOf(PartitionLog log) {
        CleanerState state = states.get(log.topicPartition());
        if (state == null || state.log() != log || state.truncations() != log.truncationCount()) {
            return new CleanerState(log, log.truncationCount(), log.logStartOffset(), RecordBatch.NO_TIMESTAMP);
        }
        return state;
    }

    /**
     * How many segments, from the oldest on, may be cleaned: never the active one, none that
     * reaches above the last stable offset (the high watermark when no transaction is open), none younger than {@code min.compaction.lag.ms} (nor any
     * after it). Segment {@code i} of the result always has a successor, whose base offset bounds it.
     */
    private static int cleanableCount(PartitionLog log, List<LogSegment> all, LogConfig cfg, long now) {
        long hw = log.lastStableOffset();
        long lag = cfg.minCompactionLagMs();
        int n = 0;
        for (int i = 0; i + 1 < all.size(); i++) {
            LogSegment segment = all.get(i);
            if (all.get(i + 1).baseOffset() > hw) break;
            if (lag > 0 && segment.maxTimestamp() != RecordBatch.NO_TIMESTAMP && segment.maxTimestamp() > now - lag) break;
            n++;
        }
        return n;
    }

    private static void mapSegment(LogSegment segment, OffsetMap map, Map<Long, Long> lastBatchOfProducer,
                                   AbortedRanges aborted, BufferSupplier decompression) {
        for (FileChannelRecordBatch batch : segment.records().batches()) {
            if (batch.hasProducerId()) lastBatchOfProducer.put(batch.producerId(), batch.lastOffset());
            if (batch.isControlBatch() || aborted.contains(batch)) continue;
            try (CloseableIterator<Record> records = batch.streamingIterator(decompression)) {
                while (records.hasNext()) {
                    Record record = records.next();
                    if (record.hasKey()) map.put(record.key(), record.offset());
                }
            }
        }
    }

    private record SegmentOutcome(long recordsRead, long recordsRetained, long bytesBefore, long bytesAfter,
                                  boolean replaced) {
    }

    /**
     * Filters one segment into {@code <base>.log.cleaned} and swaps it in when anything changed.
     * Returns null when the segment left the log meanwhile.
     */
    private SegmentOutcome cleanSegment(PartitionLog log, LogSegment segment, CompactionFilter filter,
                                        BufferSupplier decompression) throws IOException {
        File cleaned = new File(log.dir(), LogSegment.fileName(segment.baseOffset(), ".log.cleaned"));
        FileRecords source = segment.records();
        int size = source.sizeInBytes();
        long read = 0, retained = 0, bytesAfter = 0;
        filter.changed = false;
        try {
            Files.deleteIfExists(cleaned.toPath());
            try (FileChannel out = FileChannel.open(cleaned.toPath(), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                int position = 0;
                while (position < size) {
                    readBuffer.clear();
                    readBuffer.limit(Math.min(readBuffer.capacity(), size - position));
                    source.readInto(readBuffer, position);
                    writeBuffer.clear();
                    MemoryRecords.FilterResult result = MemoryRecords.readableRecords(readBuffer)
                            .filterTo(filter, writeBuffer, decompression);
                    if (result.bytesRead() == 0) {
                        growBuffers(source, position, size);
                        continue;
                    }
                    ByteBuffer output = result.outputBuffer();
                    if (output != writeBuffer) writeBuffer = output;
                    output.flip();
                    bytesAfter += output.remaining();
                    while (output.hasRemaining()) out.write(output);
                    throttle((long) result.bytesRead() + output.limit());
                    position += result.bytesRead();
                    read += result.messagesRead();
                    retained += result.messagesRetained();
                }
                if (filter.changed) out.force(true);
            }
            if (!filter.changed) {
                Files.deleteIfExists(cleaned.toPath());
                return new SegmentOutcome(read, retained, size, size, false);
            }
            // Time-based retention of an emptied segment falls back to its file's mtime: keep the old one.
            Files.setLastModifiedTime(cleaned.toPath(), FileTime.fromMillis(source.file().lastModified()));
            boolean replaced = log.replaceSegment(segment, cleaned);
            if (!replaced) {
                LOG.log(System.Logger.Level.DEBUG, () -> segment + " of " + log.topicPartition()
                        + " left the log while it was being compacted");
                return null;
            }
            return new SegmentOutcome(read, retained, size, bytesAfter, true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(cleaned.toPath());
            if (!log.segments().contains(segment)) {
                LOG.log(System.Logger.Level.DEBUG, () -> segment + " of " + log.topicPartition()
                        + " left the log while it was being compacted: " + e);
                return null;
            }
            throw e;
        }
    }

    /** Makes the buffers large enough for the batch at {@code position}, which did not fit. */
    private void growBuffers(FileRecords source, int position, int size) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(Records.LOG_OVERHEAD);
        source.readInto(header, position);
        int batchSize = header.remaining() < Records.LOG_OVERHEAD ? -1
                : Records.LOG_OVERHEAD + header.getInt(Records.SIZE_OFFSET);
        if (batchSize <= readBuffer.capacity() || batchSize > size - position) {
            throw new CorruptRecordException("Batch at position " + position + " of " + source.file() + " has size "
                    + batchSize + " but only " + (size - position) + " bytes remain in the segment");
        }
        readBuffer = ByteBuffer.allocate(batchSize);
        if (writeBuffer.capacity() < batchSize) writeBuffer = ByteBuffer.allocate(batchSize);
    }

    /** Decides, record by record, what survives a pass. */
    private static final class CompactionFilter extends MemoryRecords.RecordFilter {
        private final OffsetMap map;
        private final Map<Long, Long> lastBatchOfProducer;
        private final AbortedRanges aborted;
        /** Set when the current segment's output differs from its input. */
        boolean changed;
        long earliestHorizon = RecordBatch.NO_TIMESTAMP;
        /** Whether the batch being filtered belongs to an aborted transaction. */
        private boolean batchAborted;
        /**
         * Producers with a committed transaction's data batch seen since their last marker, in this
         * pass (which reads the log from its start): a marker whose transaction has no data left
         * may go, once its delete horizon has passed.
         */
        private final java.util.Set<Long> transactionHasData = new java.util.HashSet<>();

        CompactionFilter(long now, long deleteRetentionMs, OffsetMap map, Map<Long, Long> lastBatchOfProducer,
                         AbortedRanges aborted) {
            // Saturate so that now + delete.retention.ms cannot overflow into the past.
            super(now, Math.min(deleteRetentionMs, Long.MAX_VALUE - Math.max(now, 0)));
            this.map = map;
            this.lastBatchOfProducer = lastBatchOfProducer;
            this.aborted = aborted;
        }

        @Override
        protected BatchRetentionResult checkBatchRetention(RecordBatch batch) {
            boolean keepHeader = false;
            if (batch.hasProducerId()) {
                Long last = lastBatchOfProducer.get(batch.producerId());
                keepHeader = last == null || last == batch.lastOffset();
            }
            batchAborted = aborted.contains(batch);
            if (batchAborted && !keepHeader) {
                changed = true;
                return new BatchRetentionResult(BatchRetention.DELETE, false);
            }
            if (batch.isControlBatch()) return markerRetention(batch, keepHeader);
            if (batch.isTransactional() && !batchAborted) transactionHasData.add(batch.producerId());
            if (!keepHeader && Integer.valueOf(0).equals(batch.countOrNull())) changed = true;
            return new BatchRetentionResult(keepHeader ? BatchRetention.RETAIN_EMPTY : BatchRetention.DELETE_EMPTY,
                    false);
        }

        /**
         * Kafka's rule for a transaction marker: it stays while any data batch of its transaction
         * is in the log (a consumer still needs it to tell committed from aborted records); once none
         * is, it gets a delete horizon ({@code delete.retention.ms} from now) and goes at the first
         * pass after it, so that a consumer reading from before it had time to see it. A producer's
         * last batch always stays (it carries the producer's epoch across restarts).
         */
        private BatchRetentionResult markerRetention(RecordBatch batch, boolean keepHeader) {
            boolean hadData = transactionHasData.remove(batch.producerId());
            if (keepHeader || hadData) return new BatchRetentionResult(BatchRetention.DELETE_EMPTY, false);
            OptionalLong horizon = batch.deleteHorizonMs();
            if (horizon.isPresent() && horizon.getAsLong() <= currentTime) {
                changed = true;
                return new BatchRetentionResult(BatchRetention.DELETE, false);
            }
            long h = horizon.isPresent() ? horizon.getAsLong() : currentTime + deleteRetentionMs;
            if (horizon.isEmpty()) changed = true;
            if (earliestHorizon == RecordBatch.NO_TIMESTAMP || h < earliestHorizon) earliestHorizon = h;
            return new BatchRetentionResult(BatchRetention.DELETE_EMPTY, true);
        }

        @Override
        protected boolean shouldRetainRecord(RecordBatch batch, Record record) {
            boolean keep;
            if (batch.isControlBatch()) {
                return true;
            } else if (batchAborted || !record.hasKey() || record.offset() < map.latestOffset(record.key())) {
                keep = false;
            } else if (record.hasValue()) {
                keep = true;
            } else {
                OptionalLong horizon = batch.deleteHorizonMs();
                if (horizon.isPresent() && horizon.getAsLong() <= currentTime) {
                    keep = false;
                } else {
                    keep = true;
                    long h;
                    if (horizon.isPresent()) {
                        h = horizon.getAsLong();
                    } else {
                        h = currentTime + deleteRetentionMs;
                        changed = true;
                    }
                    if (earliestHorizon == RecordBatch.NO_TIMESTAMP || h < earliestHorizon) earliestHorizon = h;
                }
            }
            if (!keep) changed = true;
            return keep;
        }
    }

    /** The offset ranges of aborted transactions, per producer: which data batches to drop. */
    private static final class AbortedRanges {
        private final Map<Long, List<AbortedTxn>> byProducer = new HashMap<>();

        AbortedRanges(List<AbortedTxn> aborted) {
            for (AbortedTxn t : aborted) byProducer.computeIfAbsent(t.producerId(), p -> new java.util.ArrayList<>()).add(t);
        }

        /** True for a transactional data batch inside one of its producer's aborted transactions. */
        boolean contains(RecordBatch batch) {
            if (!batch.isTransactional() || batch.isControlBatch()) return false;
            List<AbortedTxn> txns = byProducer.get(batch.producerId());
            if (txns == null) return false;
            for (AbortedTxn t : txns) {
                if (batch.baseOffset() >= t.firstOffset() && batch.lastOffset() <= t.lastOffset()) return true;
            }
            return false;
        }
    }

    /** Key bytes to the highest offset seen for them, with an estimate of its heap use. */
    private static final class OffsetMap {
        private final HashMap<ByteBuffer, Long> offsets = new HashMap<>();
        private long estimatedBytes;

        void put(ByteBuffer key, long offset) {
            if (offsets.replace(key, offset) == null) {
                ByteBuffer copy = ByteBuffer.allocate(key.remaining());
                copy.put(key.duplicate()).flip();
                offsets.put(copy, offset);
                estimatedBytes += copy.capacity() + MAP_ENTRY_OVERHEAD;
            }
        }

        /** The highest offset mapped for {@code key}, or -1. */
        long latestOffset(ByteBuffer key) {
            Long offset = offsets.get(key);
            return offset == null ? -1 : offset;
        }

        long estimatedBytes() {
            return estimatedBytes;
        }
    }
}
