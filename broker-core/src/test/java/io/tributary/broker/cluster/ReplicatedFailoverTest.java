package io.tributary.broker.cluster;

import io.tributary.broker.testing.SuiteTags;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three nodes, a topic with replication factor 3 and {@code min.insync.replicas=2}, an idempotent
 * {@code acks=all} producer writing all the time and a consumer reading all the time, while the
 * leader's node is stopped, crashed and restarted, several times. Afterwards every acknowledged
 * record is on every replica exactly once and in order, and the consumer saw nothing that was
 * later lost. The load and the checks are shared with {@link ClusterProcessKillTest}
 * ({@link FailoverWorkload}, {@link ReplicaVerifier}).
 */
@Tag(SuiteTags.PROCESS)
@Tag(SuiteTags.CRASH)
class ReplicatedFailoverTest {
    static final String TOPIC = "payments";
    static final int PARTITIONS = 2;

    @TempDir
    Path dir;

    @Test
    void acknowledgedRecordsSurviveLeaderStopsCrashesAndRestarts() throws Exception {
        try (ClusterHarness cluster = new ClusterHarness(dir, 3, Map.of())) {
            cluster.startAll();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get();
            }
            FailoverWorkload load = new FailoverWorkload(cluster.bootstrap(), TOPIC, PARTITIONS);
            load.start();
            try {
                load.awaitAcked(500);
                for (int round = 0; round < 4; round++) {
                    int leader = cluster.leaderOf(new TopicPartition(TOPIC, 0));
                    long before = load.acked();
                    if (round % 2 == 0) cluster.stop(leader);
                    else cluster.node(leader).halt();
                    if (round % 2 == 1) cluster.forget(leader);
                    // Writes go on with two replicas in sync.
                    load.awaitAcked(before + 300);
                    cluster.start(leader);
                    cluster.awaitFullIsr(TOPIC);
                    load.awaitAcked(load.acked() + 300);
                }
            } finally {
                load.stop();
            }
            assertTrue(load.failures().isEmpty(), "the producer gave up on records: " + load.failures());
            verifyReplicas(cluster, load);
        }
    }

    static void verifyReplicas(ClusterHarness cluster, FailoverWorkload load) throws InterruptedException {
        for (int p = 0; p < PARTITIONS; p++) {
            TopicPartition tp = new TopicPartition(TOPIC, p);
            cluster.awaitConverged(tp);
            Map<Integer, List<String>> replicas = new HashMap<>();
            for (int id = 1; id <= cluster.size(); id++) {
                replicas.put(id, ReplicaLogs.values(cluster.node(id).logs().get(tp).orElseThrow()));
            }
            ReplicaVerifier.verify(load, p, replicas);
        }
    }
}
