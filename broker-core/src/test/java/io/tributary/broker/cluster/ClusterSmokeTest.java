package io.tributary.broker.cluster;

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
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        }
    }
}
