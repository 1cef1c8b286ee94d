package io.tributary.bench.jmh;

import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.TimestampType;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;

/** What the JMH benchmarks share: producer-like batches, temporary logs and their clean-up. */
final class Fixtures {
    static final TopicPartition TP = new TopicPartition("bench", 0);

    private Fixtures() {
    }

    /**
     * One uncompressed v2 batch as a Kafka producer builds it with {@code batch.size=batchBytes}:
     * as many records of {@code recordSize} random bytes (no key) as fit, at least one.
     */
    static MemoryRecords batch(int recordSize, int batchBytes, long timestamp, long seed) {
        Random random = new Random(seed);
        ByteBuffer buffer = ByteBuffer.allocate(Math.max(batchBytes, recordSize + 128));
        MemoryRecordsBuilder builder = MemoryRecords.builder(buffer, Compression.NONE, TimestampType.CREATE_TIME, 0L);
        do {
            byte[] value = new byte[recordSize];
            random.nextBytes(value);
            builder.append(timestamp, null, value);
        } while (builder.hasRoomFor(timestamp, null, new byte[recordSize], Record.EMPTY_HEADERS));
        return builder.build();
    }

    /** The broker's defaults (as with no --NAME=VALUE given) with {@code overrides} as topic configs. */
    static LogConfig config(Map<String, String> overrides) {
        return LogConfig.brokerDefaults(Map.of()).withOverrides(overrides);
    }

    static PartitionLog openLog(Path dir, LogConfig config, ScheduledExecutorService scheduler) throws IOException {
        File partitionDir = dir.resolve(TP.topic() + "-" + TP.partition()).toFile();
        return PartitionLog.open(TP, partitionDir, config, true, Clock.systemUTC(), scheduler);
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
