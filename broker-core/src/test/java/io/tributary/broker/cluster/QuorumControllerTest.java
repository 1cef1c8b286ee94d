package io.tributary.broker.cluster;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The controller's decisions for one partition, without a quorum: which leader and ISR it proposes. */
class QuorumControllerTest {
    private final QuorumController controller = new QuorumController(
            ClusterConfig.from(Map.of("controller.quorum.voters", "1@127.0.0.1:7801,2@127.0.0.1:7802,3@127.0.0.1:7803"), 1),
            null, () -> null, topic -> false);
    private final PartitionRegistration ledBy1 = new PartitionRegistration(List.of(1, 2, 3), List.of(1, 2, 3), 1, 4, 9);

    @Test
    void aLeaderInControlledShutdownHandsOverToTheNextInSyncReplicaKeepingTheIsr() {
        PartitionRegistration next = controller.decide("t", ledBy1, Set.of(1, 2, 3), Set.of(1));
        assertEquals(2, next.leader());
        assertEquals(List.of(1, 2, 3), next.isr(), "the ISR is kept: the stopping node still holds everything");
        assertEquals(5, next.leaderEpoch());
    }

    @Test
    void aLeaderInControlledShutdownKeepsLeadingWhenNoOtherInSyncReplicaIsLive() {
        PartitionRegistration alone = new PartitionRegistration(List.of(1, 2, 3), List.of(1), 1, 4, 9);
        assertNull(controller.decide("t", alone, Set.of(1, 2, 3), Set.of(1)));
    }

    @Test
    void thePreferredReplicaIsNotMadeLeaderWhileItShutsDown() {
        PartitionRegistration ledBy2 = new PartitionRegistration(List.of(1, 2, 3), List.of(1, 2, 3), 2, 5, 10);
        assertNull(controller.decide("t", ledBy2, Set.of(1, 2, 3), Set.of(1)));
        assertEquals(1, controller.decide("t", ledBy2, Set.of(1, 2, 3), Set.of()).leader());
    }

    @Test
    void aDeadLeaderIsReplacedByAnInSyncReplicaThatIsNotShuttingDown() {
        PartitionRegistration next = controller.decide("t", ledBy1, Set.of(2, 3), Set.of(2));
        assertEquals(3, next.leader());
        assertEquals(List.of(2, 3), next.isr());
    }
}
