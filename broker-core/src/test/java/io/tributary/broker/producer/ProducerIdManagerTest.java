package io.tributary.broker.producer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Producer ids: never reused by a node across restarts, never shared between the nodes of a cluster. */
class ProducerIdManagerTest {
    @TempDir
    File dir;

    @Test
    void nodesHandOutDisjointIdsAndANodeNeverReusesOneAfterARestart() throws Exception {
        Set<Long> seen = new HashSet<>();
        for (int node = 0; node <= 2; node++) {
            File data = new File(dir, "node-" + node);
            ProducerIdManager ids = new ProducerIdManager(data, node);
            for (int i = 0; i < 5; i++) assertTrue(seen.add(ids.nextId()), "id handed out twice");
            // Restarted: continues after the reserved block, never below it.
            ProducerIdManager restarted = new ProducerIdManager(data, node);
            long next = restarted.nextId();
            assertTrue(seen.add(next), "id handed out twice after a restart");
            assertEquals(node, next >>> ProducerIdManager.COUNTER_BITS, "node id in the producer id");
        }
        assertEquals(18, seen.size());
        assertTrue(seen.stream().allMatch(id -> id >= 0), "producer ids are positive");
    }

    @Test
    void aNodeIdWithoutRoomForProducerIdsIsRefused() throws Exception {
        assertThrows(IllegalArgumentException.class,
                () -> new ProducerIdManager(dir, ProducerIdManager.MAX_NODE_ID + 1));
        assertTrue(new ProducerIdManager(dir, ProducerIdManager.MAX_NODE_ID).nextId() > 0);
    }
}
