package io.tributary.bench.jmh;

import io.tributary.broker.log.AppendOrigin;
import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.RecordBatchValidator;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@link RecordBatchValidator#validate} of one uncompressed producer batch on a topic with the
 * default config: CRC-32C over the batch, sizes, and a walk over the records for their offset
 * deltas and timestamps. Bytes per second = batch size / the time per operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class BatchValidationBenchmark {
    @Param({"100", "1024"})
    int recordSize;

    @Param({"16384", "65536"})
    int batchBytes;

    private MemoryRecords batch;
    private LogConfig config;

    @Setup
    public void setUp() {
        batch = Fixtures.batch(recordSize, batchBytes, System.currentTimeMillis(), 42);
        config = Fixtures.config(Map.of());
    }

    @Benchmark
    public RecordBatchValidator.Validated validate() {
        return RecordBatchValidator.validate(Fixtures.TP, batch, config, System.currentTimeMillis(), AppendOrigin.CLIENT);
    }
}
