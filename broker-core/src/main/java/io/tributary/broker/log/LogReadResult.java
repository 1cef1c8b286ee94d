package io.tributary.broker.log;

import org.apache.kafka.common.record.Records;

import java.util.List;

/**
 * What a read returns: the records (a file region of a segment, sent with zero copy, or empty),
 * the partition's offsets at the time of the read, and, for a {@link FetchIsolation#TXN_COMMITTED}
 * read, the aborted transactions among the records (null for other reads).
 */
public record LogReadResult(Records records, long highWatermark, long lastStableOffset, long logStartOffset,
                            long logEndOffset, List<AbortedTxn> abortedTransactions) {
    public int sizeInBytes() {
        return records.sizeInBytes();
    }
}
