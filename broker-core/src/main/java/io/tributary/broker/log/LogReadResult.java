package io.tributary.broker.log;

import org.apache.kafka.common.record.Records;

/**
 * What a read returns: the records (a file region of a segment, sent with zero copy, or empty)
 * and the partition's offsets at the time of the read.
 */
public record LogReadResult(Records records, long highWatermark, long logStartOffset, long logEndOffset) {
    public int sizeInBytes() {
        return records.sizeInBytes();
    }
}
