package io.tributary.broker.cluster;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three nodes, a topic with replication factor 3 and {@code min.insync.replicas=2}, an idempotent
 * {@code acks=all} producer writing all the time and a consumer reading all the time, while the
 * leader's node is stopped, crashed and restarted, several times. Afterwards every acknowledged
 * record is on every replica exactly once and in order, and the consumer saw nothing that was
 * later lost. The load and the checks are shared with {@link ClusterProcessKillTest}
 * ({@link FailoverWorkload}, {@link ReplicaVerifier}).
 */
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
                    int leader = leaderOf(cluster, new TopicPartition(TOPIC, 0));
                    long before = load.acked();
                    if (round % 2 == 0) cluster.stop(leader);
                    else cluster.node(leader).halt();
                    if (round % 2 == 1) cluster.forget(leader);
                    // Writes go on with two replicas in sync.
                    load.awaitAcked(before + 300);
                    cluster.start(leader);
                    awaitFullIsr(cluster);
                    load.awaitAcked(load.acked() + 300);
                }
            } finally {
                load.stop();
            }
            assertTrue(load.failures().isEmpty(), "the producer gave up on records: " + load.failures());
            verifyReplicas(cluster, load);
        }
    }

    static int leaderOf(ClusterHarness cluster, TopicPartition tp) throws InterruptedException {
        AtomicReference<Integer> leader = new AtomicReference<>();
        ClusterHarness.awaitCondition("a leader for " + tp, 30_000, () -> {
            for (int id = 1; id <= cluster.size(); id++) {
                if (!cluster.running(id)) continue;
                var state = cluster.node(id).cluster().orElseThrow().quorum().image().partition(tp);
                if (state.isPresent() && state.get().hasLeader()) {
                    leader.set(state.get().leader());
                    return true;
                }
            }
            return false;
        });
        return leader.get();
    }

    static void awaitFullIsr(ClusterHarness cluster) throws InterruptedException {
        ClusterHarness.awaitCondition("every replica back in the ISR", 60_000, () -> {
            for (int id = 1; id <= cluster.size(); id++) {
                if (!cluster.running(id)) return false;
                ClusterImage image = cluster.node(id).cluster().orElseThrow().quorum().image();
                TopicImage t = image.topics().get(TOPIC);
                if (t == null) return false;
                for (PartitionRegistration p : t.partitions()) {
                    if (p.isr().size() < cluster.size() || !p.hasLeader()) return false;
                }
            }
            return true;
        });
    }

    static void verifyReplicas(ClusterHarness cluster, FailoverWorkload load) throws InterruptedException {
        for (int p = 0; p < PARTITIONS; p++) {
            TopicPartition tp = new TopicPartition(TOPIC, p);
            ClusterHarness.awaitCondition("replicas of " + tp + " converged", 60_000, () -> {
                long leo = -1;
                for (int id = 1; id <= cluster.size(); id++) {
                    var log = cluster.node(id).logs().get(tp).orElseThrow();
                    if (log.highWatermark() != log.logEndOffset()) return false;
                    if (leo == -1) leo = log.logEndOffset();
                    else if (leo != log.logEndOffset()) return false;
                }
                return true;
            });
            Map<Integer, List<String>> replicas = new HashMap<>();
            for (int id = 1; id <= cluster.size(); id++) {
                replicas.put(id, ReplicaLogs.values(cluster.node(id).logs().get(tp).orElseThrow()));
            }
            ReplicaVerifier.verify(load, p, replicas);
        }
    }
}
