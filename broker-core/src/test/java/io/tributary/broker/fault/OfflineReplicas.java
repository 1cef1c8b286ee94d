package io.tributary.broker.fault;

import io.tributary.broker.log.FetchIsolation;
import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.log.LogReadResult;
import io.tributary.broker.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a replica of a partition from a stopped node's data directory, the way the broker itself
 * would open it ({@link LogManager}, with its recovery), and returns every record's value with
 * its offset. Must only be used once the node's process has exited: the directory is locked
 * while open.
 */
public final class OfflineReplicas {
    /**
     * A replica's whole log: {@code values.get(i)} is the value at offset {@code startOffset + i}
     * (null where the log has no record at that offset).
     */
    public record Replica(int nodeId, long startOffset, List<String> values) {
        public long endOffset() {
            return startOffset + values.size();
        }

        /** The value at {@code offset}, or null if the log has none there. */
        public String at(long offset) {
            long i = offset - startOffset;
            return i < 0 || i >= values.size() ? null : values.get((int) i);
        }
    }

    private OfflineReplicas() {
    }

    /** Node {@code nodeId}'s replica of {@code tp} in {@code dataDir}, or null if it has none. */
    public static Replica read(int nodeId, Path dataDir, TopicPartition tp) throws Exception {
        if (!Files.isDirectory(dataDir.resolve(tp.topic() + "-" + tp.partition()))) return null;
        try (LogManager logs = new LogManager(dataDir.toFile(), Clock.systemUTC())) {
            return values(nodeId, logs.getOrCreate(tp, LogConfig.brokerDefaults(Map.of())));
        }
    }

    private static Replica values(int nodeId, PartitionLog log) {
        long start = log.logStartOffset();
        long end = log.logEndOffset();
        List<String> out = new ArrayList<>();
        long offset = start;
        while (offset < end) {
            LogReadResult r = log.read(offset, 1 << 20, true, FetchIsolation.LOG_END);
            long next = offset;
            for (RecordBatch batch : r.records().batches()) {
                for (Record record : batch) {
                    if (record.offset() < start + out.size()) continue;
                    while (start + out.size() < record.offset()) out.add(null);
                    if (record.value() == null) {
                        out.add("<null value>");
                        continue;
                    }
                    byte[] v = new byte[record.valueSize()];
                    record.value().duplicate().get(v);
                    out.add(new String(v, StandardCharsets.UTF_8));
                }
                next = batch.lastOffset() + 1;
            }
            if (next == offset) break;
            offset = next;
        }
        return new Replica(nodeId, start, out);
    }
}
