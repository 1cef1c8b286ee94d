package io.tributary.ra;

import io.tributary.broker.Broker;
import io.tributary.broker.BrokerConfig;
import io.tributary.broker.testing.ApacheKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Moving a running system's data from a Tributary node to Apache Kafka with Kafka's MirrorMaker 2,
 * configured as {@code docs/adapter.md} ("Moving to Apache Kafka") says: the topics keep their names,
 * only committed records are copied (the records of an aborted transaction stay behind, so offsets
 * differ), a group that consumed everything (the cut-over the document describes) arrives at
 * Kafka's end of each partition, and a group still behind is never moved past its first
 * unconsumed record. MirrorMaker ({@code connect-mirror}, the Kafka version of the test class path) runs in
 * dedicated mode ({@code MirrorMaker} main class), in a process of its own, as Kafka's
 * {@code connect-mirror-maker.sh} runs it; about 30 s.
 */
class MirrorMakerToKafkaTest {
    private static final String TOPIC = "orders";
    private static final int PARTITIONS = 2;
    /** Per partition: 20 plain records, a transaction of 10 that commits, one of 5 that aborts, 10 plain. */
    private static final int COMMITTED = 40;
    /** Records of each partition the group that stopped part-way consumed. */
    private static final int CONSUMED = 25;

