package io.tributary.broker.http;

import io.tributary.broker.Broker;
import io.tributary.broker.client.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kafka REST API v3 of a real broker, checked as a user would: through {@code java.net.http},
 * with a real Kafka Admin client, producer and consumer on the broker's Kafka port to confirm what
 * the REST calls did (and the other way round). One broker for the class.
 */
class RestApiTest {
    @TempDir
    static Path dataDir;
    static Broker broker;
    static RestClient rest;
    static String cluster;
    static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start(dataDir, Map.of("http.listeners", "http://127.0.0.1:0",
                "group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions", "1"));
        rest = new RestClient(broker.httpAddresses().get(0));
        cluster = broker.clusterId();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (admin != null) admin.close();
        if (broker != null) broker.close();
    }

    @Test
    void listsTheClusterAndItsBroker() throws Exception {
        RestClient.Answer clusters = rest.get("/v3/clusters");
        assertEquals(200, clusters.status(), clusters.body());
        assertEquals("KafkaClusterList", clusters.json().get("kind"));
        Map<String, Object> c = clusters.data().get(0);
        assertEquals("KafkaCluster", c.get("kind"));
        assertEquals(cluster, c.get("cluster_id"));
        assertEquals(rest.base() + "/v3/clusters/" + cluster, ((Map<?, ?>) c.get("metadata")).get("self"));
        assertEquals(rest.base() + "/v3/clusters/" + cluster + "/brokers/0", ((Map<?, ?>) c.get("controller")).get("related"));
        assertEquals(c, rest.get("/v3/clusters/" + cluster).json());

        List<Map<String, Object>> brokers = rest.get("/v3/clusters/" + cluster + "/brokers").data();
        assertEquals(1, brokers.size());
        assertEquals(0L, brokers.get(0).get("broker_id"));
        assertEquals((long) broker.address().getPort(), brokers.get(0).get("port"));
    }

    @Test
    void createsDescribesAltersAndDeletesTopicsAsAKafkaAdminSeesThem() throws Exception {
        String topics = "/v3/clusters/" + cluster + "/topics";
        RestClient.Answer created = rest.post(topics, """
                {"topic_name": "rest-orders", "partitions_count": 3, "replication_factor": 1,
                 "configs": [{"name": "cleanup.policy", "value": "compact"}]}""");
        assertEquals(201, created.status(), created.body());
        assertEquals("KafkaTopic", created.json().get("kind"));
        assertEquals(3L, created.json().get("partitions_count"));

        TopicDescription seen = admin.describeTopics(List.of("rest-orders")).allTopicNames().get().get("rest-orders");
        assertEquals(3, seen.partitions().size());
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "rest-orders");
        assertEquals("compact", admin.describeConfigs(List.of(resource)).all().get().get(resource).get("cleanup.policy").value());

        Map<String, Object> topic = rest.get(topics + "/rest-orders").json();
        assertEquals("rest-orders", topic.get("topic_name"));
        assertEquals(1L, topic.get("replication_factor"));
        assertTrue(rest.get(topics).data().stream().anyMatch(t -> t.get("topic_name").equals("rest-orders")));

        List<Map<String, Object>> partitions = rest.get(topics + "/rest-orders/partitions").data();
        assertEquals(List.of(0L, 1L, 2L), partitions.stream().map(p -> p.get("partition_id")).toList());
        assertEquals(rest.base() + topics + "/rest-orders/partitions/1/replicas/0",
                ((Map<?, ?>) partitions.get(1).get("leader")).get("related"));
        Map<String, Object> replica = rest.get(topics + "/rest-orders/partitions/1/replicas").data().get(0);
        assertEquals(true, replica.get("is_leader"));
        assertEquals(true, replica.get("is_in_sync"));

        Map<String, Object> policy = rest.get(topics + "/rest-orders/configs/cleanup.policy").json();
        assertEquals("compact", policy.get("value"));
        assertEquals("DYNAMIC_TOPIC_CONFIG", policy.get("source"));
        assertEquals(false, policy.get("is_default"));
        assertTrue(rest.get(topics + "/rest-orders/configs").data().size() > 10);
        assertEquals(204, rest.put(topics + "/rest-orders/configs/retention.ms", "{\"value\": \"3600000\"}").status());
        assertEquals(204, rest.post(topics + "/rest-orders/configs:alter",
                "{\"data\": [{\"name\": \"cleanup.policy\", \"operation\": \"DELETE\"}]}").status());
        var configs = admin.describeConfigs(List.of(resource)).all().get().get(resource);
        assertEquals("3600000", configs.get("retention.ms").value());
        assertEquals("delete", configs.get("cleanup.policy").value());

        assertEquals(204, rest.delete(topics + "/rest-orders").status());
        assertFalse(admin.listTopics().names().get().contains("rest-orders"));
        RestClient.Answer gone = rest.get(topics + "/rest-orders");
        assertEquals(404, gone.status());
        assertEquals(40403L, gone.json().get("error_code"));
    }

    @Test
    void producesRecordsThatAKafkaConsumerReadsBack() throws Exception {
        String topics = "/v3/clusters/" + cluster + "/topics";
        assertEquals(201, rest.post(topics, "{\"topic_name\": \"rest-produce\", \"partitions_count\": 2}").status());
        RestClient.Answer json = rest.post(topics + "/rest-produce/records", """
                {"partition_id": 1, "key": {"type": "STRING", "data": "order-1"},
                 "value": {"type": "JSON", "data": {"amount": 12.5, "items": ["a", "b"]}},
                 "headers": [{"name": "source", "value": "%s"}]}""".formatted(
                Base64.getEncoder().encodeToString("rest".getBytes(StandardCharsets.UTF_8))));
        assertEquals(200, json.status(), json.body());
        assertEquals(1L, json.json().get("partition_id"));
        assertEquals(0L, json.json().get("offset"));
        assertEquals(Map.of("type", "STRING", "size", 7L), json.json().get("key"));
        assertNotNull(json.json().get("timestamp"));
        RestClient.Answer binary = rest.post(topics + "/rest-produce/records",
                "{\"partition_id\": 1, \"value\": {\"type\": \"BINARY\", \"data\": \"AAEC\"}}");
        assertEquals(1L, binary.json().get("offset"));
        RestClient.Answer keyed = rest.post(topics + "/rest-produce/records",
                "{\"key\": {\"type\": \"STRING\", \"data\": \"k\"}, \"value\": {\"data\": \"text\"}}");
        assertEquals(200, keyed.status(), keyed.body());

        List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            consumer.assign(List.of(new TopicPartition("rest-produce", 0), new TopicPartition("rest-produce", 1)));
            consumer.seekToBeginning(consumer.assignment());
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (read.size() < 3 && System.nanoTime() < deadline) consumer.poll(Duration.ofMillis(200)).forEach(read::add);
        }
        assertEquals(3, read.size());
        ConsumerRecord<byte[], byte[]> first = read.stream().filter(r -> r.partition() == 1 && r.offset() == 0).findFirst().orElseThrow();
        assertEquals("order-1", new String(first.key(), StandardCharsets.UTF_8));
        assertEquals(Map.of("amount", new java.math.BigDecimal("12.5"), "items", List.of("a", "b")),
                Json.parse(new String(first.value(), StandardCharsets.UTF_8)));
        assertEquals("rest", new String(first.headers().lastHeader("source").value(), StandardCharsets.UTF_8));
        ConsumerRecord<byte[], byte[]> second = read.stream().filter(r -> r.partition() == 1 && r.offset() == 1).findFirst().orElseThrow();
        assertArrayEquals(new byte[] {0, 1, 2}, second.value());
        ConsumerRecord<byte[], byte[]> third = read.stream().filter(r -> "k".equals(r.key() == null ? null
                : new String(r.key(), StandardCharsets.UTF_8))).findFirst().orElseThrow();
        assertEquals(keyed.json().get("partition_id"), (long) third.partition());
        assertEquals("\"text\"", new String(third.value(), StandardCharsets.UTF_8));
    }

    @Test
    void reportsTheLagOfAGroupWhoseCommittedOffsetIsBehindTheEnd() throws Exception {
        admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("rest-lag", 1, (short) 1))).all().get();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            for (int i = 0; i < 10; i++) producer.send(new ProducerRecord<>("rest-lag", "v" + i)).get();
        }
        admin.alterConsumerGroupOffsets("rest-lagging", Map.of(new TopicPartition("rest-lag", 0),
                new OffsetAndMetadata(4))).all().get();

        String group = "/v3/clusters/" + cluster + "/consumer-groups/rest-lagging";
        assertTrue(rest.get("/v3/clusters/" + cluster + "/consumer-groups").data().stream()
                .anyMatch(g -> g.get("consumer_group_id").equals("rest-lagging")));
        Map<String, Object> described = rest.get(group).json();
        assertEquals("KafkaConsumerGroup", described.get("kind"));
        assertEquals("EMPTY", described.get("state"));

        List<Map<String, Object>> lags = rest.get(group + "/lags").data();
        assertEquals(1, lags.size());
        assertEquals(4L, lags.get(0).get("current_offset"));
        assertEquals(10L, lags.get(0).get("log_end_offset"));
        assertEquals(6L, lags.get(0).get("lag"));
        assertEquals(lags.get(0), rest.get(group + "/lags/rest-lag/partitions/0").json());
        Map<String, Object> summary = rest.get(group + "/lag-summary").json();
        assertEquals(6L, summary.get("max_lag"));
        assertEquals(6L, summary.get("total_lag"));
        assertEquals("rest-lag", summary.get("max_lag_topic_name"));
        assertEquals(404, rest.get("/v3/clusters/" + cluster + "/consumer-groups/no-such-group").status());
    }

    @Test
    void answersErrorsWithV3ErrorBodiesAndStatusCodes() throws Exception {
        RestClient.Answer unknownCluster = rest.get("/v3/clusters/not-this-one/topics");
        assertEquals(404, unknownCluster.status());
        assertEquals(404L, unknownCluster.json().get("error_code"));
        assertEquals("Cluster not-this-one cannot be found.", unknownCluster.json().get("message"));

        String topics = "/v3/clusters/" + cluster + "/topics";
        RestClient.Answer badJson = rest.post(topics, "{\"topic_name\": ");
        assertEquals(400, badJson.status());
        assertEquals(400L, badJson.json().get("error_code"));
        assertEquals(400, rest.post(topics, "{\"partitions_count\": 1}").status());

        assertEquals(201, rest.post(topics, "{\"topic_name\": \"rest-twice\"}").status());
        RestClient.Answer exists = rest.post(topics, "{\"topic_name\": \"rest-twice\"}");
        assertEquals(400, exists.status());
        assertEquals(40002L, exists.json().get("error_code"));
        assertTrue(exists.json().get("message").toString().contains("rest-twice"), exists.body());

        RestClient.Answer noTopic = rest.post(topics + "/rest-missing/records", "{\"value\": {\"data\": 1}}");
        assertEquals(404, noTopic.status());
        assertEquals(40403L, noTopic.json().get("error_code"));
        assertEquals(404, rest.get(topics + "/rest-twice/partitions/7").status());
        assertEquals(400, rest.post(topics + "/rest-twice/records", "{\"value\": {\"type\": \"AVRO\", \"data\": 1}}").status());
        assertEquals(404, rest.get("/v4/nothing").status());
        RestClient.Answer wrongMethod = rest.put(topics, "{}");
        assertEquals(405, wrongMethod.status());
        assertEquals(405L, wrongMethod.json().get("error_code"));
    }

    @Test
    void servesMetricsThatChangeWithTraffic() throws Exception {
        String topics = "/v3/clusters/" + cluster + "/topics";
        assertEquals(201, rest.post(topics, "{\"topic_name\": \"rest-metrics\"}").status());
        rest.post(topics + "/rest-metrics/records", "{\"value\": {\"data\": 1}}");
        RestClient.Answer before = rest.get("/metrics");
        assertEquals(200, before.status());
        assertTrue(before.raw().headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        String messagesIn = "kafka_server_brokertopicmetrics_messagesin_total{topic=\"rest-metrics\"}";
        assertTrue(before.body().contains("# TYPE kafka_server_brokertopicmetrics_messagesin_total counter"), before.body());
        assertTrue(before.body().contains("kafka_server_replicamanager_partitioncount "), before.body());
        assertTrue(before.body().contains("kafka_network_requestmetrics_totaltimems{request=\"Produce\",quantile=\"0.99\"}"),
                before.body());
        double first = sample(before.body(), messagesIn);
        for (int i = 0; i < 3; i++) rest.post(topics + "/rest-metrics/records", "{\"value\": {\"data\": 1}}");
        double after = sample(rest.get("/metrics").body(), messagesIn);
        assertEquals(first + 3, after);

        RestClient.Answer open = rest.get("/metrics", Map.of("Accept", "application/openmetrics-text; version=1.0.0"));
        assertTrue(open.raw().headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"));
        assertTrue(open.body().contains("# TYPE kafka_server_brokertopicmetrics_messagesin counter\n"), open.body());
        assertTrue(open.body().endsWith("# EOF\n"));
    }

    @Test
    void readsAPartitionsRecordsFromAnOffsetAndDescribesTheBrokerConfigsAndQuotas() throws Exception {
        admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("rest-read", 1, (short) 1))).all().get();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 3; i++) {
                ProducerRecord<String, String> r = new ProducerRecord<>("rest-read", 0, "k" + i, "v" + i);
                r.headers().add("h", new byte[] {(byte) i});
                producer.send(r).get();
            }
        }
        String records = "/v3/clusters/" + cluster + "/topics/rest-read/partitions/0/records";
        RestClient.Answer read = rest.get(records + "?offset=1&max_records=5");
        assertEquals(200, read.status(), read.body());
        List<Map<String, Object>> data = read.data();
        assertEquals(2, data.size());
        assertEquals(1L, data.get(0).get("offset"));
        assertEquals(Map.of("type", "STRING", "data", "k1"), data.get(0).get("key"));
        assertEquals(Map.of("type", "STRING", "data", "v1"), data.get(0).get("value"));
        assertEquals(List.of(Map.of("name", "h", "value", Base64.getEncoder().encodeToString(new byte[] {1}))), data.get(0).get("headers"));
        assertEquals(3L, read.json().get("high_watermark"));
        assertEquals(3L, read.json().get("next_offset"));
        assertEquals(1, rest.get(records + "?max_records=1").data().size());
        assertEquals(0L, rest.get(records + "?max_records=1").data().get(0).get("offset"));
        assertEquals(400, rest.get(records + "?max_records=0").status());
        assertEquals(404, rest.get(records + "?offset=99").status());
        assertEquals(404, rest.get("/v3/clusters/" + cluster + "/topics/rest-read/partitions/7/records").status());

        RestClient.Answer configs = rest.get("/v3/clusters/" + cluster + "/brokers/0/configs");
        assertEquals(200, configs.status(), configs.body());
        assertEquals("KafkaBrokerConfigList", configs.json().get("kind"));
        assertTrue(configs.data().stream().anyMatch(c -> c.get("name").equals("http.listeners")
                && "http://127.0.0.1:0".equals(c.get("value"))), configs.body());
        RestClient.Answer quotas = rest.get("/v3/clusters/" + cluster + "/client-quotas");
        assertEquals(200, quotas.status(), quotas.body());
        assertEquals("KafkaClientQuotaList", quotas.json().get("kind"));
    }

    @Test
    void describesWhatItServesInOpenApi() throws Exception {
        RestClient.Answer spec = rest.get("/v3/openapi.yaml");
        assertEquals(200, spec.status());
        for (String path : List.of("/clusters:", "/clusters/{cluster_id}:", "/clusters/{cluster_id}/brokers:",
                "/clusters/{cluster_id}/brokers/{broker_id}:", "/clusters/{cluster_id}/topics:",
                "/clusters/{cluster_id}/topics/{topic_name}:", "/clusters/{cluster_id}/topics/{topic_name}/partitions:",
                "/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}:",
                "/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/replicas:",
                "/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/replicas/{broker_id}:",
                "/clusters/{cluster_id}/topics/{topic_name}/configs:",
                "/clusters/{cluster_id}/topics/{topic_name}/configs/{name}:",
                "/clusters/{cluster_id}/topics/{topic_name}/configs:alter:",
                "/clusters/{cluster_id}/topics/{topic_name}/records:",
                "/clusters/{cluster_id}/consumer-groups:", "/clusters/{cluster_id}/consumer-groups/{consumer_group_id}:",
                "/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/consumers:",
                "/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/consumers/{consumer_id}:",
                "/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/lags:",
                "/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/lags/{topic_name}/partitions/{partition_id}:",
                "/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/lag-summary:",
                "/clusters/{cluster_id}/brokers/{broker_id}/configs:", "/clusters/{cluster_id}/client-quotas:",
                "/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/records:")) {
            assertTrue(spec.body().contains("\n  " + path + "\n"), "openapi.yaml lacks " + path);
        }
    }

    static double sample(String exposition, String series) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1));
        }
        throw new AssertionError("No sample " + series + " in:\n" + exposition);
    }
}
