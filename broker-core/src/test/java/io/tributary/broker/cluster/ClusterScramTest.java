package io.tributary.broker.cluster;

import io.tributary.broker.testing.Poll;
import io.tributary.broker.testing.SuiteTags;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
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
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Three nodes, each with a PLAINTEXT and a SASL_PLAINTEXT listener: a SCRAM user added through one
 * node (AlterUserScramCredentials committed by the metadata quorum) logs in on another; a client
 * of the SASL listener is told every node's SASL address and produces to partitions led by all
 * three; the initial user of {@code tributary.sasl.scram.initial.users} is committed once and
 * consumes through a third node.
 */
@Tag(SuiteTags.PROCESS)
class ClusterScramTest {
    @TempDir
    Path dir;

    @Test
    void aScramUserAddedOnOneNodeLogsInOnAnotherAndSeesEveryNodesSaslListener() throws Exception {
        Map<String, String> extra = Map.of("listeners", "PLAINTEXT://127.0.0.1:{port},SASL_PLAINTEXT://127.0.0.1:0",
                "sasl.enabled.mechanisms", "SCRAM-SHA-512",
                "tributary.sasl.scram.initial.users", "SCRAM-SHA-512=[name=bob,password=bob-secret]");
        try (ClusterHarness cluster = new ClusterHarness(dir, 3, extra)) {
            cluster.startAll();
            try (Admin admin = Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                    cluster.node(1).bootstrapServers("PLAINTEXT")))) {
                admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("alice",
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "alice-secret"))).all().get(30, TimeUnit.SECONDS);
                admin.createTopics(List.of(new NewTopic("secured", 3, (short) 3))).all().get(30, TimeUnit.SECONDS);
            }
            Map<String, Object> alice = new HashMap<>();
            alice.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, cluster.node(2).bootstrapServers("SASL_PLAINTEXT"));
            alice.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
            alice.put(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512");
            alice.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required "
                    + "username=\"alice\" password=\"alice-secret\";");
            try (Admin viaSasl = Admin.create(alice)) {
                Collection<Node> nodes = viaSasl.describeCluster().nodes().get(30, TimeUnit.SECONDS);
                Set<Integer> expected = Set.of(1, 2, 3).stream()
                        .map(id -> cluster.node(id).address("SASL_PLAINTEXT").getPort()).collect(Collectors.toSet());
                assertEquals(expected, nodes.stream().map(Node::port).collect(Collectors.toSet()),
                        "a client of node 2's SASL listener is told every node's SASL listener");
            }
            Map<String, Object> p = new HashMap<>(alice);
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < 30; i++) producer.send(new ProducerRecord<>("secured", i % 3, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
            }
            try (Admin admin = Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                    cluster.node(1).bootstrapServers("PLAINTEXT")))) {
                Poll.until("the initial user bob is committed", Duration.ofSeconds(60), () ->
                        admin.describeUserScramCredentials().all().get(30, TimeUnit.SECONDS).containsKey("bob"));
            }
            Map<String, Object> c = new HashMap<>(alice);
            c.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required "
                    + "username=\"bob\" password=\"bob-secret\";");
            c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, cluster.node(3).bootstrapServers("SASL_PLAINTEXT"));
            c.put(ConsumerConfig.GROUP_ID_CONFIG, "secured-readers");
            c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            List<String> read = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of("secured"));
                Poll.until("30 records read over SASL from node 3", Duration.ofSeconds(60), () -> {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) read.add(r.value());
                    return read.size() >= 30;
                });
            }
            assertEquals(30, read.size());
        }
    }
}
