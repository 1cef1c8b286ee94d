package io.tributary.broker.cluster;

import io.tributary.broker.testing.Poll;
import io.tributary.broker.testing.SuiteTags;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dynamic broker configs in a cluster of three: the cluster-wide default set through one node is
 * committed by the metadata quorum and in force on every node (a topic described through another
 * node reports it); a node's own value set through one node reaches only that node; a topic's own
 * override changed through one node is in force on every node at once; a node restarted
 * afterwards has the broker configs again.
 */
@Tag(SuiteTags.PROCESS)
class ClusterDynamicConfigTest {
    @TempDir
    Path dir;

    private static void alter(Admin admin, ConfigResource resource, String name, String value) throws Exception {
        Map<ConfigResource, Collection<AlterConfigOp>> changes = Map.of(resource,
                List.of(new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET)));
        admin.incrementalAlterConfigs(changes).all().get(30, TimeUnit.SECONDS);
    }

    private static ConfigEntry describe(Admin admin, ConfigResource resource, String name) throws Exception {
        return admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource).get(name);
    }

    private static Admin admin(ClusterHarness cluster, int nodeId) {
        return Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, cluster.node(nodeId).bootstrapServers()));
    }

    @Test
    void aDefaultSetThroughOneNodeIsInForceOnEveryNode() throws Exception {
        try (ClusterHarness cluster = new ClusterHarness(dir, 3, Map.of())) {
            cluster.startAll();
            try (Admin one = admin(cluster, 1)) {
                one.createTopics(List.of(new NewTopic("shared", 3, (short) 3))).all().get(30, TimeUnit.SECONDS);
                alter(one, new ConfigResource(ConfigResource.Type.BROKER, ""), "log.retention.ms", "3600000");
                alter(one, new ConfigResource(ConfigResource.Type.BROKER, "2"), "log.cleaner.backoff.ms", "4000");
            }
            for (int id = 1; id <= 3; id++) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (cluster.node(id).topics().brokerDefaults().retentionMs() != 3_600_000L && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertEquals(3_600_000L, cluster.node(id).topics().brokerDefaults().retentionMs(), "node " + id);
                assertEquals(3_600_000L, cluster.node(id).topics().effectiveConfig("shared").retentionMs(), "node " + id);
                assertEquals(id == 2 ? 4000 : 15000, cluster.node(id).logs().cleanerBackoffMs(), "node " + id);
            }
            try (Admin three = admin(cluster, 3)) {
                ConfigEntry onThree = describe(three, new ConfigResource(ConfigResource.Type.BROKER, "3"), "log.retention.ms");
                assertEquals("3600000", onThree.value());
                assertEquals(ConfigEntry.ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, onThree.source());
                ConfigEntry backoff = describe(three, new ConfigResource(ConfigResource.Type.BROKER, "2"), "log.cleaner.backoff.ms");
                assertEquals("4000", backoff.value());
                assertEquals(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG, backoff.source());
            }

            // A topic's override changed through one node: committed, and in force on every node, at once
            // (the change once waited out the quorum timeout, holding what the metadata thread applies it under).
            try (Admin two = admin(cluster, 2)) {
                long start = System.nanoTime();
                alter(two, new ConfigResource(ConfigResource.Type.TOPIC, "shared"), "retention.ms", "7200000");
                long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(tookMs < 5_000, "the topic config change took " + tookMs + " ms");
            }
            for (int id = 1; id <= 3; id++) {
                int node = id;
                Poll.until("node " + node + " has the topic override", Duration.ofSeconds(10),
                        () -> cluster.node(node).topics().effectiveConfig("shared").retentionMs() == 7_200_000L);
            }

            cluster.stop(2);
            cluster.start(2);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (cluster.node(2).logs().cleanerBackoffMs() != 4000 && System.nanoTime() < deadline) Thread.sleep(20);
            assertEquals(4000, cluster.node(2).logs().cleanerBackoffMs(), "the restarted node has its own value again");
            assertEquals(3_600_000L, cluster.node(2).topics().brokerDefaults().retentionMs());
        }
    }
}
