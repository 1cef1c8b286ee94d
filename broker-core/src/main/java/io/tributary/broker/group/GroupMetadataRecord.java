package io.tributary.broker.group;

/**
 * One record the group state machine asks to be written to the group's {@code __consumer_offsets}
 * partition: the group's membership, or a tombstone ({@code value == null}) when the group is gone.
 */
public record GroupMetadataRecord(String groupId, GroupMetadata value) {

    public boolean isTombstone() {
        return value == null;
    }
}
