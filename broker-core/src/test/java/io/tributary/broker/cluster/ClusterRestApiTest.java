package io.tributary.broker.cluster;

import io.tributary.broker.testing.SuiteTags;
import io.tributary.broker.testing.TopicReader;
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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The REST API in a 3-node cluster: any node takes a record for a partition another node leads and
 * reads it back, and any node lists a group another node coordinates and shows its lag, as the Kafka REST Proxy
 * does in front of a Kafka cluster.
 */
@Tag(SuiteTags.PROCESS)
class ClusterRestApiTest {
    private static final String TOPIC = "rest";
    private static final int PARTITIONS = 3;
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void anyNodeTakesRecordsForEveryPartitionAndShowsTheLagOfAGroupAnotherNodeCoordinates() throws Exception {
        try (ClusterHarness cluster = new ClusterHarness(dir, 3, Map.of("http.listeners", "http://127.0.0.1:0"))) {
            cluster.startAll();
            String clusterId = cluster.node(1).clusterId();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3))).all().get();
                cluster.awaitFullIsr(TOPIC);

                // Each partition's record goes to a node that does not lead it.
                for (int p = 0; p < PARTITIONS; p++) {
                    int leader = cluster.leaderOf(new TopicPartition(TOPIC, p));
                    int node = leader % 3 + 1;
                    HttpResponse<String> stored = post(cluster, node, "/v3/clusters/" + clusterId + "/topics/" + TOPIC + "/records",
                            "{\"partition_id\": " + p + ", \"value\": {\"type\": \"STRING\", \"data\": \"via-" + node + "-to-" + p + "\"}}");
                    assertEquals(200, stored.statusCode(), "node " + node + " (partition " + p + " led by " + leader + "): "
                            + stored.body());
                    assertTrue(stored.body().contains("\"offset\":0"), stored.body());
                }
                Map<Integer, String> values = new HashMap<>();
                for (ConsumerRecord<String, String> r : TopicReader.records(cluster.bootstrap(), TOPIC, PARTITIONS,
                        "read_uncommitted", Duration.ofSeconds(30))) {
                    values.put(r.partition(), r.value());
                }
                for (int p = 0; p < PARTITIONS; p++) assertTrue(values.get(p).endsWith("-to-" + p), values.toString());
                // And any node shows them.
                for (int p = 0; p < PARTITIONS; p++) {
                    int node = cluster.leaderOf(new TopicPartition(TOPIC, p)) % 3 + 1;
                    HttpResponse<String> read = get(cluster, node, "/v3/clusters/" + clusterId + "/topics/" + TOPIC
                            + "/partitions/" + p + "/records?offset=0");
                    assertEquals(200, read.statusCode(), read.body());
                    assertTrue(read.body().contains("-to-" + p + "\""), "node " + node + " reads partition " + p + ": " + read.body());
                }

                // Ten more records per partition; a stopped group committed 4 in each: lag 7 per partition.
                try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap()), new StringSerializer(), new StringSerializer())) {
                    for (int p = 0; p < PARTITIONS; p++) {
                        for (int i = 0; i < 10; i++) producer.send(new ProducerRecord<>(TOPIC, p, null, "r" + i)).get();
                    }
                }
                Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
                for (int p = 0; p < PARTITIONS; p++) commits.put(new TopicPartition(TOPIC, p), new OffsetAndMetadata(4));
                try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap(), ConsumerConfig.GROUP_ID_CONFIG, "watched"),
                        new StringDeserializer(), new StringDeserializer())) {
                    consumer.commitSync(commits);
                }
                int coordinator = admin.describeConsumerGroups(List.of("watched")).all().get().get("watched").coordinator().id();
                int node = coordinator % 3 + 1;
                String groups = "/v3/clusters/" + clusterId + "/consumer-groups";
                HttpResponse<String> listed = get(cluster, node, groups);
                assertEquals(200, listed.statusCode(), listed.body());
                assertTrue(listed.body().contains("\"consumer_group_id\":\"watched\""),
                        "node " + node + " lists the group node " + coordinator + " coordinates: " + listed.body());
                HttpResponse<String> summary = get(cluster, node, groups + "/watched/lag-summary");
                assertEquals(200, summary.statusCode(), summary.body());
                assertEquals(3 * 7, number(summary.body(), "total_lag"), summary.body());
                assertEquals(7, number(summary.body(), "max_lag"), summary.body());
                HttpResponse<String> lags = get(cluster, node, groups + "/watched/lags");
                assertEquals(200, lags.statusCode(), lags.body());
                Matcher m = Pattern.compile("\"lag\":(\\d+)").matcher(lags.body());
                int partitions = 0;
                while (m.find()) {
                    assertEquals("7", m.group(1), lags.body());
                    partitions++;
                }
                assertEquals(PARTITIONS, partitions, lags.body());
            }
        }
    }

    private static long number(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":(\\d+)").matcher(json);
        assertTrue(m.find(), field + " in " + json);
        return Long.parseLong(m.group(1));
    }

    private HttpResponse<String> get(ClusterHarness cluster, int node, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(cluster, node, path)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(ClusterHarness cluster, int node, String path, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(cluster, node, path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(ClusterHarness cluster, int node, String path) {
        InetSocketAddress a = cluster.node(node).httpAddresses().get(0);
        return URI.create("http://" + a.getHostString() + ":" + a.getPort() + path);
    }
}
