package io.tributary.broker.group;

/**
 * A group was asked to move between two states its state machine does not connect (see
 * {@link GroupState#validPreviousStates()}). This is a bug in the coordinator, never a client's
 * error: the request that triggered it fails with {@code UNKNOWN_SERVER_ERROR} and the group stays
 * in its previous state.
 */
public final class IllegalGroupTransitionException extends IllegalStateException {
    private final String groupId;
    private final GroupState from;
    private final GroupState to;

    public IllegalGroupTransitionException(String groupId, GroupState from, GroupState to) {
        super("Group " + groupId + " cannot move from " + from + " to " + to + " (" + to + " may only follow "
                + to.validPreviousStates() + ")");
        this.groupId = groupId;
        this.from = from;
        this.to = to;
    }

    public String groupId() {
        return groupId;
    }

    public GroupState from() {
        return from;
    }

    public GroupState to() {
        return to;
    }
}
