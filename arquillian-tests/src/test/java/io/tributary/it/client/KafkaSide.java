package io.tributary.it.client;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the tests check from outside the server, with the Kafka Java client. Only JDK types cross
 * this class's boundary, so in-container test code never needs the client on its class path.
 */
public final class KafkaSide {
    private KafkaSide() {
    }

    /** Every record of {@code topic} (all partitions, from the beginning) as header name → value, plus "@value". */
    public static List<Map<String, String>> readAll(String bootstrap, String topic) {
        return readAll(bootstrap, topic, "read_uncommitted");
    }

    /** {@link #readAll(String, String)} at {@code isolation} ({@code read_committed}: committed transactions only). */
    public static List<Map<String, String>> readAll(String bootstrap, String topic, String isolation) {
        return readAll(bootstrap, Map.of(), topic, isolation);
    }

    /** {@link #readAll(String, String, String)} with {@code security} (security.protocol, ssl.*, sasl.*) added. */
    public static List<Map<String, String>> readAll(String bootstrap, Map<String, String> security, String topic, String isolation) {
        List<Map<String, String>> out = new ArrayList<>();
        Map<String, Object> config = new java.util.HashMap<>(security);
        config.putAll(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false", ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation));
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(10));
            if (infos == null || infos.isEmpty()) return out;
            List<TopicPartition> tps = new ArrayList<>();
            for (PartitionInfo p : infos) tps.add(new TopicPartition(topic, p.partition()));
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = c.endOffsets(tps);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (tps.stream().anyMatch(tp -> c.position(tp) < ends.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    Map<String, String> m = new LinkedHashMap<>();
                    for (Header h : r.headers()) m.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
                    m.put("@value", r.value());
                    m.put("@key", r.key());
                    out.add(m);
                }
            }
        }
        return out;
    }

    /** Sends JSON orders {@code {"id":"<prefix>-i","customer":"c","amountCents":i}} to topic orders; returns the count acknowledged. */
    public static int sendOrders(String bootstrap, String prefix, int count) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(), new StringSerializer())) {
            List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String id = prefix + "-" + i;
                acks.add(p.send(new ProducerRecord<>("orders", id, "{\"id\":\"" + id + "\",\"customer\":\"c" + (i % 7)
                        + "\",\"amountCents\":" + i + "}")));
            }
            for (java.util.concurrent.Future<?> a : acks) a.get();
            return count;
        }
    }

    /** Sends {@code values} (each its own key too) to {@code partition} of {@code topic}, in order, and waits for the acknowledgements. */
    public static void send(String bootstrap, String topic, int partition, List<String> values) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(), new StringSerializer())) {
            for (String v : values) p.send(new ProducerRecord<>(topic, partition, v, v)).get();
        }
    }
}
