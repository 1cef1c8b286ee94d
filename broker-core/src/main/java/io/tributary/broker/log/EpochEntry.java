package io.tributary.broker.log;

/**
 * One entry of a {@link LeaderEpochCache}: leader epoch {@code epoch} wrote its first batch at
 * {@code startOffset}.
 */
public record EpochEntry(int epoch, long startOffset) {
    public EpochEntry {
        if (epoch < 0 || startOffset < 0) {
            throw new IllegalArgumentException("Epoch entry needs a non-negative epoch and start offset, got epoch "
                    + epoch + " at offset " + startOffset);
        }
    }
}
