package io.tributary.broker.log;

/** How far a {@link PartitionLog#read} may go. */
public enum FetchIsolation {
    /** Up to the high watermark: what consumers may see. */
    HIGH_WATERMARK,
    /** Up to the log end offset: what a follower replicates. */
    LOG_END
}
