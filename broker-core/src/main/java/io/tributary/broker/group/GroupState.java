package io.tributary.broker.group;

import java.util.EnumSet;
import java.util.Set;

/**
 * The states of a classic group, named as Kafka reports them in DescribeGroups and ListGroups, with
 * the transitions Kafka's classic group coordinator allows: each state lists the states a group may
 * enter it from ({@link #validPreviousStates()}).
 *
 * <ul>
 *   <li>{@code Empty}: no members (a group only committing offsets, or whose members all left);
 *       entered from {@code PreparingRebalance} when a join phase ends with nobody left.</li>
 *   <li>{@code PreparingRebalance}: joins are parked until every member rejoined or the rebalance
 *       timeout passed; entered from {@code Empty}, {@code CompletingRebalance} or
 *       {@code Stable}.</li>
 *   <li>{@code CompletingRebalance}: the generation is bumped and the leader computes the
 *       assignment; entered only from {@code PreparingRebalance}.</li>
 *   <li>{@code Stable}: the leader's assignment is written and handed out; entered only from
 *       {@code CompletingRebalance}.</li>
 *   <li>{@code Dead}: the group is being removed (deleted, expired, or its offsets partition moved
 *       to another node); entered from any state, itself included.</li>
 * </ul>
 */
public enum GroupState {
    EMPTY("Empty"),
    PREPARING_REBALANCE("PreparingRebalance"),
    COMPLETING_REBALANCE("CompletingRebalance"),
    STABLE("Stable"),
    DEAD("Dead");

    private final String kafkaName;

    GroupState(String kafkaName) {
        this.kafkaName = kafkaName;
    }

    public String kafkaName() {
        return kafkaName;
    }

    /** The states a group may be in to move to this one. */
    public Set<GroupState> validPreviousStates() {
        return switch (this) {
            case EMPTY -> EnumSet.of(PREPARING_REBALANCE);
            case PREPARING_REBALANCE -> EnumSet.of(EMPTY, COMPLETING_REBALANCE, STABLE);
            case COMPLETING_REBALANCE -> EnumSet.of(PREPARING_REBALANCE);
            case STABLE -> EnumSet.of(COMPLETING_REBALANCE);
            case DEAD -> EnumSet.allOf(GroupState.class);
        };
    }

    @Override
    public String toString() {
        return kafkaName;
    }
}
