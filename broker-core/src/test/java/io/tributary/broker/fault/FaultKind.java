package io.tributary.broker.fault;

/**
 * The kinds of fault the suite injects. Each is applied, held for a while ({@link Fault#holdMs()})
 * and healed; what "healed" means is given per kind.
 */
public enum FaultKind {
    /** SIGKILL of a node chosen by the schedule; restarted (same data directory and ports) after the hold. */
    KILL_RANDOM_NODE("kill -9 random node"),
    /** SIGKILL of the node leading a partition at that moment; restarted after the hold. */
    KILL_PARTITION_LEADER("kill -9 partition leader"),
    /** SIGKILL of two nodes at once, so the metadata quorum is lost; both restarted together. */
    KILL_TWO_NODES("kill -9 two nodes (quorum loss)"),
    /** SIGSTOP of a node for longer than failure detection, then SIGCONT. */
    PAUSE_NODE("SIGSTOP node"),
    /** One node's packets to and from the other two dropped; healed by removing the rules. */
    ISOLATE_NODE("isolate one node"),
    /** Two nodes cannot reach each other, both still reach the third ("bridge"). */
    BRIDGE("bridge (two nodes split, third sees both)"),
    /** The test's clients (127.0.0.1) cut off from one node's Kafka port; node-to-node links untouched. */
    CUT_CLIENTS("clients cut off from one node"),
    /** Every node cut off from every other, so no quorum anywhere. */
    PARTITION_ALL("all three isolated (quorum loss)");

    private final String title;

    FaultKind(String title) {
        this.title = title;
    }

    /** A short human title, for the report. */
    public String title() {
        return title;
    }
}
