package io.tributary.broker.log;

import org.apache.kafka.common.record.RecordBatch;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * The sparse time index of one {@link LogSegment}: maps a timestamp to the first offset whose
 * batch may hold a record with that timestamp or a later one.
 *
 * <p>File format: a sequence of 12-byte entries, each a big-endian {@code int64} timestamp
 * followed by an {@code int32} offset relative to the segment's base offset. An entry is added
 * together with an offset-index entry, and only when the segment's largest timestamp so far has
 * grown, so timestamps and offsets are both strictly increasing. A lookup for time {@code t}
 * returns the offset of the greatest entry whose timestamp is below {@code t}; records at or after
 * {@code t} can only be at or after that offset.
 *
 * <p>Durability and thread safety are those of {@link OffsetIndex}: no checksum, rebuilt from the
 * log when its sanity check fails, appended under the owning log's lock, read concurrently.
 */
public final class TimeIndex implements AutoCloseable {
    static final int ENTRY_SIZE = 12;

    private final File file;
    private final long baseOffset;
    private final FileChannel channel;
    private final ByteBuffer entryBuffer = ByteBuffer.allocate(ENTRY_SIZE);
    private volatile long[] timestamps = new long[64];
    private volatile int[] relativeOffsets = new int[64];
    private volatile int entries;

    private TimeIndex(File file, long baseOffset, FileChannel channel) {
        this.file = file;
        this.baseOffset = baseOffset;
        this.channel = channel;
    }

    public static TimeIndex open(File file, long baseOffset) throws IOException {
        FileChannel channel = FileChannel.open(file.toPath(), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        TimeIndex index = new TimeIndex(file, baseOffset, channel);
        index.load();
        return index;
    }

    private void load() throws IOException {
        long size = channel.size();
        int count = (int) (size / ENTRY_SIZE);
        ByteBuffer all = ByteBuffer.allocate(count * ENTRY_SIZE);
        while (all.hasRemaining() && channel.read(all, all.position()) > 0) { }
        all.flip();
        long[] ts = new long[Math.max(64, count)];
        int[] offs = new int[Math.max(64, count)];
        for (int i = 0; i < count; i++) {
            ts[i] = all.getLong();
            offs[i] = all.getInt();
        }
        timestamps = ts;
        relativeOffsets = offs;
        entries = count;
        if (size != (long) count * ENTRY_SIZE) channel.truncate((long) count * ENTRY_SIZE);
        channel.position((long) count * ENTRY_SIZE);
    }

    /** Checks that entries are strictly increasing and no entry points past {@code lastOffset}. */
    public boolean sanityCheck(long lastOffset) {
        int n = entries;
        for (int i = 0; i < n; i++) {
            if (relativeOffsets[i] < 0 || baseOffset + relativeOffsets[i] > lastOffset) return false;
            if (i > 0 && (timestamps[i] <= timestamps[i - 1] || relativeOffsets[i] < relativeOffsets[i - 1])) return false;
        }
        return true;
    }

    /**
     * Adds an entry if {@code timestamp} is greater than that of the last entry; an empty index
     * counts as ending at {@code -1} (no timestamp), so records without a timestamp add nothing.
     */
    public void maybeAppend(long timestamp, long offset) throws IOException {
        int n = entries;
        if (timestamp <= (n > 0 ? timestamps[n - 1] : RecordBatch.NO_TIMESTAMP)) return;
        long relativeLong = offset - baseOffset;
        if (relativeLong < 0 || relativeLong > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Offset " + offset + " cannot be indexed relative to base offset "
                    + baseOffset + " in " + file);
        }
        int relative = (int) relativeLong;
        if (n > 0 && relative < relativeOffsets[n - 1]) {
            throw new IllegalStateException("Attempt to append offset " + offset + " to " + file
                    + " whose last entry is offset " + (baseOffset + relativeOffsets[n - 1]));
        }
        entryBuffer.clear();
        entryBuffer.putLong(timestamp).putInt(relative).flip();
        while (entryBuffer.hasRemaining()) channel.write(entryBuffer);
        if (n == timestamps.length) {
            long[] ts = Arrays.copyOf(timestamps, n * 2);
            int[] offs = Arrays.copyOf(relativeOffsets, n * 2);
            ts[n] = timestamp;
            offs[n] = relative;
            timestamps = ts;
            relativeOffsets = offs;
        } else {
            timestamps[n] = timestamp;
            relativeOffsets[n] = relative;
        }
        entries = n + 1;
    }

    /**
     * The offset from which to scan for the first record with a timestamp at or after
     * {@code timestamp}: the offset of the last entry with a smaller timestamp, else the base.
     */
    public long lookup(long timestamp) {
        int n = entries;
        int lo = 0, hi = n - 1, found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (timestamps[mid] < timestamp) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found < 0 ? baseOffset : baseOffset + relativeOffsets[found];
    }

    public void truncateTo(long offset) throws IOException {
        int keep = 0;
        int n = entries;
        while (keep < n && baseOffset + relativeOffsets[keep] < offset) keep++;
        truncateToEntries(keep);
    }

    /** Keeps only the first {@code keep} entries (an append that failed is undone). */
    void truncateToEntries(int keep) throws IOException {
        entries = Math.min(keep, entries);
        channel.truncate((long) keep * ENTRY_SIZE);
        channel.position((long) keep * ENTRY_SIZE);
    }

    public void reset() throws IOException {
        truncateTo(baseOffset);
    }

    public int entries() {
        return entries;
    }

    public File file() {
        return file;
    }

    public void flush() throws IOException {
        channel.force(true);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
