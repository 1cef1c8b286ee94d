package io.tributary.broker.fault;

import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The seeded fault schedule: replayable, covering every kind, with holds that outlast failure detection. */
class FaultScheduleTest {
    @Test
    void theSameSeedGivesTheSameScheduleAndAnotherSeedAnother() {
        List<Fault> a = FaultSchedule.generate(42, 20, 3, 3, 3000);
        assertEquals(a, FaultSchedule.generate(42, 20, 3, 3, 3000));
        assertNotEquals(a, FaultSchedule.generate(43, 20, 3, 3, 3000));
    }

    @Test
    void theShortProfileInjectsEveryKindAtLeastOnceAndTheLongOneAtLeastAHundredFaults() {
        Map<FaultKind, Integer> counts = new EnumMap<>(FaultKind.class);
        List<Fault> faults = FaultSchedule.generate(7, FaultSchedule.Profile.SHORT.faults(), 3, 3, 3000);
        for (Fault f : faults) counts.merge(f.kind(), 1, Integer::sum);
        for (FaultKind k : FaultKind.values()) assertTrue(counts.getOrDefault(k, 0) >= 1, k + ": " + counts);
        assertEquals(8, faults.size());
        assertTrue(FaultSchedule.Profile.LONG.faults() >= 100);
    }

    @Test
    void pausesAndPartitionsOutlastFailureDetectionAndTargetsAreValid() {
        for (Fault f : FaultSchedule.generate(1234, 400, 3, 3, 2000)) {
            switch (f.kind()) {
                case PAUSE_NODE, ISOLATE_NODE, BRIDGE, PARTITION_ALL -> assertTrue(f.holdMs() > 2000, f.toString());
                default -> assertTrue(f.holdMs() >= 1000, f.toString());
            }
            for (int node : f.nodes()) assertTrue(node >= 1 && node <= 3, f.toString());
            if (f.kind() == FaultKind.BRIDGE || f.kind() == FaultKind.KILL_TWO_NODES) {
                assertEquals(2, f.nodes().stream().distinct().count(), f.toString());
            }
            if (f.kind() == FaultKind.KILL_PARTITION_LEADER) assertTrue(f.partition() >= 0 && f.partition() < 3);
        }
    }
}
