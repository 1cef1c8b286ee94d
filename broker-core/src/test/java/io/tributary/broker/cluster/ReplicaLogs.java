package io.tributary.broker.cluster;

import io.tributary.broker.log.FetchIsolation;
import io.tributary.broker.log.LogReadResult;
import io.tributary.broker.log.PartitionLog;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads the values of a replica's whole log, in offset order, as strings. */
final class ReplicaLogs {
    private ReplicaLogs() {
    }

    static List<String> values(PartitionLog log) {
        List<String> out = new ArrayList<>();
        long offset = log.logStartOffset();
        long end = log.logEndOffset();
        while (offset < end) {
            LogReadResult r = log.read(offset, 1 << 20, true, FetchIsolation.LOG_END);
            long next = offset;
            for (RecordBatch batch : r.records().batches()) {
                for (Record record : batch) {
                    if (record.offset() < offset) continue;
                    byte[] v = new byte[record.valueSize()];
                    record.value().duplicate().get(v);
                    out.add(new String(v, StandardCharsets.UTF_8));
                }
                next = batch.lastOffset() + 1;
            }
            if (next == offset) break;
            offset = next;
        }
        return out;
    }
}
