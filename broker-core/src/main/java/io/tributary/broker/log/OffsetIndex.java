package io.tributary.broker.log;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * The sparse offset index of one {@link LogSegment}: maps an offset to the file position of the
 * batch that holds it, so a read need not scan the segment from its start.
 *
 * <p>File format: a sequence of 8-byte entries, each a big-endian {@code int32} offset relative
 * to the segment's base offset followed by an {@code int32} byte position in the segment's log
 * file. Entries are strictly increasing in both fields. An entry is added at most every
 * {@code index.interval.bytes} of log, so the index is sparse: a lookup returns the greatest
 * indexed offset at or below the target, and the caller scans forward from its position.
 *
 * <p>Durability: the file has no checksum. It is written through on every entry and flushed with
 * the segment; after an unclean shutdown it is checked by {@link #sanityCheck} and rebuilt from
 * the log if it fails. The entries are also held in memory (8 bytes each) so lookups never touch
 * the disk.
 *
 * <p>Thread safety: appends and truncation are made by the owning {@link PartitionLog} under its
 * lock; lookups may run concurrently with appends and see a consistent prefix of the entries.
 */
public final class OffsetIndex implements AutoCloseable {
    static final int ENTRY_SIZE = 8;

    private final File file;
    private final long baseOffset;
    private final FileChannel channel;
    private final ByteBuffer entryBuffer = ByteBuffer.allocate(ENTRY_SIZE);
    private volatile int[] relativeOffsets = new int[64];
    private volatile int[] positions = new int[64];
    private volatile int entries;

    private OffsetIndex(File file, long baseOffset, FileChannel channel) {
        this.file = file;
        this.baseOffset = baseOffset;
        this.channel = channel;
    }

    /** Opens the index at {@code file}, creating it if absent and loading any entries it holds. */
    public static OffsetIndex open(File file, long baseOffset) throws IOException {
        FileChannel channel = FileChannel.open(file.toPath(), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        OffsetIndex index = new OffsetIndex(file, baseOffset, channel);
        index.load();
        return index;
    }

    private void load() throws IOException {
        long size = channel.size();
        int count = (int) (size / ENTRY_SIZE);
        ByteBuffer all = ByteBuffer.allocate(count * ENTRY_SIZE);
        while (all.hasRemaining() && channel.read(all, all.position()) > 0) { }
        all.flip();
        int[] offs = new int[Math.max(64, count)];
        int[] pos = new int[Math.max(64, count)];
        for (int i = 0; i < count; i++) {
            offs[i] = all.getInt();
            pos[i] = all.getInt();
        }
        relativeOffsets = offs;
        positions = pos;
        entries = count;
        if (size != (long) count * ENTRY_SIZE) {
            channel.truncate((long) count * ENTRY_SIZE);
        }
        channel.position((long) count * ENTRY_SIZE);
    }

    /**
     * Checks that the entries are strictly increasing and lie inside a log of {@code logSize}
     * bytes ending at {@code lastOffset}. A failed check means the index must be rebuilt.
     */
    public boolean sanityCheck(long lastOffset, int logSize) {
        int n = entries;
        for (int i = 0; i < n; i++) {
            if (relativeOffsets[i] < 0 || positions[i] < 0 || positions[i] >= Math.max(logSize, 1)) return false;
            if (baseOffset + relativeOffsets[i] > lastOffset) return false;
            if (i > 0 && (relativeOffsets[i] <= relativeOffsets[i - 1] || positions[i] <= positions[i - 1])) return false;
        }
        return true;
    }

    /** Adds an entry; {@code offset} and {@code position} must exceed those of the last entry. */
    public void append(long offset, int position) throws IOException {
        int relative = toRelative(offset);
        int n = entries;
        if (n > 0 && (relative <= relativeOffsets[n - 1] || position <= positions[n - 1])) {
            throw new IllegalStateException("Attempt to append offset " + offset + " at position " + position
                    + " to " + file + " whose last entry is offset " + (baseOffset + relativeOffsets[n - 1])
                    + " at position " + positions[n - 1]);
        }
        entryBuffer.clear();
        entryBuffer.putInt(relative).putInt(position).flip();
        while (entryBuffer.hasRemaining()) channel.write(entryBuffer);
        if (n == relativeOffsets.length) {
            int[] offs = Arrays.copyOf(relativeOffsets, n * 2);
            int[] pos = Arrays.copyOf(positions, n * 2);
            offs[n] = relative;
            pos[n] = position;
            relativeOffsets = offs;
            positions = pos;
        } else {
            relativeOffsets[n] = relative;
            positions[n] = position;
        }
        entries = n + 1;
    }

    /** The file position of the greatest indexed offset at or below {@code offset}, or 0 if none. */
    public int lookupPosition(long offset) {
        int i = floorSlot(offset);
        return i < 0 ? 0 : positions[i];
    }

    private int floorSlot(long offset) {
        int n = entries;
        long relative = offset - baseOffset;
        int lo = 0, hi = n - 1, found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (relativeOffsets[mid] <= relative) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** Removes every entry for an offset at or above {@code offset}. */
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

    /** Removes every entry. */
    public void reset() throws IOException {
        truncateTo(baseOffset);
    }

    public int entries() {
        return entries;
    }

    /** The offset of the last entry, or the base offset when the index is empty. */
    public long lastOffset() {
        int n = entries;
        return n == 0 ? baseOffset : baseOffset + relativeOffsets[n - 1];
    }

    public File file() {
        return file;
    }

    public void flush() throws IOException {
        channel.force(true);
    }

    private int toRelative(long offset) {
        long relative = offset - baseOffset;
        if (relative < 0 || relative > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Offset " + offset + " cannot be indexed relative to base offset "
                    + baseOffset + " in " + file);
        }
        return (int) relative;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
