package io.tributary.broker.log;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * A replicated append ({@link PartitionLog#appendAsFollower}) whose first batch starts below the
 * follower's log end offset: the follower and the leader disagree on where the log continues, and
 * the follower must truncate or refetch before appending.
 */
public final class UnexpectedAppendOffsetException extends KafkaException {
    private final transient TopicPartition topicPartition;
    private final long expectedOffset;
    private final long firstOffset;
    private final long lastOffset;

    public UnexpectedAppendOffsetException(TopicPartition topicPartition, long expectedOffset, long firstOffset,
                                           long lastOffset) {
        super("Unexpected offset in replicated append to " + topicPartition + ": the first batch starts at offset "
                + firstOffset + " (last offset " + lastOffset + ") but the log end offset is " + expectedOffset);
        this.topicPartition = topicPartition;
        this.expectedOffset = expectedOffset;
        this.firstOffset = firstOffset;
        this.lastOffset = lastOffset;
    }

    public TopicPartition topicPartition() { return topicPartition; }
    /** The follower's log end offset, the lowest offset the append could have started at. */
    public long expectedOffset() { return expectedOffset; }
    /** The base offset of the first batch of the rejected append. */
    public long firstOffset() { return firstOffset; }
    /** The last offset of the last batch of the rejected append. */
    public long lastOffset() { return lastOffset; }
}
