package io.tributary.broker.cluster;

import io.tributary.broker.testing.SuiteTags;
import io.tributary.broker.testing.Poll;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * In a cluster {@code max.broker.partitions} bounds the replicas the placement gives each node:
 * a topic or a growth that would pass it on any node is refused with {@code POLICY_VIOLATION}
 * and never reaches the metadata log.
 */
@Tag(SuiteTags.PROCESS)
class ClusterPartitionLimitsTest {
    @TempDir
    Path dir;

    @Test
    void aPlacementThatWouldPassAnyBrokersLimitIsRefusedBeforeItIsCommitted() throws Exception {
        try (ClusterHarness cluster = new ClusterHarness(dir, 2, Map.of("max.broker.partitions", "4"))) {
            cluster.startAll();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic("first", 3, (short) 2))).all().get();

                Throwable e = assertThrows(ExecutionException.class,
                        () -> admin.createTopics(List.of(new NewTopic("second", 2, (short) 2))).all().get()).getCause();
                assertInstanceOf(PolicyViolationException.class, e);
                assertTrue(e.getMessage().contains("max.broker.partitions (4)"), e.getMessage());
                e = assertThrows(ExecutionException.class,
                        () -> admin.createPartitions(Map.of("first", NewPartitions.increaseTo(5))).all().get()).getCause();
                assertInstanceOf(PolicyViolationException.class, e);

                admin.createPartitions(Map.of("first", NewPartitions.increaseTo(4))).all().get();
                // Once every node has applied the growth that came after them, the refused changes
                // would have been applied too, had they been committed.
                for (int id = 1; id <= 2; id++) {
                    int node = id;
                    Poll.until("node " + id + " applied the growth of first", Duration.ofMillis(30_000), () -> {
                        TopicImage first = cluster.node(node).cluster().orElseThrow().quorum().image().topics().get("first");
                        return first != null && first.partitions().size() == 4;
                    });
                    ClusterImage image = cluster.node(id).cluster().orElseThrow().quorum().image();
                    assertEquals(null, image.topics().get("second"), "node " + id + " never saw the refused topic");
                }
            }
        }
    }
}
