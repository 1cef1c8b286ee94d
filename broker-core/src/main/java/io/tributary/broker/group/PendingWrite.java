package io.tributary.broker.group;

/**
 * A step whose outcome depends on its records being written: the caller appends the step's
 * records, then hands this back to {@link GroupStateMachine#written} with the append's error (or
 * none), and the state machine finishes the step.
 */
sealed interface PendingWrite permits PendingWrite.Assignment, PendingWrite.StaticMember {
    String groupId();

    /** The leader's assignment of {@code generation}: once written the group is Stable and every member gets its share. */
    record Assignment(String groupId, int generation) implements PendingWrite {
    }

    /**
     * A static member took over under {@code newMemberId} in a Stable group, answering join request
     * {@code requestId} (JoinGroup {@code version}). If the write fails, {@code replaced} is put back.
     */
    record StaticMember(String groupId, long requestId, short version, GroupMember replaced, String newMemberId)
            implements PendingWrite {
    }
}
