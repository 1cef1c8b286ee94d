package io.tributary.broker.cluster;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three nodes, a topic with replication factor 3 and {@code min.insync.replicas=2}, an idempotent
 * {@code acks=all} producer writing all the time and a consumer reading all the time, while the
 * leader's node is stopped, crashed and restarted, several times. Afterwards every acknowledged
 * record is on every replica exactly once and in order, and the consumer saw nothing that was
 * later lost.
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
            Workload load = new Workload(cluster.bootstrap());
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

    static void verifyReplicas(ClusterHarness cluster, Workload load) throws InterruptedException {
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
            List<String> acked = load.ackedValues(p);
            List<String> reference = null;
            for (int id = 1; id <= cluster.size(); id++) {
                List<String> values = ReplicaLogs.values(cluster.node(id).logs().get(tp).orElseThrow());
                assertEquals(values.size(), new HashSet<>(values).size(), "duplicates in node " + id + "'s " + tp);
                Set<String> present = new HashSet<>(values);
                for (String v : acked) assertTrue(present.contains(v), "acknowledged " + v + " missing on node " + id);
                List<String> ackedInLogOrder = new ArrayList<>(values);
                ackedInLogOrder.retainAll(new HashSet<>(acked));
                assertEquals(sortedBySequence(acked), ackedInLogOrder, "order of acknowledged records on node " + id);
                if (reference == null) reference = values;
                else assertEquals(reference, values, "node " + id + "'s " + tp + " differs from node 1's");
            }
            List<String> seen = load.consumed(p);
            int i = 0;
            while (i < seen.size() && i < reference.size() && seen.get(i).equals(reference.get(i))) i++;
            if (i < seen.size()) {
                throw new AssertionError("the consumer of " + tp + " saw " + seen.size() + " records; the log holds "
                        + reference.size() + "; they differ first at position " + i + ": consumed "
                        + seen.subList(i, Math.min(seen.size(), i + 5)) + ", log "
                        + reference.subList(i, Math.min(reference.size(), i + 5)));
            }
        }
    }

    static List<String> sortedBySequence(List<String> values) {
        List<String> copy = new ArrayList<>(values);
        copy.sort((a, b) -> Long.compare(Long.parseLong(a.substring(a.indexOf(':') + 1)),
                Long.parseLong(b.substring(b.indexOf(':') + 1))));
        return copy;
    }

    /** A producer and a consumer running against the cluster until stopped. */
    static final class Workload {
        final String bootstrap;
        final AtomicBoolean running = new AtomicBoolean(true);
        final Map<Integer, List<String>> ackedValues = new ConcurrentHashMap<>();
        final Map<Integer, List<String>> consumedValues = new ConcurrentHashMap<>();
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        final Semaphore inFlight = new Semaphore(500);
        Thread producerThread;
        Thread consumerThread;
        final java.util.concurrent.atomic.AtomicLong ackedCount = new java.util.concurrent.atomic.AtomicLong();

        Workload(String bootstrap) {
            this.bootstrap = bootstrap;
            for (int p = 0; p < PARTITIONS; p++) {
                ackedValues.put(p, Collections.synchronizedList(new ArrayList<>()));
                consumedValues.put(p, Collections.synchronizedList(new ArrayList<>()));
            }
        }

        void start() {
            producerThread = new Thread(this::produce, "failover-producer");
            consumerThread = new Thread(this::consume, "failover-consumer");
            producerThread.start();
            consumerThread.start();
        }

        private void produce() {
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
            props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
            props.put(ProducerConfig.LINGER_MS_CONFIG, "2");
            props.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "50");
            props.put("metadata.max.age.ms", "1000");
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
                long seq = 0;
                while (running.get()) {
                    inFlight.acquireUninterruptibly();
                    int partition = (int) (seq % PARTITIONS);
                    String value = partition + ":" + seq;
                    producer.send(new ProducerRecord<>(TOPIC, partition, "k", value), (md, e) -> {
                        inFlight.release();
                        if (e == null) {
                            ackedValues.get(partition).add(value);
                            ackedCount.incrementAndGet();
                        } else {
                            failures.add(value + ": " + e);
                        }
                    });
                    seq++;
                    if (seq % 50 == 0) Thread.sleep(5);
                }
                producer.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void consume() {
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            props.put("metadata.max.age.ms", "1000");
            props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
                List<TopicPartition> tps = new ArrayList<>();
                for (int p = 0; p < PARTITIONS; p++) tps.add(new TopicPartition(TOPIC, p));
                consumer.assign(tps);
                consumer.seekToBeginning(tps);
                while (running.get()) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        consumedValues.get(r.partition()).add(r.value());
                    }
                }
            }
        }

        long acked() {
            return ackedCount.get();
        }

        void awaitAcked(long n) throws InterruptedException {
            ClusterHarness.awaitCondition(n + " acknowledged records", 90_000, () -> ackedCount.get() >= n);
        }

        void stop() throws InterruptedException {
            running.set(false);
            producerThread.join(180_000);
            consumerThread.join(30_000);
        }

        List<String> ackedValues(int p) {
            synchronized (ackedValues.get(p)) {
                return new ArrayList<>(ackedValues.get(p));
            }
        }

        List<String> consumed(int p) {
            synchronized (consumedValues.get(p)) {
                return new ArrayList<>(consumedValues.get(p));
            }
        }

        List<String> failures() {
            return failures;
        }
    }
}
