package io.tributary.broker.fault;

import io.tributary.broker.fault.FaultChecks.Check;
import io.tributary.broker.fault.FaultWorkload.Ack;
import io.tributary.broker.fault.OfflineReplicas.Replica;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The end-of-run checks on hand-made replicas, without a cluster: each kind of damage a broker
 * could do is found by its check, and only by it, and the problem names the node, the record and
 * the fault it was acknowledged during.
 */
class FaultChecksTest {
    private final FaultTimeline timeline = new FaultTimeline();

    /** Producer 1's records 0..n-1 on partition 0 at offsets 0..n-1, acknowledged 1 ms apart. */
    private List<Ack> acked(int n) {
        List<Ack> acks = new ArrayList<>();
        for (int i = 0; i < n; i++) acks.add(new Ack(1, 0, i, i, timeline.startNanos() + i * 1_000_000L));
        return acks;
    }

    private static List<String> values(List<Ack> acks) {
        return new ArrayList<>(acks.stream().map(Ack::value).toList());
    }

    private static Map<Integer, Replica> replicas(List<String> one, List<String> two, List<String> three) {
        return Map.of(1, new Replica(1, 0, one), 2, new Replica(2, 0, two), 3, new Replica(3, 0, three));
    }

    private List<Check> check(List<Ack> acked, Map<Integer, Replica> replicas, List<String> consumed) {
        FaultChecks checks = new FaultChecks(timeline, 3);
        checks.checkPartition(0, acked, replicas, consumed);
        return checks.results();
    }

    private static Check only(List<Check> results, String failing) {
        Check found = null;
        for (Check c : results) {
            if (c.name().equals(failing)) found = c;
            else assertTrue(c.passed(), c.name() + " should pass, found " + c.problems());
        }
        assertTrue(found != null && !found.passed(), failing + " should fail");
        return found;
    }

    @Test
    void identicalReplicasHoldingEveryAcknowledgedRecordPassEveryCheck() {
        List<Ack> acks = acked(10);
        List<String> log = values(acks);
        log.add("P2:0:0"); // written but never acknowledged: allowed
        for (Check c : check(acks, replicas(log, log, log), log)) assertTrue(c.passed(), c.name() + ": " + c.problems());
    }

    @Test
    void anAcknowledgedRecordMissingOnOneReplicaFailsExactlyOnceNamingNodeRecordAndFault() {
        timeline.add(new FaultOutcome(new Fault(1, FaultKind.ISOLATE_NODE, List.of(2), -1, 4000), List.of(2),
                timeline.startNanos(), timeline.startNanos() + 100_000_000L, -1, -1, null));
        List<Ack> acks = acked(10);
        List<String> full = values(acks);
        List<String> truncated = full.subList(0, 7);
        List<Check> results = check(acks, replicas(full, truncated, full), full.subList(0, 5));
        // A shorter replica also differs from the others and lacks offsets 7-9.
        Check exactlyOnce = results.stream().filter(c -> c.name().equals(FaultChecks.EXACTLY_ONCE)).findFirst().orElseThrow();
        String problem = String.join("\n", exactlyOnce.problems());
        assertTrue(problem.contains("node 2") && problem.contains("3 of 10") && problem.contains("P1:0:7"), problem);
        assertTrue(problem.contains("during #1 ISOLATE_NODE"), problem);
        assertTrue(results.stream().anyMatch(c -> c.name().equals(FaultChecks.CONVERGED) && !c.passed()));
    }

    @Test
    void aRecordWrittenTwiceFailsExactlyOnce() {
        List<Ack> acks = acked(5);
        List<String> log = values(acks);
        log.add("P1:0:3");
        Check c = only(check(acks, replicas(log, log, log), List.of()), FaultChecks.EXACTLY_ONCE);
        assertTrue(c.problems().get(0).contains("P1:0:3 at offsets 3 and 5"), c.problems().toString());
    }

    @Test
    void aProducersLaterRecordBeforeAnEarlierOneFailsOrder() {
        List<Ack> acks = List.of(new Ack(1, 0, 0, -1, 1), new Ack(1, 0, 3, -1, 2), new Ack(1, 0, 6, -1, 3));
        List<String> log = Arrays.asList("P1:0:0", "P1:0:6", "P1:0:3");
        Check c = only(check(acks, replicas(log, log, log), List.of()), FaultChecks.ORDER);
        assertEquals(3, c.problems().size(), "one problem per replica: " + c.problems());
        assertTrue(c.problems().get(0).contains("P1:0:6 (offset 1) before P1:0:3 (offset 2"), c.problems().get(0));
    }

    @Test
    void anAcknowledgedRecordAtAnotherOffsetThanAcknowledgedFailsOffsets() {
        List<Ack> acks = List.of(new Ack(1, 0, 0, 0, 1), new Ack(1, 0, 1, 1, 2));
        List<String> log = Arrays.asList("P2:0:0", "P1:0:0", "P1:0:1");
        Check c = only(check(acks, replicas(log, log, log), List.of()), FaultChecks.OFFSETS);
        assertTrue(c.problems().get(0).contains("P1:0:0 (acknowledged at offset 0"), c.problems().get(0));
    }

    @Test
    void replicasDifferingOnlyInUnacknowledgedRecordsFailConvergedAtTheFirstDifference() {
        List<Ack> acks = acked(3);
        List<String> log = values(acks);
        List<String> other = new ArrayList<>(log);
        log.add("P2:0:0");
        other.add("P3:0:0");
        Check c = only(check(acks, replicas(log, other, log), List.of()), FaultChecks.CONVERGED);
        assertTrue(c.problems().get(0).contains("node 2") && c.problems().get(0).contains("first at offset 3"),
                c.problems().get(0));
    }

    @Test
    void aConsumedRecordLaterReplacedInTheLogFailsConsumed() {
        List<Ack> acks = acked(3);
        List<String> log = values(acks);
        List<String> consumed = new ArrayList<>(log);
        consumed.add("P2:0:9"); // read at offset 3, beyond what survived
        log.add("P3:0:0");
        Check c = only(check(acks, replicas(log, log, log), consumed), FaultChecks.CONSUMED);
        assertTrue(c.problems().get(0).contains("P2:0:9 read at offset 3, log holds P3:0:0"), c.problems().get(0));
    }

    @Test
    void aNodeWithoutAReplicaFailsExactlyOnce() {
        List<Ack> acks = acked(2);
        List<String> log = values(acks);
        FaultChecks checks = new FaultChecks(timeline, 3);
        checks.checkPartition(0, acks, Map.of(1, new Replica(1, 0, log), 3, new Replica(3, 0, log)), List.of());
        Check c = only(checks.results(), FaultChecks.EXACTLY_ONCE);
        assertTrue(c.problems().get(0).contains("node 2 has no replica"), c.problems().toString());
    }
}
