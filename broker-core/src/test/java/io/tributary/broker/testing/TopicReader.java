package io.tributary.broker.testing;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Reads a whole topic with the real Java consumer at an isolation level, from the beginning of
 * every partition to the end that isolation level lets it see (the high watermark for
 * {@code read_uncommitted}, the last stable offset for {@code read_committed}), with string keys
 * and values.
 */
public final class TopicReader {
    private TopicReader() {
    }

    /** Every record, partition by partition in the order polled; fails after {@code timeout}. */
    public static List<ConsumerRecord<String, String>> records(String bootstrap, String topic, int partitions,
                                                               String isolation, Duration timeout) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) tps.add(new TopicPartition(topic, p));
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps);
            List<ConsumerRecord<String, String>> out = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) throw new AssertionError("Could not read " + topic + " to " + end);
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }

    /** The values of {@link #records}, with a 60 s bound. */
    public static List<String> values(String bootstrap, String topic, int partitions, String isolation) {
        return records(bootstrap, topic, partitions, isolation, Duration.ofSeconds(60)).stream()
                .map(ConsumerRecord::value).toList();
    }
}
