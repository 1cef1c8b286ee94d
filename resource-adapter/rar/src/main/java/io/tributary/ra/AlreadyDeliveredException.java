package io.tributary.ra;

import java.sql.SQLException;

/**
 * The offset row of a partition is already past the records a delivery was about to write for:
 * another delivery (a consumer that still held the partition after a rebalance, or a transaction
 * recovered after a crash) stored them. The delivery must skip those records, not process them again.
 */
public final class AlreadyDeliveredException extends SQLException {
    private final String group;
    private final String topic;
    private final int partition;
    private final long storedNextOffset;
    private final long firstOffset;

    public AlreadyDeliveredException(String group, String topic, int partition, long storedNextOffset, long firstOffset) {
        super("Group " + group + " already stored offset " + storedNextOffset + " for " + topic + "-" + partition
                + ": records from offset " + firstOffset + " were delivered before");
        this.group = group;
        this.topic = topic;
        this.partition = partition;
        this.storedNextOffset = storedNextOffset;
        this.firstOffset = firstOffset;
    }

    public String group() { return group; }
    public String topic() { return topic; }
    public int partition() { return partition; }
    public long storedNextOffset() { return storedNextOffset; }
    public long firstOffset() { return firstOffset; }
}
