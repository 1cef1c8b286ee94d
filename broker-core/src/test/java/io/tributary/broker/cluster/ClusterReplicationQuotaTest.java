package io.tributary.broker.cluster;

import io.tributary.broker.testing.Poll;
import io.tributary.broker.testing.SuiteTags;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kafka's replication quotas in a cluster of three, the way an operator throttles a replica that
 * comes back far behind: one follower of a topic is stopped, 12 MiB are written without it, the
 * rate ({@code leader.replication.throttled.rate} on the leader, or {@code
 * follower.replication.throttled.rate} as the cluster-wide default) is set to 1 MiB/s with the
 * topic's throttled-replicas list at {@code *}, and the follower is started again. While it
 * catches up its log grows at the rate (within 30 %), and an {@code acks=all} producer and a
 * consumer of the same partition on the same leader are not slowed: the other follower, in sync,
 * is never throttled and stays in the ISR. Once the rate is removed the follower catches up and
 * rejoins the ISR within seconds.
 */
@Tag(SuiteTags.PROCESS)
class ClusterReplicationQuotaTest {
    private static final String TOPIC = "catchup";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    private static final long RATE = 1 << 20;
    private static final int BACKLOG_BYTES = 12 << 20;
    private static final int RECORD_BYTES = 10 * 1024;
    /** How long the catching-up replica's growth is measured, after its first second. */
    private static final long MEASURE_MS = 6_000;

    @TempDir
    Path dir;

    private enum Side { LEADER, FOLLOWER }

    @Test
    void aLeaderThrottleHoldsACatchingUpReplicaToTheRateAndInSyncReplicasAreNotSlowed() throws Exception {
        throttledCatchUp(Side.LEADER);
    }

    @Test
    void aFollowerThrottleHoldsACatchingUpReplicaToTheRateAndInSyncReplicasAreNotSlowed() throws Exception {
        throttledCatchUp(Side.FOLLOWER);
    }

