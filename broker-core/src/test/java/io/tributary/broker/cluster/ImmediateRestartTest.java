package io.tributary.broker.cluster;

import io.tributary.broker.client.BrokerProcess;
import io.tributary.broker.testing.Poll;
import io.tributary.broker.testing.SuiteTags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node killed with SIGKILL and started again at once, while its previous incarnation is still in
 * the group view (failure detection is set long here, 30 s, so the old member stays 10 s after the
 * kill: a third of it for the suspicion's verification), joins the cluster: the coordinator sees that the joiner holds the old member's
 * address and replaces it, instead of refusing the join as a duplicate node id, which made the
 * restarted process exit during start.
 */
@Tag(SuiteTags.PROCESS)
@Tag(SuiteTags.CRASH)
class ImmediateRestartTest {
    private static final Pattern VIEW = Pattern.compile("Node (\\d+) sees live nodes \\[([0-9, ]*)] \\(view \\S+, coordinator (\\d+)\\)");

    @TempDir
    Path dir;

    private final BrokerProcess[] nodes = new BrokerProcess[3];
    private int[] ports;

    @AfterEach
    void killLeftovers() throws InterruptedException {
        for (BrokerProcess b : nodes) if (b != null) b.close();
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aNodeRestartedRightAfterSigkillJoinsWhileItsOldIncarnationIsStillInTheView() throws Exception {
        ports = ClusterHarness.freePorts(6);
        List<CompletableFuture<BrokerProcess>> starts = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            int n = id;
            starts.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return start(n);
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            }));
        }
        for (int id = 1; id <= 3; id++) nodes[id - 1] = starts.get(id - 1).get(120, TimeUnit.SECONDS);
        Poll.until("every node seeing all three", Duration.ofSeconds(60), () -> allSeeAll(List.of(1, 2, 3)));

        // Kill a node other than the view's coordinator (a join goes to the coordinator).
        int coordinator = coordinatorSeenBy(1);
        int victim = coordinator == 3 ? 2 : 3;
        nodes[victim - 1].kill();
        long killedAt = System.nanoTime();
        nodes[victim - 1] = start(victim);
        long restartMs = (System.nanoTime() - killedAt) / 1_000_000;
        System.out.printf("ImmediateRestartTest: node %d listening again %d ms after SIGKILL%n", victim, restartMs);
        assertTrue(restartMs < 9_000, "the restart came within the old incarnation's time in the view (took "
                + restartMs + " ms)");
        Poll.until("the restarted node back in every view", Duration.ofSeconds(30), () -> allSeeAll(List.of(1, 2, 3)));
        for (BrokerProcess b : nodes) assertTrue(b.isAlive(), "every node still running: " + b);
        assertTrue(Files.readString(nodes[coordinator - 1].logFile()).contains("removing its previous incarnation"),
                "the coordinator, node " + coordinator + ", replaced the old incarnation of node " + victim
                        + "; what the nodes logged of the group:\n" + membershipLines());
    }

    private BrokerProcess start(int nodeId) throws Exception {
        StringJoiner voters = new StringJoiner(",");
        for (int i = 0; i < 3; i++) voters.add((i + 1) + "@127.0.0.1:" + ports[3 + i]);
        Map<String, String> props = new HashMap<>();
        props.put("node.id", String.valueOf(nodeId));
        props.put("listeners", "127.0.0.1:" + ports[nodeId - 1]);
        props.put("controller.quorum.voters", voters.toString());
        props.put("cluster.name", "immediate-restart-test");
        props.put("cluster.failure.detection.timeout.ms", "30000");
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "2");
        return BrokerProcess.start(dir.resolve("node-" + nodeId), props);
    }

    /** The latest view each running node logged holds exactly {@code ids}. */
    private boolean allSeeAll(List<Integer> ids) {
        for (BrokerProcess b : nodes) {
            String[] last = lastView(b);
            if (last == null) return false;
            List<Integer> seen = new ArrayList<>();
            for (String s : last[0].split(",\\s*")) if (!s.isBlank()) seen.add(Integer.parseInt(s.trim()));
            if (!seen.equals(ids)) return false;
        }
        return true;
    }

    private int coordinatorSeenBy(int nodeId) {
        return Integer.parseInt(lastView(nodes[nodeId - 1])[1]);
    }

    /** Every node's log lines about views, joins and merges, for a failure's message. */
    private String membershipLines() throws java.io.IOException {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < nodes.length; i++) {
            for (String line : Files.readAllLines(nodes[i].logFile())) {
                if (line.contains("sees live nodes") || line.contains("incarnation") || line.contains("GMS")
                        || line.toLowerCase(java.util.Locale.ROOT).contains("merge")) {
                    out.append("node ").append(i + 1).append(": ").append(line).append('\n');
                }
            }
        }
        return out.toString();
    }

    /** The members and the coordinator of the latest view a node logged, or null before its first. */
    private static String[] lastView(BrokerProcess b) {
        try {
            Matcher m = VIEW.matcher(Files.readString(b.logFile()));
            String[] last = null;
            while (m.find()) last = new String[] {m.group(2), m.group(3)};
            return last;
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