    /** Kept when the test fails: {@code mirror-maker.log}, {@code kafka/broker.log}. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void mirrorMakerCopiesTheCommittedRecordsAndTheGroupsTranslatedOffsetsToKafka() throws Exception {
        try (Broker node = Broker.start(BrokerConfig.defaults().with("listeners", "127.0.0.1:0")
                .with("log.dirs", dir.resolve("tributary").toString()));
             ApacheKafka kafka = ApacheKafka.start(Files.createDirectories(dir.resolve("kafka")))) {
            String source = node.bootstrapServers();
            try (Admin admin = admin(source)) {
                admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            writeRecords(source);
            // Offsets of the committed records on the node, as read_committed consumers (the adapter's MDBs) see them.
            Map<Integer, List<Long>> offsets = committedOffsets(source);
            Map<TopicPartition, OffsetAndMetadata> partWay = new HashMap<>();
            Map<TopicPartition, OffsetAndMetadata> drained = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                assertEquals(COMMITTED, offsets.get(p).size(), "committed records of partition " + p);
                partWay.put(new TopicPartition(TOPIC, p), new OffsetAndMetadata(offsets.get(p).get(CONSUMED)));
                drained.put(new TopicPartition(TOPIC, p), new OffsetAndMetadata(endOffset(source, p)));
            }
            commit(source, "order-store", partWay);
            commit(source, "order-audit", drained);

            Process mirrorMaker = startMirrorMaker(source, kafka.bootstrap());
            try {
                // On Kafka the copies have no transaction markers and no aborted records: record k is at offset k,
                // and the end is at 40, where the node's is past its markers and aborted records.
                Map<TopicPartition, OffsetAndMetadata> expectedDrained = new HashMap<>();
                for (int p = 0; p < PARTITIONS; p++) {
                    assertTrue(drained.get(new TopicPartition(TOPIC, p)).offset() > COMMITTED, "the node's end is past " + COMMITTED);
                    expectedDrained.put(new TopicPartition(TOPIC, p), new OffsetAndMetadata(COMMITTED));
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (!groupOffsets(kafka.bootstrap(), "order-audit").equals(expectedDrained) && System.nanoTime() < deadline) {
                    assertTrue(mirrorMaker.isAlive(), "MirrorMaker exited; see " + dir.resolve("mirror-maker.log"));
                    Thread.sleep(500);
                }
                for (int p = 0; p < PARTITIONS; p++) {
                    List<String> expected = new ArrayList<>();
                    for (int i = 0; i < COMMITTED; i++) expected.add(p + "-" + i);
                    assertEquals(expected, values(kafka.bootstrap(), p),
                            "partition " + p + " on Kafka: the committed records in order, none of the aborted transaction");
                }
                assertEquals(expectedDrained, groupOffsets(kafka.bootstrap(), "order-audit"),
                        "the group that consumed everything resumes on Kafka at the end");
                // A group behind the end is translated conservatively (to an offset MirrorMaker can prove, possibly
                // earlier, or not yet at all): never past its first unconsumed record, so nothing is skipped.
                Map<TopicPartition, OffsetAndMetadata> partWayOnKafka = groupOffsets(kafka.bootstrap(), "order-store");
                partWayOnKafka.forEach((tp, o) -> assertTrue(o.offset() <= CONSUMED,
                        "order-store's " + tp + " translated to " + o.offset() + ", past its first unconsumed record " + CONSUMED));
            } finally {
                mirrorMaker.destroy();
                if (!mirrorMaker.waitFor(30, TimeUnit.SECONDS)) mirrorMaker.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Per partition p: p-0..p-19 plain, p-20..p-29 in a committed transaction, aborted-p-0..4 aborted, p-30..p-39 plain. */
    private static void writeRecords(String bootstrap) {
        try (KafkaProducer<String, String> plain = producer(bootstrap, Map.of());
             KafkaProducer<String, String> tx = producer(bootstrap, Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "orders-tx"))) {
            tx.initTransactions();
            for (int p = 0; p < PARTITIONS; p++) {
                for (int i = 0; i < 20; i++) plain.send(new ProducerRecord<>(TOPIC, p, "k" + i, p + "-" + i));
                plain.flush();
                tx.beginTransaction();
                for (int i = 20; i < 30; i++) tx.send(new ProducerRecord<>(TOPIC, p, "k" + i, p + "-" + i));
                tx.commitTransaction();
                tx.beginTransaction();
                for (int i = 0; i < 5; i++) tx.send(new ProducerRecord<>(TOPIC, p, "a" + i, "aborted-" + p + "-" + i));
                tx.flush();
                tx.abortTransaction();
                for (int i = 30; i < COMMITTED; i++) plain.send(new ProducerRecord<>(TOPIC, p, "k" + i, p + "-" + i));
                plain.flush();
            }
        }
    }

    private Process startMirrorMaker(String source, String target) throws Exception {
        Path config = dir.resolve("mm2.properties");
        Files.writeString(config, String.join("\n",
                "clusters = tributary, kafka",
                "tributary.bootstrap.servers = " + source,
                "kafka.bootstrap.servers = " + target,
                "tributary->kafka.enabled = true",
                "kafka->tributary.enabled = false",
                "tributary->kafka.topics = " + TOPIC,
                "tributary->kafka.groups = order-store, order-audit",
                "replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy",
                "tributary->kafka.consumer.isolation.level = read_committed",
                // MirrorMaker's bookkeeping on Kafka: nothing is written to the embedded cluster.
                "offset-syncs.topic.location = target",
                // The offset syncs of a partition's last records go out when the source task commits its offsets
                // (the workers' setting, so given for the cluster they run against).
                "kafka.offset.flush.interval.ms = 1000",
                "sync.group.offsets.enabled = true",
                "sync.group.offsets.interval.seconds = 1",
                "emit.checkpoints.interval.seconds = 1",
                "refresh.topics.interval.seconds = 1",
                "refresh.groups.interval.seconds = 1",
                "emit.heartbeats.enabled = false",
                // Kafka's own plugins only: no class path scan at start.
                "plugin.discovery = service_load",
                // A one-node Kafka: MirrorMaker's own topics with one replica.
                "replication.factor = 1",
                "checkpoints.topic.replication.factor = 1",
                "heartbeats.topic.replication.factor = 1",
                "offset-syncs.topic.replication.factor = 1",
                "offset.storage.replication.factor = 1",
                "status.storage.replication.factor = 1",
                "config.storage.replication.factor = 1", "") );
        return new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), "org.apache.kafka.connect.mirror.MirrorMaker", config.toString())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("mirror-maker.log").toFile()).start();
    }

    private static Map<Integer, List<Long>> committedOffsets(String bootstrap) {
        Map<Integer, List<Long>> out = new HashMap<>();
        try (KafkaConsumer<String, String> c = consumer(bootstrap)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) tps.add(new TopicPartition(TOPIC, p));
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = c.endOffsets(tps);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (tps.stream().anyMatch(tp -> c.position(tp) < ends.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    out.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r.offset());
                }
            }
        }
        return out;
    }

    private static List<String> values(String bootstrap, int partition) {
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = consumer(bootstrap)) {
            TopicPartition tp = new TopicPartition(TOPIC, partition);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (c.position(tp) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) out.add(r.value());
            }
        }
        return out;
    }

    private static long endOffset(String bootstrap, int partition) {
        try (KafkaConsumer<String, String> c = consumer(bootstrap)) {
            TopicPartition tp = new TopicPartition(TOPIC, partition);
            return c.endOffsets(List.of(tp)).get(tp);
        }
    }

    /** Commits {@code offsets} for {@code group} as the adapter does after each database commit. */
    private static void commit(String bootstrap, String group, Map<TopicPartition, OffsetAndMetadata> offsets) {
        Map<String, Object> config = consumerConfig(bootstrap);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            c.assign(offsets.keySet());
            c.commitSync(offsets);
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> groupOffsets(String bootstrap, String group) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                    .forEach((tp, o) -> {
                        if (o != null) out.put(tp, new OffsetAndMetadata(o.offset()));
                    });
            return out;
        }
    }

    private static KafkaProducer<String, String> producer(String bootstrap, Map<String, Object> extra) {
        Map<String, Object> config = new HashMap<>(extra);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    private static KafkaConsumer<String, String> consumer(String bootstrap) {
        return new KafkaConsumer<>(consumerConfig(bootstrap), new StringDeserializer(), new StringDeserializer());
    }

    private static Map<String, Object> consumerConfig(String bootstrap) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return config;
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }
}
