package io.tributary.broker.cluster;

import org.jgroups.Address;
import org.jgroups.View;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.protocols.raft.election.BaseElection;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * Makes sure the metadata quorum elects a leader whenever a majority of the voters is connected.
 *
 * <p>jgroups-raft's {@code ELECTION} starts a vote only on a view change (the leader left, the
 * majority came back). A quorum can also lose its leader with no view change at all: a vote
 * request of a round that never completed (during a partial partition, or a pause) raises a
 * node's Raft term, which makes the leader step down, or makes that node drop every message of
 * the leader's older term, and nothing starts a new round; every proposal then fails with "not
 * the leader" for as long as the view stays the same.
 *
 * <p>{@link #check} runs periodically. While the view holds a majority of the voters but this node
 * knows no leader in it, it waits {@code graceMs} plus {@code stepMs} per place behind the view's
 * coordinator (the coordinator first, so normally only one node acts), then runs a voting round
 * itself: the round's higher term reaches every node, the voters answer, and the most up-to-date
 * log among a majority wins, as in a view-triggered election. While the quorum stays leaderless
 * it tries again after the same wait.
 *
 * <p>Thread safety: {@link #check} is called from one scheduler thread only.
 */
final class ElectionWatchdog {
    private static final System.Logger LOG = System.getLogger(ElectionWatchdog.class.getName());

    private final RAFT raft;
    private final BaseElection election;
    private final long graceMs;
    private final long stepMs;
    private final LongSupplier clock;
    private long leaderlessSinceMs = -1;

    ElectionWatchdog(RAFT raft, BaseElection election, long graceMs, long stepMs, LongSupplier clock) {
        this.raft = raft;
        this.election = election;
        this.graceMs = graceMs;
        this.stepMs = stepMs;
        this.clock = clock;
    }

    /** Looks at the quorum once; returns true when it started a voting round. */
    boolean check(View view) {
        long now = clock.getAsLong();
        if (view == null || !leaderless(view) || votersIn(view) < raft.majority()) {
            leaderlessSinceMs = -1;
            return false;
        }
        if (leaderlessSinceMs < 0) {
            leaderlessSinceMs = now;
            return false;
        }
        int place = Math.max(0, view.getMembers().indexOf(raft.getAddress()));
        if (now - leaderlessSinceMs < graceMs + place * stepMs) return false;
        LOG.log(System.Logger.Level.WARNING, "Node " + raft.raftId() + ": the metadata quorum has had no leader for "
                + (now - leaderlessSinceMs) + " ms with a majority in view " + view.getViewId() + " (term "
                + raft.currentTerm() + ", leader " + raft.leader() + "); starting a vote");
        election.startVotingThread();
        leaderlessSinceMs = now;
        return true;
    }

    private boolean leaderless(View view) {
        Address leader = raft.leader();
        return leader == null || !view.containsMember(leader);
    }

    private int votersIn(View view) {
        List<String> voters = raft.members();
        int n = 0;
        for (Address a : view.getMembers()) {
            Integer id = ClusterChannel.nodeIdOf(a);
            if (id != null && voters.contains(String.valueOf(id))) n++;
        }
        return n;
    }
}
