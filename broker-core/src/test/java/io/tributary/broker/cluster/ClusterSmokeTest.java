package io.tributary.broker.cluster;

import io.tributary.broker.client.RawKafkaClient;
import io.tributary.broker.testing.Poll;
import io.tributary.broker.testing.SuiteTags;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Tag(SuiteTags.PROCESS)
class ClusterSmokeTest {
    @TempDir
    Path dir;

    @Test
    void threeNodesReplicateATopic() throws Exception {
        try (ClusterHarness cluster = new ClusterHarness(dir, 3, Map.of())) {
            cluster.startAll();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic("replicated", 3, (short) 3)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get();
                TopicDescription d = admin.describeTopics(List.of("replicated")).allTopicNames().get().get("replicated");
                assertEquals(3, d.partitions().size());
                d.partitions().forEach(p -> assertEquals(3, p.isr().size(), p.toString()));
                newLeaderTakesUnknownProducersFromSequenceZero(cluster, d.partitions().get(0).leader().id());
            }
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
                for (int i = 0; i < 3000; i++) producer.send(new ProducerRecord<>("replicated", "k" + i, "v" + i));
                producer.flush();
            }
            for (int part = 0; part < 3; part++) {
                TopicPartition tp = new TopicPartition("replicated", part);
                long leo = -1;
                for (int id = 1; id <= 3; id++) {
                    long nodeLeo = cluster.node(id).logs().get(tp).orElseThrow().logEndOffset();
                    if (leo == -1) leo = nodeLeo;
                    int n = id;
                    long expected = leo;
                    Poll.until("node " + n + " caught up on " + tp, Duration.ofSeconds(10),
                            () -> cluster.node(n).logs().get(tp).orElseThrow().logEndOffset() == expected);
                }
            }
            followerThatStopsShowsInItsLeadersReplicaMetrics(cluster);
        }
    }

    /**
     * Kafka's {@code kafka.server:type=ReplicaManager} metrics on a leader whose follower stops:
     * {@code UnderReplicatedPartitions} goes from 0 to more, {@code IsrShrinksPerSec} counts the shrink.
     */
    private static void followerThatStopsShowsInItsLeadersReplicaMetrics(ClusterHarness cluster) throws Exception {
        TopicPartition tp = new TopicPartition("replicated", 0);
        cluster.awaitFullIsr("replicated");
        int leader = cluster.leaderOf(tp);
        int follower = leader == 1 ? 2 : 1;
        Poll.until("node " + leader + " reports no under-replicated partition", Duration.ofSeconds(10),
                () -> replicaMetric(cluster.node(leader), "UnderReplicatedPartitions", "Value") == 0);
        long shrinksBefore = replicaMetric(cluster.node(leader), "IsrShrinksPerSec", "Count");
        cluster.node(follower).halt();
        cluster.forget(follower);
        Poll.until("node " + leader + " reports " + tp + " under-replicated and its ISR shrunk", Duration.ofSeconds(30),
                () -> replicaMetric(cluster.node(leader), "UnderReplicatedPartitions", "Value") > 0
                        && replicaMetric(cluster.node(leader), "IsrShrinksPerSec", "Count") > shrinksBefore);
    }

    private static long replicaMetric(io.tributary.broker.Broker broker, String name, String attribute) {
        return ((Number) broker.metrics().registry()
                .get(io.tributary.broker.metrics.MetricName.of("kafka.server", "ReplicaManager", name)).orElseThrow()
                .attribute(attribute)).longValue();
    }

    /**
     * A leader that has just started leading (here: at creation) refuses a batch of a producer it
     * does not know unless it starts at sequence 0 ({@code ProducerStateTest} has the rule and why).
     */
    private static void newLeaderTakesUnknownProducersFromSequenceZero(ClusterHarness cluster, int leader)
            throws Exception {
        String address = cluster.bootstrap().split(",")[leader - 1];
        int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
        try (RawKafkaClient client = RawKafkaClient.connect(new InetSocketAddress("127.0.0.1", port))) {
            assertEquals(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, produce(client, 3), "a first batch at sequence 3");
            assertEquals(Errors.NONE, produce(client, 0), "the first batch at sequence 0");
            assertEquals(Errors.NONE, produce(client, 1), "the next one");
        }
    }

    private static Errors produce(RawKafkaClient client, int sequence) throws Exception {
        MemoryRecords records = MemoryRecords.withIdempotentRecords(Compression.NONE, 77_000L, (short) 0, sequence,
                new SimpleRecord(System.currentTimeMillis(), "k".getBytes(), ("s" + sequence).getBytes()));
        ProduceRequestData request = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000);
        ProduceRequestData.TopicProduceData t = new ProduceRequestData.TopicProduceData().setName("replicated");
        t.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records));
        request.topicData().add(t);
        ProduceResponse response = (ProduceResponse) client.send(request, (short) 9);
        return Errors.forCode(response.data().responses().iterator().next().partitionResponses().get(0).errorCode());
    }
}
