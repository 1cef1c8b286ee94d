package io.tributary.broker.cluster;

import io.tributary.broker.testing.Poll;
import io.tributary.broker.testing.SuiteTags;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.protocols.DISCARD;
import org.jgroups.protocols.TCP;
import org.jgroups.stack.ProtocolStack;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The leader's node is cut off from the other two (JGroups {@code DISCARD} drops every message
 * between them) while one producer that knows only that node and another that knows only the
 * majority write. The cut-off node acknowledges no {@code acks=all} write; the majority elects a
 * new leader and goes on, and the first producer finds it through the cut-off node's metadata;
 * after the link heals every replica holds every acknowledged record exactly once.
 */
@Tag(SuiteTags.PROCESS)
@Tag(SuiteTags.CRASH)
class NetworkPartitionTest {
    static final String TOPIC = "ledger";

    @TempDir
    Path dir;

    @Test
    void theMinorityAcknowledgesNothingAndTheLogsConvergeAfterHealing() throws Exception {
        try (ClusterHarness cluster = new ClusterHarness(dir, 3, Map.of())) {
            cluster.startAll();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 3)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get();
            }
            TopicPartition tp = new TopicPartition(TOPIC, 0);
            int isolated = cluster.leaderOf(tp);
            List<Integer> majority = new ArrayList<>();
            for (int id = 1; id <= 3; id++) if (id != isolated) majority.add(id);

            List<String> ackedBefore = send(producer(cluster.node(isolated).bootstrapServers()), "before-", 200);
            List<DISCARD> discards = isolate(cluster, isolated, majority);
            Poll.until("node " + isolated + " alone", Duration.ofSeconds(30), () ->
                    cluster.node(isolated).cluster().orElseThrow().quorum().channel().liveNodes().equals(Set.of(isolated)));

            // Both sides get writes while the link is cut: one producer knows only the cut-off node,
            // the other only the majority; the first learns the other brokers from the cut-off node.
            List<String> minorityAcked = Collections.synchronizedList(new ArrayList<>());
            KafkaProducer<String, String> toMinority = producer(cluster.node(isolated).bootstrapServers());
            List<Future<?>> minoritySends = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                String v = "minority-" + i;
                minoritySends.add(toMinority.send(new ProducerRecord<>(TOPIC, 0, "k", v), (md, e) -> {
                    if (e == null) minorityAcked.add(v);
                }));
            }
            String majorityBootstrap = cluster.node(majority.get(0)).bootstrapServers() + ","
                    + cluster.node(majority.get(1)).bootstrapServers();
            List<String> ackedMajority = send(producer(majorityBootstrap), "majority-", 300);
            assertEquals(300, ackedMajority.size(), "the majority goes on taking acks=all writes");
            for (Future<?> f : minoritySends) {
                try {
                    f.get();
                } catch (Exception e) {
                    // counted below
                }
            }
            toMinority.close();
            assertEquals(100, minorityAcked.size(),
                    "records acknowledged to a producer that first knew only the cut-off node");
            assertEquals(ackedBefore.size(), cluster.node(isolated).logs().get(tp).orElseThrow().highWatermark(),
                    "high watermark of the cut-off node: it acknowledged nothing while cut off");

            heal(cluster, discards);
            Poll.until("the cluster whole again", Duration.ofSeconds(60), () -> {
                for (int id = 1; id <= 3; id++) {
                    if (cluster.node(id).cluster().orElseThrow().quorum().channel().liveNodes().size() != 3) return false;
                }
                return true;
            });
            cluster.awaitFullIsr(TOPIC);

            List<String> acknowledged = new ArrayList<>(ackedBefore);
            acknowledged.addAll(ackedMajority);
            acknowledged.addAll(minorityAcked);
            cluster.awaitConverged(tp);
            List<String> reference = ReplicaLogs.values(cluster.node(majority.get(0)).logs().get(tp).orElseThrow());
            for (int id = 1; id <= 3; id++) {
                List<String> values = ReplicaLogs.values(cluster.node(id).logs().get(tp).orElseThrow());
                assertEquals(reference, values, "node " + id + " differs from node " + majority.get(0));
                assertEquals(values.size(), new HashSet<>(values).size(), "duplicates on node " + id);
                assertTrue(values.containsAll(acknowledged), "an acknowledged record is missing on node " + id);
            }
        }
    }

    static KafkaProducer<String, String> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "100");
        p.put("metadata.max.age.ms", "1000");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    /** Sends {@code n} records and returns those acknowledged; closes the producer. */
    static List<String> send(KafkaProducer<String, String> producer, String prefix, int n) throws InterruptedException {
        List<String> acked = Collections.synchronizedList(new ArrayList<>());
        try (producer) {
            for (int i = 0; i < n; i++) {
                String v = prefix + i;
                producer.send(new ProducerRecord<>(TOPIC, 0, "k", v), (md, e) -> {
                    if (e == null) acked.add(v);
                });
            }
            producer.flush();
        }
        return new ArrayList<>(acked);
    }

    /** Drops every message between {@code isolated} and the others, in both directions. */
    static List<DISCARD> isolate(ClusterHarness cluster, int isolated, List<Integer> others) throws Exception {
        List<DISCARD> inserted = new ArrayList<>();
        JChannel lonely = channel(cluster, isolated);
        DISCARD d = new DISCARD();
        for (int id : others) d.addIgnoreMember(cluster.node(id).cluster().orElseThrow().quorum().channel().addressOf(id));
        insert(lonely, d);
        inserted.add(d);
        Address lonelyAddress = lonely.getAddress();
        for (int id : others) {
            DISCARD o = new DISCARD().addIgnoreMember(lonelyAddress);
            insert(channel(cluster, id), o);
            inserted.add(o);
        }
        return inserted;
    }

    private static void insert(JChannel channel, DISCARD discard) throws Exception {
        discard.setAddress(channel.getAddress());
        channel.getProtocolStack().insertProtocol(discard, ProtocolStack.Position.ABOVE, TCP.class);
    }

    static void heal(ClusterHarness cluster, List<DISCARD> discards) throws Exception {
        for (int id = 1; id <= 3; id++) channel(cluster, id).getProtocolStack().removeProtocol(DISCARD.class);
    }

    private static JChannel channel(ClusterHarness cluster, int id) {
        return cluster.node(id).cluster().orElseThrow().quorum().channel().channel();
    }
}
