package io.tributary.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * The leader epochs of one partition log and the offset at which each began: the map a follower
 * uses to find where its log diverges from the leader's (OffsetsForLeaderEpoch), with Kafka's
 * {@code LeaderEpochFileCache} semantics.
 *
 * <p>Invariants: entries are strictly increasing in both epoch and start offset; every entry's
 * start offset lies in {@code [logStartOffset, logEndOffset]} of the owning log once that log has
 * applied {@link #truncateFromStart} and {@link #truncateFromEnd} (an entry may start at the log
 * end offset: a leader that has not written yet). Epoch {@code e} covers offsets from its start up
 * to the start of the next entry, or the log end for the latest.
 *
 * <p>Durability: every change is written to {@code leader-epoch-checkpoint} in the partition
 * directory before the method returns, in Kafka's checkpoint format (a version line {@code 0}, a
 * count line, then one {@code epoch startOffset} line per entry), through a temporary file that is
 * fsynced and atomically renamed, followed by an fsync of the directory. A crash therefore leaves
 * the old or the new file, never a torn one. The owning log assigns an epoch before the batches
 * that carry it are written, so the file never lacks an epoch present in durable data; entries
 * beyond the recovered log end are dropped on open. A missing or unreadable file is reported by
 * {@link #open} and the owner rebuilds the entries from the batches' {@code partitionLeaderEpoch}.
 *
 * <p>Thread safety: all methods synchronize on the cache, so lookups
 * ({@link #endOffsetFor}, {@link #latestEpoch}, {@link #entries}) may run on any thread while the
 * owning {@link PartitionLog} mutates it under its own lock.
 */
public final class LeaderEpochCache {
    private static final System.Logger LOG = System.getLogger(LeaderEpochCache.class.getName());
    public static final String FILE_NAME = "leader-epoch-checkpoint";
    private static final int VERSION = 0;

    private final TopicPartition tp;
    private final File file;
    /** Guarded by {@code this}. */
    private final ArrayList<EpochEntry> entries;
    private final boolean loadedFromCheckpoint;

    private LeaderEpochCache(TopicPartition tp, File dir, List<EpochEntry> entries, boolean loadedFromCheckpoint) {
        this.tp = tp;
        this.file = new File(dir, FILE_NAME);
        this.entries = new ArrayList<>(entries);
        this.loadedFromCheckpoint = loadedFromCheckpoint;
    }

    /**
     * Loads the cache of the partition in {@code dir}. When the checkpoint is missing or corrupt
     * the cache starts empty and {@link #loadedFromCheckpoint()} is false: the owner then rebuilds
     * it from the log with {@link #rebuild}.
     */
    public static LeaderEpochCache open(TopicPartition tp, File dir) {
        File file = new File(dir, FILE_NAME);
        try {
            return new LeaderEpochCache(tp, dir, readCheckpoint(file), true);
        } catch (NoSuchFileException e) {
            return new LeaderEpochCache(tp, dir, List.of(), false);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Leader epoch checkpoint " + file + " of " + tp
                    + " is unreadable and will be rebuilt from the log: " + e.getMessage());
            return new LeaderEpochCache(tp, dir, List.of(), false);
        }
    }

    private static List<EpochEntry> readCheckpoint(File file) throws IOException {
        List<EpochEntry> result = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file.toPath(), StandardCharsets.UTF_8)) {
            String version = r.readLine();
            if (version == null || Integer.parseInt(version.trim()) != VERSION) {
                throw new IOException("unsupported version line '" + version + "'");
            }
            String countLine = r.readLine();
            if (countLine == null) throw new IOException("missing entry count");
            int count = Integer.parseInt(countLine.trim());
            if (count < 0) throw new IOException("negative entry count " + count);
            for (int i = 0; i < count; i++) {
                String line = r.readLine();
                if (line == null) throw new IOException("expected " + count + " entries, found " + i);
                String[] parts = line.trim().split("\\s+");
                if (parts.length != 2) throw new IOException("malformed entry '" + line + "'");
                EpochEntry entry = new EpochEntry(Integer.parseInt(parts[0]), Long.parseLong(parts[1]));
                if (!result.isEmpty()) {
                    EpochEntry last = result.get(result.size() - 1);
                    if (entry.epoch() <= last.epoch() || entry.startOffset() <= last.startOffset()) {
                        throw new IOException("entry " + entry + " does not follow " + last);
                    }
                }
                result.add(entry);
            }
            String extra = r.readLine();
            if (extra != null && !extra.isBlank()) throw new IOException("unexpected line after the entries: '" + extra + "'");
        }
        return result;
    }

    /** False when the checkpoint was missing or corrupt at {@link #open}. */
    public boolean loadedFromCheckpoint() {
        return loadedFromCheckpoint;
    }

    /**
     * Records that leader epoch {@code epoch} starts at {@code startOffset}. Ignored when
     * {@code epoch} is not above the latest epoch. When {@code startOffset} is not above the
     * latest entry's start, the entries starting at or after {@code startOffset} are dropped
     * first, so both sequences stay strictly increasing.
     */
    public synchronized void assign(int epoch, long startOffset) {
        if (epoch < 0 || startOffset < 0) {
            throw new IllegalArgumentException("Cannot assign epoch " + epoch + " at offset " + startOffset + " for "
                    + tp + ": both must be non-negative");
        }
        if (!entries.isEmpty() && epoch <= latest().epoch()) return;
        List<EpochEntry> dropped = new ArrayList<>();
        while (!entries.isEmpty() && latest().startOffset() >= startOffset) {
            dropped.add(entries.remove(entries.size() - 1));
        }
        if (!dropped.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "Epoch " + epoch + " of " + tp + " starts at " + startOffset
                    + "; dropped conflicting entries " + dropped);
        }
        entries.add(new EpochEntry(epoch, startOffset));
        try {
            persist();
        } catch (KafkaStorageException e) {
            // The checkpoint still holds the old entries (a full disk): so does memory, and the
            // append that needed the epoch fails with this error.
            entries.remove(entries.size() - 1);
            for (int i = dropped.size() - 1; i >= 0; i--) entries.add(dropped.get(i));
            throw e;
        }
    }

    /** The latest epoch, or empty when no epoch is known. */
    public synchronized OptionalInt latestEpoch() {
        return entries.isEmpty() ? OptionalInt.empty() : OptionalInt.of(latest().epoch());
    }

    /**
     * Where {@code requestedEpoch} ends in this log, given its end offset {@code logEndOffset}:
     * <ul>
     *   <li>the latest epoch: {@code (latest, logEndOffset)};</li>
     *   <li>an epoch below the first one, an epoch above the latest one, {@link EpochEndOffset#UNDEFINED_EPOCH},
     *       or an empty cache: {@link EpochEndOffset#UNDEFINED};</li>
     *   <li>otherwise: the largest known epoch at or below the requested one, ending at the start
     *       offset of the next higher known epoch.</li>
     * </ul>
     */
    public synchronized EpochEndOffset endOffsetFor(int requestedEpoch, long logEndOffset) {
        if (entries.isEmpty() || requestedEpoch == EpochEndOffset.UNDEFINED_EPOCH) return EpochEndOffset.UNDEFINED;
        if (requestedEpoch == latest().epoch()) return new EpochEndOffset(requestedEpoch, logEndOffset);
        if (requestedEpoch < entries.get(0).epoch() || requestedEpoch > latest().epoch()) {
            return EpochEndOffset.UNDEFINED;
        }
        // entries.get(0).epoch() <= requested < latest: a floor and a higher entry both exist.
        int i = entries.size() - 1;
        while (entries.get(i).epoch() > requestedEpoch) i--;
        return new EpochEndOffset(entries.get(i).epoch(), entries.get(i + 1).startOffset());
    }

    /** Removes every entry starting at or after {@code endOffset} (the log was truncated there). */
    public synchronized void truncateFromEnd(long endOffset) {
        boolean changed = false;
        while (!entries.isEmpty() && latest().startOffset() >= endOffset) {
            entries.remove(entries.size() - 1);
            changed = true;
        }
        if (changed) persist();
    }

    /**
     * The log now starts at {@code startOffset}: removes the entries that begin below it except
     * the one covering it, whose start becomes {@code startOffset}.
     */
    public synchronized void truncateFromStart(long startOffset) {
        int covering = -1;
        for (int i = 0; i < entries.size() && entries.get(i).startOffset() <= startOffset; i++) covering = i;
        if (covering < 0) return;
        EpochEntry clamped = new EpochEntry(entries.get(covering).epoch(), startOffset);
        if (covering == 0 && entries.get(0).equals(clamped)) return;
        entries.subList(0, covering + 1).clear();
        entries.add(0, clamped);
        persist();
    }

    /** Removes every entry (the log was emptied and restarted at a new offset). */
    public synchronized void clear() {
        if (entries.isEmpty() && file.exists()) return;
        entries.clear();
        persist();
    }

    /**
     * Replaces the entries with those derived from the log's batches, in log order: each is
     * applied as by {@link #assign}, and the result written once.
     */
    public synchronized void rebuild(List<EpochEntry> fromLog) {
        entries.clear();
        for (EpochEntry e : fromLog) {
            if (!entries.isEmpty() && e.epoch() <= latest().epoch()) continue;
            while (!entries.isEmpty() && latest().startOffset() >= e.startOffset()) entries.remove(entries.size() - 1);
            entries.add(e);
        }
        // An empty log without a checkpoint needs none: the next open rebuilds nothing just as fast.
        if (!entries.isEmpty() || file.exists()) persist();
    }

    /** A snapshot of the entries, oldest first. */
    public synchronized List<EpochEntry> entries() {
        return List.copyOf(entries);
    }

    public File file() {
        return file;
    }

    private EpochEntry latest() {
        return entries.get(entries.size() - 1);
    }

    private void persist() {
        StringBuilder sb = new StringBuilder();
        sb.append(VERSION).append('\n').append(entries.size()).append('\n');
        for (EpochEntry e : entries) sb.append(e.epoch()).append(' ').append(e.startOffset()).append('\n');
        try {
            AtomicFile.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new KafkaStorageException("Failed to write the leader epoch checkpoint " + file + " of " + tp + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public synchronized String toString() {
        return "LeaderEpochCache(" + tp + ", " + entries + ")";
    }
}
