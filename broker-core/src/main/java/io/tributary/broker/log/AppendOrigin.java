package io.tributary.broker.log;

/** Who wrote the records a leader appends; decides how strictly they are validated. */
public enum AppendOrigin {
    /**
     * A producer's batch from a Produce request: exactly one batch, validated as Kafka validates
     * client data (no control batches; sequence numbers checked, retries recognised).
     */
    CLIENT,
    /**
     * Records this broker wrote itself (committed offsets, group metadata, transaction state) and
     * transaction markers: control batches allowed, sequence numbers not checked.
     */
    COORDINATOR;

    /** True when the append must hold exactly one batch. */
    public boolean singleBatch() {
        return this == CLIENT;
    }
}
