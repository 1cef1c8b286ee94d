package io.tributary.broker.testing;

import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What a test of one partition's log on disk stands on, as a JUnit 5 extension on an instance field:
 * <pre>
 * &#64;RegisterExtension
 * final LogFixture logs = new LogFixture("orders", 3);
 * ...
 * PartitionLog log = logs.open(Map.of("segment.bytes", "1024"));
 * log.append(Batches.of(3).build(), 0, true);
 * PartitionLog again = logs.reopen(log, Map.of("segment.bytes", "1024"));
 * </pre>
 * Before each test it makes a fresh temporary directory and a scheduler thread for the logs'
 * background flushes; after it, it closes every log opened through it (in the order opened), stops
 * the scheduler (failing the test if it does not stop within 10 s) and deletes the directory. Logs
 * are opened with the broker's default topic settings plus the given overrides, and with the
 * fixture's {@link ManualClock} (at {@link ManualClock#T0}) unless the fixture was made
 * {@link #withSystemClock()} or a clock is given. Used by the test's own thread only.
 */
public final class LogFixture implements BeforeEachCallback, AfterEachCallback {
    private final TopicPartition tp;
    private final ManualClock clock = new ManualClock();
    private Clock logClock = clock;
    private final List<PartitionLog> opened = new ArrayList<>();
    private Path root;
    private ScheduledExecutorService scheduler;
    private int crashes;

    public LogFixture(String topic, int partition) {
        this.tp = new TopicPartition(topic, partition);
    }

    /** Opens logs with the system clock instead of {@link #clock()}, for tests whose time must not stand still. */
    public LogFixture withSystemClock() {
        logClock = Clock.systemUTC();
        return this;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        root = Files.createTempDirectory("log-fixture-");
        scheduler = Executors.newSingleThreadScheduledExecutor();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            for (PartitionLog log : opened) log.close();
        } finally {
            scheduler.shutdownNow();
            if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the log scheduler thread of " + tp + " did not stop within 10 s");
            }
            deleteRecursively(root);
        }
    }

    public TopicPartition tp() {
        return tp;
    }

    /** The fixture's clock, at {@link ManualClock#T0} until the test moves it. */
    public ManualClock clock() {
        return clock;
    }

    /** The temporary directory every log of the test lives under. */
    public Path root() {
        return root.toAbsolutePath();
    }

    /** The partition's directory, {@code <root>/<topic>-<partition>}, where {@link #open(Map)} opens it. */
    public File dir() {
        return dir(tp.topic() + "-" + tp.partition());
    }

    /** Another directory under the root, for a second replica of the partition. */
    public File dir(String name) {
        return root.resolve(name).toFile();
    }

    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /** The broker's default topic settings with {@code overrides}, as a topic created with them has. */
    public static LogConfig config(Map<String, String> overrides) {
        return LogConfig.brokerDefaults(Map.of()).withOverrides(overrides);
    }

    /** Opens the partition in {@link #dir()} as after a crash (no clean-shutdown marker: recovery runs). */
    public PartitionLog open(Map<String, String> overrides) throws IOException {
        return open(dir(), overrides, false);
    }

    /** Opens the partition in {@link #dir()}. */
    public PartitionLog open(Map<String, String> overrides, boolean cleanShutdown) throws IOException {
        return open(dir(), overrides, cleanShutdown);
    }

    public PartitionLog open(File dir, Map<String, String> overrides, boolean cleanShutdown) throws IOException {
        return open(dir, overrides, cleanShutdown, logClock);
    }

    public PartitionLog open(File dir, Map<String, String> overrides, boolean cleanShutdown, Clock clock) throws IOException {
        PartitionLog log = PartitionLog.open(tp, dir, config(overrides), cleanShutdown, clock, scheduler);
        opened.add(log);
        return log;
    }

    /** Closes {@code log} and opens its directory again after that clean shutdown, with the fixture's clock. */
    public PartitionLog reopen(PartitionLog log, Map<String, String> overrides) throws IOException {
        close(log);
        return open(log.dir(), overrides, true);
    }

    /** Closes {@code log} now; the fixture no longer closes it after the test. */
    public void close(PartitionLog log) throws IOException {
        log.close();
        opened.remove(log);
    }

    /**
     * What a crash would leave of a log that is still open, after a flush: its directory copied,
     * once the flush and the background work it started are done, to {@code <root>/crashed-<n>}.
     */
    public File crashCopy(PartitionLog log) throws Exception {
        log.flush();
        scheduler.submit(() -> { }).get(10, TimeUnit.SECONDS);
        File copy = dir("crashed-" + (++crashes));
        Files.createDirectories(copy.toPath());
        try (Stream<Path> files = Files.list(log.dir().toPath())) {
            for (Path f : files.toList()) Files.copy(f, copy.toPath().resolve(f.getFileName()));
        }
        return copy;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
