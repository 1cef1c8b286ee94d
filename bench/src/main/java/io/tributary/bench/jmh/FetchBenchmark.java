package io.tributary.bench.jmh;

import io.tributary.broker.log.LogReadResult;
import io.tributary.broker.log.PartitionLog;
import org.apache.kafka.common.record.MemoryRecords;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@link PartitionLog#read}: what a fetch does before the zero-copy send, i.e. find the segment,
 * look up the offset index, scan the batch headers from the indexed position to the wanted offset
 * and slice the file region (up to {@code maxBytes}, as {@code max.partition.fetch.bytes}). The
 * log holds 256 MiB of 100-byte records in 16 KiB batches, in 64 MiB segments. {@code random}
 * reads anywhere (a consumer catching up); {@code tail} reads the last few batches (a consumer
 * that keeps up).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class FetchBenchmark {
    private static final long LOG_BYTES = 256L << 20;

    @Param({"random", "tail"})
    String position;

    @Param({"1048576"})
    int maxBytes;

    private ScheduledExecutorService scheduler;
    private Path dir;
    private PartitionLog log;
    private long[] targets;
    private int next;

    @Setup
    public void setUp() throws IOException {
        scheduler = Executors.newSingleThreadScheduledExecutor();
        dir = Files.createTempDirectory("tributary-jmh-fetch");
        log = Fixtures.openLog(dir, Fixtures.config(Map.of("segment.bytes", Integer.toString(64 << 20))), scheduler);
        MemoryRecords batch = Fixtures.batch(100, 16384, System.currentTimeMillis(), 42);
        while (log.size() < LOG_BYTES) log.append(batch, 0, true);
        long end = log.logEndOffset();
        long perBatch = batch.batches().iterator().next().countOrNull();
        Random random = new Random(11);
        targets = new long[4096];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = position.equals("tail")
                    ? end - 1 - (long) (random.nextDouble() * 4 * perBatch)
                    : (long) (random.nextDouble() * end);
        }
    }

    @TearDown
    public void tearDown() throws IOException {
        log.close();
        scheduler.shutdownNow();
        Fixtures.deleteRecursively(dir);
    }

    @Benchmark
    public int read() {
        long offset = targets[next];
        next = (next + 1) & (targets.length - 1);
        LogReadResult result = log.read(offset, maxBytes, true);
        return result.sizeInBytes();
    }
}
