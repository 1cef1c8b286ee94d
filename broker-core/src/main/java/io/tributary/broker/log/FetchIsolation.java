package io.tributary.broker.log;

/** How far a {@link PartitionLog#read} may go. */
public enum FetchIsolation {
    /** Up to the high watermark: what {@code read_uncommitted} consumers may see. */
    HIGH_WATERMARK,
    /**
     * Up to the last stable offset, with the aborted transactions in the range: what
     * {@code read_committed} consumers may see.
     */
    TXN_COMMITTED,
    /** Up to the log end offset: what a follower replicates. */
    LOG_END
}
