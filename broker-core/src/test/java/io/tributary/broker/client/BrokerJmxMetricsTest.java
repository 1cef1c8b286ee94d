package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.metrics.MetricValue;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A broker's metrics read from the platform MBeanServer by Kafka's JMX names and attributes, after
 * the Kafka Java client produced and consumed through it.
 */
class BrokerJmxMetricsTest {
    private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();
    private static final String TOPIC = "metered";
    private static final int RECORDS = 50;

    @TempDir
    Path dir;

    private static Object attribute(String name, String attribute) throws Exception {
        return JMX.getAttribute(new ObjectName(name), attribute);
    }

    private static long count(String name) throws Exception {
        return (Long) attribute(name, "Count");
    }

    private static long value(String name) throws Exception {
        return ((Number) attribute(name, "Value")).longValue();
    }

    /** The sum of {@code Count} over every MBean matching {@code pattern}. */
    private static long countSum(String pattern) throws Exception {
        long sum = 0;
        for (ObjectName n : JMX.queryNames(new ObjectName(pattern), null)) sum += (Long) JMX.getAttribute(n, "Count");
        return sum;
    }

    private static String topicMetric(String name) {
        return "kafka.server:type=BrokerTopicMetrics,name=" + name + ",topic=" + TOPIC;
    }

    private static String logMetric(String name, int partition) {
        return "kafka.log:type=Log,name=" + name + ",topic=" + TOPIC + ",partition=" + partition;
    }

    @Test
    void producingAndFetchingShowUnderKafkasJmxNames() throws Exception {
        try (Broker broker = TestBroker.start(dir.resolve("a"))) {
            assertTrue(broker.metrics().exportedToJmx(), "another broker of this JVM holds Kafka's JMX names");
            broker.topics().create(TOPIC, 2, (short) 1, Map.of(), 1);
            String bootstrap = broker.bootstrapServers();

            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < RECORDS; i++) producer.send(new ProducerRecord<>(TOPIC, i % 2, "k" + i, "v" + i));
                producer.flush();
            }
            long storedBytes = 0;
            long endOffsets = 0;
            for (int partition = 0; partition < 2; partition++) {
                storedBytes += value(logMetric("Size", partition));
                endOffsets += value(logMetric("LogEndOffset", partition));
                assertEquals(0, value(logMetric("LogStartOffset", partition)));
                assertEquals(1, value(logMetric("NumLogSegments", partition)));
            }
            assertEquals(RECORDS, endOffsets);
            assertEquals(RECORDS, count(topicMetric("MessagesInPerSec")));
            assertEquals(storedBytes, count(topicMetric("BytesInPerSec")), "bytes in = the batches stored");
            assertEquals(RECORDS, count("kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec"));
            assertTrue(count(topicMetric("TotalProduceRequestsPerSec")) >= 2, "one per partition at least");
            assertEquals(0, count(topicMetric("FailedProduceRequestsPerSec")));
            assertEquals("messages", attribute(topicMetric("MessagesInPerSec"), "EventType"));
            assertTrue((Double) attribute(topicMetric("MessagesInPerSec"), "MeanRate") > 0);

            Properties c = new Properties();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            int consumed = 0;
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
                consumer.assign(List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1)));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (consumed < RECORDS && System.nanoTime() < deadline) {
                    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                    consumed += records.count();
                }
            }
            assertEquals(RECORDS, consumed);
            assertEquals(storedBytes, count(topicMetric("BytesOutPerSec")), "every stored batch sent once");
            assertTrue(count(topicMetric("TotalFetchRequestsPerSec")) >= 2);
            assertEquals(0, count(topicMetric("FailedFetchRequestsPerSec")));

            String requests = "kafka.network:type=RequestMetrics,";
            assertTrue(countSum(requests + "name=RequestsPerSec,request=Produce,*") >= 1);
            assertTrue(countSum(requests + "name=RequestsPerSec,request=Fetch,*") >= 1);
            assertTrue(count(requests + "name=TotalTimeMs,request=Produce") >= 1);
            assertTrue(count(requests + "name=TotalTimeMs,request=FetchConsumer") >= 1);
            assertTrue((Double) attribute(requests + "name=TotalTimeMs,request=Produce", "Max") > 0);
            assertTrue((Double) attribute(requests + "name=LocalTimeMs,request=Produce", "99thPercentile") > 0);
            assertTrue(count(requests + "name=ErrorsPerSec,request=Produce,error=NONE") >= 1);

            long metadataBefore = countSum(requests + "name=RequestsPerSec,request=Metadata,*");
            Properties a = new Properties();
            a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            try (Admin admin = Admin.create(a)) {
                admin.describeTopics(List.of(TOPIC)).allTopicNames().get();
            }
            assertTrue(countSum(requests + "name=RequestsPerSec,request=Metadata,*") > metadataBefore,
                    "Metadata requests counted");

            String rm = "kafka.server:type=ReplicaManager,name=";
            assertEquals(0, value(rm + "UnderReplicatedPartitions"));
            assertEquals(2, value(rm + "PartitionCount"));
            assertEquals(2, value(rm + "LeaderCount"));
            assertEquals(0, value(rm + "OfflineReplicaCount"));
            assertEquals(0, count(rm + "IsrShrinksPerSec"));
            String kc = "kafka.controller:type=KafkaController,name=";
            assertEquals(1, value(kc + "ActiveControllerCount"));
            assertEquals(0, value(kc + "OfflinePartitionsCount"));
            assertEquals(1, value(kc + "GlobalTopicCount"));
            assertEquals(2, value(kc + "GlobalPartitionCount"));
            assertEquals(3, value("kafka.server:type=KafkaServer,name=BrokerState"), "RUNNING");

            // The same values through the read API, without JMX.
            MetricValue messagesIn = broker.metrics().snapshot().stream()
                    .filter(v -> v.name().toString().equals(topicMetric("MessagesInPerSec"))).findFirst().orElseThrow();
            assertEquals((long) RECORDS, messagesIn.attributes().get("Count"));

            // A second broker of this JVM leaves Kafka's names to the first and still counts.
            try (Broker second = TestBroker.start(dir.resolve("b"))) {
                assertFalse(second.metrics().exportedToJmx());
                assertTrue(second.metrics().registry().get(
                        io.tributary.broker.BrokerMetrics.BROKER_STATE).isPresent());
                assertEquals(RECORDS, count(topicMetric("MessagesInPerSec")), "still the first broker's");
            }
            assertEquals(3, value("kafka.server:type=KafkaServer,name=BrokerState"), "the first broker's, still registered");
        }
        for (String domain : List.of("kafka.server", "kafka.network", "kafka.log", "kafka.controller")) {
            assertTrue(JMX.queryNames(new ObjectName(domain + ":*"), null).isEmpty(), "a closed broker leaves no MBean in " + domain);
        }
    }

    @Test
    void deletingATopicRemovesItsMBeans() throws Exception {
        try (Broker broker = TestBroker.start(dir.resolve("c"))) {
            broker.topics().create(TOPIC, 1, (short) 1, Map.of(), 1);
            assertTrue(JMX.isRegistered(new ObjectName(topicMetric("BytesInPerSec"))));
            assertTrue(JMX.isRegistered(new ObjectName(logMetric("Size", 0))));
            broker.topics().delete(TOPIC, true);
            assertFalse(JMX.isRegistered(new ObjectName(topicMetric("BytesInPerSec"))));
            assertFalse(JMX.isRegistered(new ObjectName(logMetric("Size", 0))));
            assertTrue(JMX.isRegistered(new ObjectName("kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec")));
        }
    }
}
