package io.tributary.bench.jmh;

import io.tributary.broker.log.OffsetIndex;
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
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * {@link OffsetIndex#lookupPosition}: the floor search a fetch makes before it scans the segment.
 * 262144 entries is a full 1 GiB segment at the default {@code index.interval.bytes} of 4096; the
 * looked-up offsets are random, so the search does not always hit the same cache lines.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class OffsetIndexLookupBenchmark {
    private static final int RECORDS_PER_ENTRY = 40;

    @Param({"1024", "262144"})
    int entries;

    private Path dir;
    private OffsetIndex index;
    private long[] targets;
    private int next;

    @Setup
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("tributary-jmh-index");
        index = OffsetIndex.open(dir.resolve("00000000000000000000.index").toFile(), 0);
        for (int i = 1; i <= entries; i++) index.append((long) i * RECORDS_PER_ENTRY, i * 4096);
        Random random = new Random(7);
        targets = new long[4096];
        for (int i = 0; i < targets.length; i++) targets[i] = (long) (random.nextDouble() * entries * RECORDS_PER_ENTRY);
    }

    @TearDown
    public void tearDown() throws IOException {
        index.close();
        Fixtures.deleteRecursively(dir);
    }

    @Benchmark
    public int lookup() {
        long target = targets[next];
        next = (next + 1) & (targets.length - 1);
        return index.lookupPosition(target);
    }
}
