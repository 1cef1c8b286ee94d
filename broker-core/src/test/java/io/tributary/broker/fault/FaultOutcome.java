package io.tributary.broker.fault;

import java.util.List;

/**
 * What happened when one {@link Fault} was injected, on the {@link System#nanoTime()} clock.
 *
 * @param targets        the nodes actually acted on (for a leader kill: the leader found then)
 * @param appliedNanos   when the fault was applied (first signal or rule)
 * @param healedNanos    when healing began (restart, SIGCONT or rules removed)
 * @param recoveredNanos when the Admin client first saw every node and every replica in the ISR
 *                       after the heal (confirmed by a second look), or -1 if not within the limit
 * @param resumedNanos   when every partition had acknowledged a record sent after recovery, or -1
 * @param problem        why the cluster did not recover (null if it did); a run stops injecting
 *                       after such a fault
 */
public record FaultOutcome(Fault fault, List<Integer> targets, long appliedNanos, long healedNanos,
                           long recoveredNanos, long resumedNanos, String problem) {
    public FaultOutcome {
        targets = List.copyOf(targets);
    }

    /** Milliseconds from the start of healing to full ISR, or -1 if the ISR never became full. */
    public long healToFullIsrMs() {
        return recoveredNanos < 0 ? -1 : (recoveredNanos - healedNanos) / 1_000_000;
    }

    /** The end of the fault's span: acks resumed, or recovery, or healing, whichever is known last. */
    public long endNanos() {
        if (resumedNanos >= 0) return resumedNanos;
        if (recoveredNanos >= 0) return recoveredNanos;
        return healedNanos;
    }

    /** The fault with the targets resolved, e.g. {@code #4 KILL_PARTITION_LEADER (leader of partition 1, 2300 ms) -> node 3}. */
    public String describe() {
        return fault + (fault.kind() == FaultKind.KILL_PARTITION_LEADER ? " -> node " + targets : "");
    }
}
