package io.tributary.broker.fault;

import java.util.List;

/**
 * One scheduled fault: what to do ({@code kind}), to whom and for how long. Immutable; chosen by
 * {@link FaultSchedule} from the seed alone, so the same seed gives the same list. The only choice
 * left to run time is the node a {@link FaultKind#KILL_PARTITION_LEADER} kills: whichever node
 * leads {@code partition} when the fault starts.
 *
 * @param number    1-based position in the schedule
 * @param nodes     the nodes the fault acts on: the node killed, paused, isolated or cut off from
 *                  clients; the two nodes killed, or split by a bridge; every node for
 *                  {@link FaultKind#PARTITION_ALL}; empty for {@link FaultKind#KILL_PARTITION_LEADER}
 * @param partition the partition whose leader a {@link FaultKind#KILL_PARTITION_LEADER} kills, else -1
 * @param holdMs    how long the fault lasts: time a killed node stays down, a paused node stays
 *                  stopped, or drop rules stay in place
 */
public record Fault(int number, FaultKind kind, List<Integer> nodes, int partition, long holdMs) {
    public Fault {
        nodes = List.copyOf(nodes);
    }

    @Override
    public String toString() {
        String target = switch (kind) {
            case KILL_PARTITION_LEADER -> "leader of partition " + partition;
            case BRIDGE -> "nodes " + nodes.get(0) + " and " + nodes.get(1) + " split";
            case PARTITION_ALL -> "nodes " + nodes;
            default -> nodes.size() == 1 ? "node " + nodes.get(0) : "nodes " + nodes;
        };
        return "#" + number + " " + kind + " (" + target + ", " + holdMs + " ms)";
    }
}
