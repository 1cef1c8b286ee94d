package io.tributary.broker.cluster;

/** Who wrote the records a leader appends; decides how strictly they are validated. */
public enum AppendOrigin {
    /** A producer's batch from a Produce request: exactly one batch, validated as Kafka validates client data. */
    CLIENT,
    /** Records this broker wrote itself (committed offsets, group metadata, later transaction markers and state). */
    COORDINATOR;

    /** True when the append must hold exactly one batch. */
    public boolean singleBatch() {
        return this == CLIENT;
    }
}