    private void throttledCatchUp(Side side) throws Exception {
        // Follower fetches of 256 KiB (not 1 MiB) a partition: finer steps, so a few seconds measure the rate closely.
        try (ClusterHarness cluster = new ClusterHarness(dir, 3, Map.of("replica.fetch.max.bytes", "262144"))) {
            cluster.startAll();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 3))).all().get(30, TimeUnit.SECONDS);
            }
            cluster.awaitFullIsr(TOPIC);
            int leader = cluster.leaderOf(TP);
            PartitionRegistration assignment = image(cluster, leader).partition(TP).orElseThrow();
            // The replica that falls behind neither leads nor is the preferred leader (which would take leadership back).
            int behind = -1;
            for (int r : assignment.replicas()) if (r != leader && r != assignment.replicas().get(0)) behind = r;
            int inSync = 6 - leader - behind;
            String bootstrap = cluster.node(leader).bootstrapServers() + "," + cluster.node(inSync).bootstrapServers();

            try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
                List<Long> baseline = timedSends(producer, 40, 0);
                // Every record so far was acknowledged by all three: the stopped replica has the leader's log as it is now.
                long sizeWhenStopped = cluster.node(leader).logs().get(TP).orElseThrow().size();
                cluster.stop(behind);
                int stopped = behind;
                Poll.until("node " + behind + " out of the ISR", Duration.ofSeconds(30),
                        () -> !image(cluster, leader).partition(TP).orElseThrow().isr().contains(stopped));
                for (int i = 0; i < BACKLOG_BYTES / RECORD_BYTES; i++) {
                    producer.send(new ProducerRecord<>(TOPIC, 0, null, new byte[RECORD_BYTES]));
                }
                producer.flush();

                throttle(cluster, side, leader);
                cluster.start(behind);
                var log = cluster.node(behind).logs().get(TP).orElseThrow();
                Poll.until("node " + behind + " copying", Duration.ofSeconds(30), Duration.ofMillis(10),
                        () -> log.size() > sizeWhenStopped);

                // While it catches up: acks=all to the same partition on the same leader, and a consumer of it.
                try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap)) {
                    consumer.assign(List.of(TP));
                    consumer.seekToEnd(List.of(TP));
                    long consumeFrom = consumer.position(TP);
                    Thread.sleep(1_000);
                    long fromNanos = System.nanoTime();
                    long fromSize = log.size();
                    List<Long> during = timedSends(producer, Integer.MAX_VALUE, MEASURE_MS);
                    long toSize = log.size();
                    long toNanos = System.nanoTime();
                    // Kafka's gauge of the quota's measured rate, on the node that applies it.
                    long gauge = byteRate(cluster, side == Side.LEADER ? leader : behind, side);
                    double measured = (toSize - fromSize) / ((toNanos - fromNanos) / 1e9);
                    System.out.printf("%s throttle: node %d copied at %.0f B/s (rate %d) over %.1f s; acks=all latency "
                                    + "mean %.1f ms, max %d ms (baseline mean %.1f ms, max %d ms); byte-rate gauge %d%n", side,
                            behind, measured, RATE, (toNanos - fromNanos) / 1e9, mean(during), max(during), mean(baseline),
                            max(baseline), gauge);
                    assertTrue(measured >= RATE * 0.7 && measured <= RATE * 1.3, side + " throttle: node " + behind
                            + " copied at " + Math.round(measured) + " B/s, not within 30 % of " + RATE);
                    assertTrue(gauge >= RATE * 0.7 && gauge <= RATE * 1.3, "the " + side + " byte-rate gauge reads " + gauge);
                    long leaderEnd = cluster.node(leader).logs().get(TP).orElseThrow().logEndOffset();
                    assertTrue(log.logEndOffset() < leaderEnd, "node " + behind + " was still catching up");

                    assertTrue(mean(during) <= 3 * mean(baseline) + 25, "acks=all sends slowed down: mean "
                            + mean(during) + " ms against " + mean(baseline) + " ms before");
                    assertTrue(max(during) < 1_000, "an acks=all send took " + max(during) + " ms");
                    assertTrue(image(cluster, leader).partition(TP).orElseThrow().isr().contains(inSync),
                            "the in-sync follower stayed in the ISR");
                    int consumed = 0;
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (consumed < during.size() && System.nanoTime() < deadline) {
                        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                            if (r.offset() >= consumeFrom && r.value().length == 1024) consumed++;
                        }
                    }
                    assertEquals(during.size(), consumed, "the consumer read every record sent meanwhile");
                }

                long unthrottledAt = System.nanoTime();
                unthrottle(cluster, side, leader);
                Poll.until("node " + behind + " back in the ISR once unthrottled", Duration.ofSeconds(15),
                        () -> image(cluster, leader).partition(TP).orElseThrow().isr().contains(stopped));
                System.out.printf("%s throttle removed: node %d back in the ISR after %d ms%n", side, behind,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - unthrottledAt));
                cluster.awaitConverged(TP);
            }
        }
    }

    private static ClusterImage image(ClusterHarness cluster, int node) {
        return cluster.node(node).cluster().orElseThrow().quorum().image();
    }

    /** {@code kafka.server:type=LeaderReplication|FollowerReplication,name=byte-rate} of node {@code node}. */
    private static long byteRate(ClusterHarness cluster, int node, Side side) {
        String name = "kafka.server:type=" + (side == Side.LEADER ? "Leader" : "Follower") + "Replication,name=byte-rate";
        return cluster.node(node).metrics().snapshot().stream().filter(v -> v.name().toString().equals(name))
                .map(v -> ((Number) v.attributes().get("Value")).longValue()).findFirst().orElseThrow();
    }

    private static ReplicaManager replicas(ClusterHarness cluster, int node) {
        return cluster.node(node).cluster().orElseThrow().replicas();
    }

    /** Sets the rate and the topic's throttled-replicas list of {@code side}, and waits until the leader applies them. */
    private static void throttle(ClusterHarness cluster, Side side, int leader) throws Exception {
        String prefix = side == Side.LEADER ? "leader" : "follower";
        // The leader rate on the leader's own resource; the follower rate as the cluster-wide default (the
        // follower is down, and takes it from the metadata when it starts).
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER,
                side == Side.LEADER ? String.valueOf(leader) : "");
        alter(cluster, leader, Map.of(
                broker, List.of(new AlterConfigOp(new ConfigEntry(prefix + ".replication.throttled.rate",
                        String.valueOf(RATE)), AlterConfigOp.OpType.SET)),
                new ConfigResource(ConfigResource.Type.TOPIC, TOPIC), List.of(new AlterConfigOp(
                        new ConfigEntry(prefix + ".replication.throttled.replicas", "*"), AlterConfigOp.OpType.SET))));
        Poll.until("the leader's " + prefix + " quota applied", Duration.ofSeconds(20), () -> {
            var quotas = replicas(cluster, leader).replicationQuotas();
            var q = side == Side.LEADER ? quotas.leader() : quotas.follower();
            return q.bound() == RATE && q.isThrottled(TP);
        });
    }

    /** Removes the rate (back to unlimited); the throttled-replicas list stays, as an operator may leave it. */
    private static void unthrottle(ClusterHarness cluster, Side side, int leader) throws Exception {
        String prefix = side == Side.LEADER ? "leader" : "follower";
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER,
                side == Side.LEADER ? String.valueOf(leader) : "");
        alter(cluster, leader, Map.of(broker, List.of(new AlterConfigOp(
                new ConfigEntry(prefix + ".replication.throttled.rate", null), AlterConfigOp.OpType.DELETE))));
    }

    private static void alter(ClusterHarness cluster, int node, Map<ConfigResource, Collection<AlterConfigOp>> changes)
            throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.node(node).bootstrapServers()))) {
            admin.incrementalAlterConfigs(changes).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        c.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
        return new KafkaProducer<>(c, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Sends 1 KiB records one at a time, {@code acks=all}, each awaited, every 50 ms: {@code count} of
     * them, or as many as fit in {@code forMs} when that is positive. Returns each send's latency in ms.
     */
    private static List<Long> timedSends(KafkaProducer<byte[], byte[]> producer, int count, long forMs) throws Exception {
        List<Long> latencies = new ArrayList<>();
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(forMs);
        while (latencies.size() < count && (forMs <= 0 || System.nanoTime() < end)) {
            long start = System.nanoTime();
            producer.send(new ProducerRecord<>(TOPIC, 0, null, new byte[1024])).get(30, TimeUnit.SECONDS);
            latencies.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            Thread.sleep(50);
        }
        return latencies;
    }

    private static double mean(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).average().orElse(0);
    }

    private static long max(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).max().orElse(0);
    }
}
