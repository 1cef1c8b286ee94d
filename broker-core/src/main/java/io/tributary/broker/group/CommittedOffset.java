package io.tributary.broker.group;

/**
 * An offset a group committed for one partition: the next offset to consume, the leader epoch of
 * the last consumed record ({@code -1} if unknown), the client's metadata string and when it was
 * committed.
 */
public record CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestamp) {
}
