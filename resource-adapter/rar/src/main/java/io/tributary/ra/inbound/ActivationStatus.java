package io.tributary.ra.inbound;

import java.util.List;

/**
 * One activated message-driven bean as {@link ActivationRegistry#statuses()} reports it: its name
 * (the container's activation name, or the group id when the container gives none), its consumer
 * group and one {@link ConsumerStatus} per consumer ({@code concurrency} of them). Immutable.
 */
public record ActivationStatus(String name, String groupId, List<ConsumerStatus> consumers) {
    public ActivationStatus {
        consumers = List.copyOf(consumers);
    }
}
