package io.tributary.broker.cluster;

import io.tributary.broker.testing.Poll;
import io.tributary.broker.testing.SuiteTags;
import org.jgroups.protocols.raft.RAFT;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The metadata quorum elects a leader whenever a majority is connected, also when nothing in the
 * group view changes. Two ways the quorum lost its leader in a stable view, both the outcome of a
 * vote request of a round that never completed: the leader saw a higher term and stepped down while
 * the others kept forwarding to it, and a follower's term rose above the leader's, so it dropped
 * every message of the leader and stayed leaderless. Each is made here directly on one node's Raft
 * state; every node must then take metadata changes again within a few seconds.
 */
@Tag(SuiteTags.PROCESS)
class QuorumLivenessTest {
    /** Grace of the election watchdog (2 s at the failure detection time used here) plus its step per place in the view. */
    static final long RECOVERY_MS = 15_000;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aLeaderThatSteppedDownWithoutAViewChangeIsReplaced() throws Exception {
        try (ClusterHarness cluster = new ClusterHarness(dir, 3, Map.of())) {
            cluster.startAll();
            int leader = raftLeader(cluster);
            raft(cluster, leader).setLeaderAndTerm(null);
            awaitProposalsCommitEverywhere(cluster);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aFollowerWhoseTermRoseAboveTheLeadersRejoinsTheQuorum() throws Exception {
        try (ClusterHarness cluster = new ClusterHarness(dir, 3, Map.of())) {
            cluster.startAll();
            int leader = raftLeader(cluster);
            int follower = leader % 3 + 1;
            RAFT r = raft(cluster, follower);
            r.currentTerm(r.currentTerm() + 5);
            awaitProposalsCommitEverywhere(cluster);
        }
    }

    /** Every node commits a proposal, and all agree on one leader and term. */
    private static void awaitProposalsCommitEverywhere(ClusterHarness cluster) throws InterruptedException {
        long start = System.nanoTime();
        for (int id = 1; id <= 3; id++) {
            MetadataQuorum quorum = cluster.node(id).cluster().orElseThrow().quorum();
            int node = id;
            Poll.until("node " + node + " committing a metadata change", Duration.ofMillis(RECOVERY_MS), () -> {
                try {
                    return quorum.propose(new MetadataCommand.Noop()).get(2, TimeUnit.SECONDS)
                            == org.apache.kafka.common.protocol.Errors.NONE;
                } catch (Exception e) {
                    return false;
                }
            });
        }
        Poll.until("one leader and term on every node", Duration.ofMillis(RECOVERY_MS), () -> {
            RAFT first = raft(cluster, 1);
            for (int id = 2; id <= 3; id++) {
                RAFT other = raft(cluster, id);
                if (first.leader() == null || !Objects.equals(first.leader(), other.leader())
                        || first.currentTerm() != other.currentTerm()) return false;
            }
            return true;
        });
        System.out.printf("QuorumLivenessTest: quorum usable again after %d ms%n", (System.nanoTime() - start) / 1_000_000);
        assertEquals(3, cluster.node(1).cluster().orElseThrow().quorum().channel().liveNodes().size(),
                "the view did not change");
    }

    private static int raftLeader(ClusterHarness cluster) throws InterruptedException {
        int[] leader = {-1};
        Poll.until("a Raft leader", Duration.ofSeconds(30), () -> {
            for (int id = 1; id <= 3; id++) {
                if (raft(cluster, id).isLeader()) {
                    leader[0] = id;
                    return true;
                }
            }
            return false;
        });
        return leader[0];
    }

    private static RAFT raft(ClusterHarness cluster, int id) {
        return cluster.node(id).cluster().orElseThrow().quorum().channel().raft();
    }
}
