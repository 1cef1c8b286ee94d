package io.tributary.broker.log;

/**
 * The outcome of an append: the offsets the batch was given (or, for a retried batch, the offsets
 * of the original append), the log-append time if the topic uses it ({@code -1} otherwise), and
 * the log start offset after the append.
 */
public record LogAppendInfo(long firstOffset, long lastOffset, long logAppendTime, long logStartOffset,
                            int recordCount, boolean duplicate) {
}
