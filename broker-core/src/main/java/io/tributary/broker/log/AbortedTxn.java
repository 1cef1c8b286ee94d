package io.tributary.broker.log;

/**
 * An aborted transaction as the transaction index keeps it and a {@code read_committed} fetch
 * reports it: the producer, the first offset of its data in the partition, the offset of its abort
 * marker, and the last stable offset when the marker was written.
 */
public record AbortedTxn(long producerId, long firstOffset, long lastOffset, long lastStableOffset) {
}
