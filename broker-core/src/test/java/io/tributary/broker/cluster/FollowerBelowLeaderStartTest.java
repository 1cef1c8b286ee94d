package io.tributary.broker.cluster;

import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.testing.SuiteTags;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A follower that was down while the leader deleted every record it holds (DeleteRecords past the
 * follower's log end) comes back: its log ends below the leader's log start, so nothing it has can
 * be continued. As in Kafka, it empties its log, restarts it at the leader's log start, catches up
 * and rejoins the ISR; the live follower's log start follows the leader's too.
 */
@Tag(SuiteTags.PROCESS)
class FollowerBelowLeaderStartTest {
    private static final String TOPIC = "trimmed";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    @TempDir
    Path dir;

    @Test
    void aFollowerBelowTheLeadersLogStartRestartsThereAndRejoinsTheIsr() throws Exception {
        try (ClusterHarness cluster = new ClusterHarness(dir, 3, Map.of())) {
            cluster.startAll();
            try (Admin a = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap()))) {
                a.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 3))).all().get();
                cluster.awaitFullIsr(TOPIC);
                try (KafkaProducer<String, String> producer = producer(cluster.bootstrap())) {
                    send(producer, 0, 100);
                    int leader = cluster.leaderOf(TP);
                    int away = leader == 3 ? 2 : 3;
                    cluster.stop(away);
                    send(producer, 100, 1000);
                    long cut = cluster.node(leader).logs().get(TP).orElseThrow().highWatermark();
                    a.deleteRecords(Map.of(TP, RecordsToDelete.beforeOffset(cut))).all().get();
                    send(producer, 1000, 1100);
                    cluster.start(away);
                    cluster.awaitFullIsr(TOPIC);
                    send(producer, 1100, 1200);
                    cluster.awaitConverged(TP);
                    PartitionLog leaderLog = cluster.node(leader).logs().get(TP).orElseThrow();
                    for (int id = 1; id <= 3; id++) {
                        PartitionLog log = cluster.node(id).logs().get(TP).orElseThrow();
                        assertEquals(leaderLog.logEndOffset(), log.logEndOffset(), "log end of node " + id);
                        assertEquals(cut, log.logStartOffset(), "log start of node " + id);
                        assertEquals(ReplicaLogs.values(leaderLog), ReplicaLogs.values(log), "records of node " + id);
                    }
                }
            }
        }
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 5),
                new StringSerializer(), new StringSerializer());
    }

    private static void send(KafkaProducer<String, String> producer, int from, int to) throws Exception {
        for (int i = from; i < to; i++) producer.send(new ProducerRecord<>(TOPIC, 0, null, "r" + i));
        producer.flush();
    }
}
