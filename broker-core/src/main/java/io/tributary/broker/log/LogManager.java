package io.tributary.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Owns every partition log in a data directory and the background work on them: retention,
 * compaction, time-based flush and roll, producer-id expiry.
 *
 * <p>Layout: {@code <data>/<topic>-<partition>/} per partition; {@code <data>/.lock} is held
 * (file lock) while the broker runs, so two brokers cannot share a directory;
 * {@code <data>/.clean_shutdown} exists only between a clean shutdown and the next start, and
 * lets that start skip recovery.
 *
 * <p>Thread safety: the log map is concurrent; each log guards itself. Background tasks run on
 * one scheduler thread; compaction on its own thread.
 */
public final class LogManager implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LogManager.class.getName());
    static final String CLEAN_SHUTDOWN_FILE = ".clean_shutdown";
    /** Written into a partition directory before it is deleted, so a crash mid-delete can be finished. */
    static final String DELETING_MARKER = ".deleting";

    /** Intervals of the background tasks. */
    public record Schedule(long retentionCheckMs, long flushCheckMs, boolean cleanerEnabled, long cleanerBackoffMs,
                           long producerIdExpirationMs) {
    }

    private final File dataDir;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final ScheduledExecutorService cleanerThread;
    private final Map<TopicPartition, PartitionLog> logs = new ConcurrentHashMap<>();
    private final LogCleaner cleaner = new LogCleaner();
    private final boolean cleanShutdown;
    private final FileChannel lockChannel;
    private final FileLock dirLock;
    private volatile boolean closed;
    /** {@code log.cleaner.backoff.ms}: the pause between compaction rounds; changed at run time. */
    private volatile long cleanerBackoffMs = 15_000;
    private volatile FileSync fileSync = FileSync.FORCE;
    private final List<LogListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Hears of the logs this manager opens and deletes (the broker's per-partition metrics follow
     * them). Called on the thread that opened or deleted the log, after the fact, with no lock held.
     */
    public interface LogListener {
        void opened(PartitionLog log);

        void deleted(TopicPartition tp);
    }

    public LogManager(File dataDir, Clock clock) throws IOException {
        this.dataDir = dataDir;
        this.clock = clock;
        Files.createDirectories(dataDir.toPath());
        this.lockChannel = FileChannel.open(new File(dataDir, ".lock").toPath(), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            lockChannel.close();
            throw new KafkaStorageException("Data directory " + dataDir.getAbsolutePath()
                    + " is in use by another broker");
        }
        this.dirLock = lock;
        File marker = new File(dataDir, CLEAN_SHUTDOWN_FILE);
        this.cleanShutdown = marker.exists();
        Files.deleteIfExists(marker.toPath());
        java.util.concurrent.ScheduledThreadPoolExecutor schedulerPool =
                new java.util.concurrent.ScheduledThreadPoolExecutor(1, daemon("tributary-log-scheduler"));
        // Delayed closes of removed segments are dropped at shutdown: each log closes its own when it closes.
        schedulerPool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.scheduler = schedulerPool;
        java.util.concurrent.ScheduledThreadPoolExecutor cleanerPool =
                new java.util.concurrent.ScheduledThreadPoolExecutor(1, daemon("tributary-log-cleaner"));
        // A round waiting out its backoff is dropped at shutdown, not run.
        cleanerPool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.cleanerThread = cleanerPool;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Starts the background tasks. */
    public void startBackgroundTasks(Schedule schedule) {
        scheduler.scheduleWithFixedDelay(this::applyRetention, schedule.retentionCheckMs(), schedule.retentionCheckMs(),
                TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(() -> {
            for (PartitionLog log : logs.values()) {
                log.maybeFlushByTime();
                log.maybeRollByTime();
            }
        }, schedule.flushCheckMs(), schedule.flushCheckMs(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(() -> {
            for (PartitionLog log : logs.values()) log.expireProducers(schedule.producerIdExpirationMs());
        }, 60_000, 60_000, TimeUnit.MILLISECONDS);
        cleanerBackoffMs = schedule.cleanerBackoffMs();
        if (schedule.cleanerEnabled()) scheduleCleaning();
    }

    /** Runs a compaction round after {@code log.cleaner.backoff.ms}, read afresh for every round. */
    private void scheduleCleaning() {
        if (closed) return;
        try {
            cleanerThread.schedule(() -> {
                try {
                    compactDirtyLogs();
                } finally {
                    scheduleCleaning();
                }
            }, cleanerBackoffMs, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            // Closing: no further rounds.
        }
    }

    /**
     * Applies the cleaner settings that may change at run time: {@code log.cleaner.backoff.ms} from
     * the next round, {@code log.cleaner.dedupe.buffer.size} and
     * {@code log.cleaner.io.max.bytes.per.second} as {@link LogCleaner#reconfigure} says.
     */
    public void reconfigureCleaner(long backoffMs, long dedupeBufferBytes, double ioMaxBytesPerSecond) {
        if (backoffMs < 0) throw new IllegalArgumentException("backoffMs must not be negative, got " + backoffMs);
        cleaner.reconfigure(dedupeBufferBytes, ioMaxBytesPerSecond);
        this.cleanerBackoffMs = backoffMs;
    }

    public long cleanerBackoffMs() {
        return cleanerBackoffMs;
    }

    /** Opens the log of {@code tp}, creating it if it does not exist. */
    public PartitionLog getOrCreate(TopicPartition tp, LogConfig config) {
        PartitionLog existing = logs.get(tp);
        if (existing != null) return existing;
        boolean[] opened = {false};
        PartitionLog result = logs.computeIfAbsent(tp, key -> {
            try {
                PartitionLog log = PartitionLog.open(key, partitionDir(key), config, cleanShutdown, clock, scheduler);
                log.useFileSync(fileSync);
                opened[0] = true;
                return log;
            } catch (IOException e) {
                throw new KafkaStorageException("Cannot open the log of " + key + " in " + partitionDir(key) + ": "
                        + e.getMessage(), e);
            }
        });
        if (opened[0]) for (LogListener l : listeners) l.opened(result);
        return result;
    }

    /** Adds {@code listener} and tells it of every log open now. */
    public void addListener(LogListener listener) {
        listeners.add(listener);
        for (PartitionLog log : logs.values()) listener.opened(log);
    }

    /**
     * Forces the segment files of every log, open now or later, through {@code sync}: a test seam
     * that lets a test see (or hold up) the fsync an acknowledgement must wait for. See {@link FileSync}.
     */
    public void useFileSync(FileSync sync) {
        this.fileSync = sync;
        for (PartitionLog log : logs.values()) log.useFileSync(sync);
    }

    public Optional<PartitionLog> get(TopicPartition tp) {
        return Optional.ofNullable(logs.get(tp));
    }

    public Collection<PartitionLog> all() {
        return logs.values();
    }

    /** Closes and deletes the log of {@code tp} and its directory. */
    public void delete(TopicPartition tp) {
        PartitionLog log = logs.remove(tp);
        if (log != null) for (LogListener l : listeners) l.deleted(tp);
        // Its descriptors first: the deletion may be undoing a creation that ran out of them.
        if (log != null) log.abandon();
        try {
            File dir = partitionDir(tp);
            if (dir.isDirectory()) Files.writeString(new File(dir, DELETING_MARKER).toPath(), "");
            if (log != null) log.delete();
            else PartitionLog.deleteRecursively(partitionDir(tp));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "Could not delete the directory of " + tp, e);
        }
    }

    /**
     * Finishes deletions interrupted by a crash: removes partition directories of unknown topics
     * that carry the deletion marker. Unknown directories without it are reported and kept.
     */
    public void deleteStrayDirectories(java.util.function.Predicate<TopicPartition> known) {
        File[] dirs = dataDir.listFiles(File::isDirectory);
        if (dirs == null) return;
        for (File d : dirs) {
            String name = d.getName();
            int dash = name.lastIndexOf('-');
            if (name.equals("meta") || dash <= 0) continue;
            try {
                TopicPartition tp = new TopicPartition(name.substring(0, dash), Integer.parseInt(name.substring(dash + 1)));
                if (!known.test(tp)) {
                    if (new File(d, DELETING_MARKER).exists()) {
                        LOG.log(System.Logger.Level.INFO, "Finishing the deletion of " + d + " (partition " + tp + ")");
                        PartitionLog.deleteRecursively(d);
                    } else {
                        LOG.log(System.Logger.Level.WARNING, "Directory " + d + " holds partition " + tp
                                + " of no known topic; it is left untouched");
                    }
                }
            } catch (NumberFormatException | IOException e) {
                // Not a partition directory.
            }
        }
    }

    public File partitionDir(TopicPartition tp) {
        return new File(dataDir, tp.topic() + "-" + tp.partition());
    }

    /** Applies retention to every log now. */
    public void applyRetention() {
        for (PartitionLog log : logs.values()) {
            try {
                log.applyRetention();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "Retention of " + log.topicPartition() + " failed", e);
            }
        }
    }

    /** Compacts every log with {@code cleanup.policy} containing {@code compact} that needs it. */
    public void compactDirtyLogs() {
        for (PartitionLog log : List.copyOf(logs.values())) {
            if (closed) return;
            try {
                if (log.config().compact() && cleaner.needsCleaning(log)) cleaner.clean(log);
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "Compaction of " + log.topicPartition() + " failed", e);
            }
        }
    }

    public LogCleaner cleaner() {
        return cleaner;
    }

    public boolean wasCleanShutdown() {
        return cleanShutdown;
    }

    public File dataDir() {
        return dataDir;
    }

    /**
     * Releases the directory after a start that failed part way: closes what was opened without
     * flushing and without writing the clean-shutdown marker, so the next start recovers.
     */
    public void abandon() {
        closed = true;
        cleanerThread.shutdown();
        scheduler.shutdown();
        for (PartitionLog log : new ArrayList<>(logs.values())) {
            try {
                log.abandon();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "Failed to release " + log.topicPartition(), e);
            }
        }
        try {
            dirLock.release();
            lockChannel.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "Failed to release the lock of " + dataDir, e);
        }
    }

    /** Flushes and closes every log, then writes the clean-shutdown marker. */
    @Override
    public void close() throws IOException {
        closed = true;
        // shutdown(), not shutdownNow(): interrupting a thread in file I/O closes the shared FileChannel.
        cleanerThread.shutdown();
        scheduler.shutdown();
        try {
            cleanerThread.awaitTermination(60, TimeUnit.SECONDS);
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        boolean allClosed = true;
        for (PartitionLog log : new ArrayList<>(logs.values())) {
            try {
                log.close();
            } catch (IOException | RuntimeException e) {
                allClosed = false;
                LOG.log(System.Logger.Level.ERROR, "Failed to close " + log.topicPartition(), e);
            }
        }
        if (allClosed) Files.createFile(new File(dataDir, CLEAN_SHUTDOWN_FILE).toPath());
        dirLock.release();
        lockChannel.close();
    }
}
