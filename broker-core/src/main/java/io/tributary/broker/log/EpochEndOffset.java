package io.tributary.broker.log;

/**
 * The answer to an OffsetsForLeaderEpoch question: {@code epoch} is the largest epoch in the log
 * at or below the one asked about, and {@code endOffset} the offset after its last record (the
 * start offset of the next higher epoch, or the log end offset for the latest epoch). Both are
 * {@link #UNDEFINED_EPOCH} / {@link #UNDEFINED_OFFSET} when the log cannot answer.
 */
public record EpochEndOffset(int epoch, long endOffset) {
    public static final int UNDEFINED_EPOCH = -1;
    public static final long UNDEFINED_OFFSET = -1L;
    public static final EpochEndOffset UNDEFINED = new EpochEndOffset(UNDEFINED_EPOCH, UNDEFINED_OFFSET);

    public boolean isUndefined() {
        return epoch == UNDEFINED_EPOCH && endOffset == UNDEFINED_OFFSET;
    }
}
