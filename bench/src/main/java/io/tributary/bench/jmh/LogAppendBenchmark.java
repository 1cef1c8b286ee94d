package io.tributary.bench.jmh;

import io.tributary.broker.log.LogAppendInfo;
import io.tributary.broker.log.PartitionLog;
import org.apache.kafka.common.record.MemoryRecords;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@link PartitionLog#append}: validation, offset assignment and the write to the active segment
 * (page cache only, as with the default {@code flush.messages}), one producer batch per call. Each
 * measurement iteration starts from an empty log in a fresh directory, deleted afterwards, so the
 * disk does not fill. Bytes per second = ops/s x the batch size.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class LogAppendBenchmark {
    @Param({"100", "1024"})
    int recordSize;

    @Param({"16384", "65536"})
    int batchBytes;

    private MemoryRecords batch;
    private ScheduledExecutorService scheduler;
    private Path dir;
    private PartitionLog log;

    @Setup(Level.Trial)
    public void trial() {
        // The batch is appended over and over: append() rewrites only its base offset and leader
        // epoch, which the CRC does not cover, so it stays valid.
        batch = Fixtures.batch(recordSize, batchBytes, System.currentTimeMillis(), 42);
        scheduler = Executors.newSingleThreadScheduledExecutor();
    }

    @Setup(Level.Iteration)
    public void openLog() throws IOException {
        dir = Files.createTempDirectory("tributary-jmh-append");
        // 256 MiB segments, so rolls (and their background flush) are part of what is measured.
        log = Fixtures.openLog(dir, Fixtures.config(Map.of("segment.bytes", Integer.toString(256 << 20))), scheduler);
    }

    @TearDown(Level.Iteration)
    public void closeLog() throws IOException {
        log.close();
        Fixtures.deleteRecursively(dir);
    }

    @TearDown(Level.Trial)
    public void stop() {
        scheduler.shutdownNow();
    }

    @Benchmark
    public LogAppendInfo append() {
        return log.append(batch, 0, true);
    }
}
