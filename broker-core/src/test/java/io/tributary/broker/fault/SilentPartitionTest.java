package io.tributary.broker.fault;

import io.tributary.broker.fault.FaultChecks.Check;
import io.tributary.broker.fault.FaultWorkload.Ack;
import io.tributary.broker.testing.SuiteTags;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One node cut off from the other two by a network that drops its packets silently (iptables
 * {@code DROP}: no reset, so a connect to it hangs and writes to it fill the socket). The two
 * healthy nodes must keep each other in their group view the whole time — before, a sender thread
 * blocked in a connect to the silent node held up their heartbeats and they suspected each other —
 * and every partition must take {@code acks=all} writes again within the failure detection time
 * plus a few seconds. After the heal every replica is back in the ISR and nothing acknowledged is
 * lost. Runs on {@link FaultCluster}.
 */
@Tag(SuiteTags.PROCESS)
@Tag(SuiteTags.CRASH)
class SilentPartitionTest {
    static final List<String> HOSTS = FaultCluster.HOSTS;
    static final long FAILURE_DETECTION_MS = 3000;
    /** Failure detection, the suspicion's verification (a third of it), an election and a client's metadata refresh. */
    static final long RESUME_LIMIT_MS = FAILURE_DETECTION_MS + 5000;
    static final long HOLD_MS = 20_000;
    private static final Pattern VIEW = Pattern.compile("Node (\\d+) sees live nodes \\[([0-9, ]*)]");

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void theHealthyPairKeepsEachOtherAndTakesWritesWhileTheThirdNodeIsDroppedSilently() throws Exception {
        String iptables = System.getProperty("fault.iptables", "iptables");
        FaultCluster.assumeFaultTools(iptables);
        try (FaultCluster f = FaultCluster.start(dir, iptables, HOSTS, Map.of("cluster.name", "silent-partition",
                "cluster.failure.detection.timeout.ms", String.valueOf(FAILURE_DETECTION_MS),
                "replica.lag.time.max.ms", "3000"), 11L)) {
            FaultWorkload load = f.startWorkload();
            int cut = 3;
            long[] logStart = {Files.size(f.cluster().logFile(1)), Files.size(f.cluster().logFile(2))};
            long cutAt = System.nanoTime();
            f.network().dropBetween(HOSTS.get(cut - 1), HOSTS.get(0));
            f.network().dropBetween(HOSTS.get(cut - 1), HOSTS.get(1));
            Thread.sleep(HOLD_MS);
            long healAt = System.nanoTime();
            List<String> views1 = viewsSince(f.cluster().logFile(1), logStart[0]);
            List<String> views2 = viewsSince(f.cluster().logFile(2), logStart[1]);
            f.network().heal();
            f.awaitFullIsr("after the heal", 60_000);

            Map<String, List<String>> problems = new LinkedHashMap<>();
            f.finish(problems);
            List<Ack> acks = load.acks();
            List<Check> results = new ArrayList<>(f.verifyOffline(acks, new FaultTimeline()));
            problems.forEach((name, list) -> results.add(new Check(name, list)));

            System.out.printf("SilentPartitionTest: views while node %d was cut off: node 1 %s, node 2 %s%n", cut, views1, views2);
            for (String v : views1) assertTrue(v.contains("2"), "node 1 lost node 2 while node 3 was cut off: " + views1);
            for (String v : views2) assertTrue(v.contains("1"), "node 2 lost node 1 while node 3 was cut off: " + views2);
            for (int p = 0; p < FaultCluster.PARTITIONS; p++) {
                int partition = p;
                long[] times = acks.stream().filter(a -> a.partition() == partition).mapToLong(Ack::ackNanos).sorted().toArray();
                FaultReport.Window w = FaultReport.longestGap(times, cutAt, healAt);
                System.out.printf("SilentPartitionTest: partition %d: longest gap between acknowledgements %s ms%n", p, w);
                assertTrue(!w.open() && w.ms() <= RESUME_LIMIT_MS, "partition " + p + " took no acks=all write for " + w
                        + " ms while node " + cut + " was cut off (limit " + RESUME_LIMIT_MS + " ms)");
            }
            for (Check c : results) assertTrue(c.passed(), c.name() + ": " + c.problems());
            assertEquals(List.of(), load.failures(), "errors that reached the producers");
        }
    }

    /** The member lists of the views a node logged after byte {@code from} of its log. */
    private static List<String> viewsSince(Path log, long from) throws java.io.IOException {
        byte[] all = Files.readAllBytes(log);
        String tail = new String(all, (int) Math.min(from, all.length), all.length - (int) Math.min(from, all.length),
                StandardCharsets.UTF_8);
        List<String> views = new ArrayList<>();
        Matcher m = VIEW.matcher(tail);
        while (m.find()) views.add("[" + m.group(2) + "]");
        return views;
    }
}
