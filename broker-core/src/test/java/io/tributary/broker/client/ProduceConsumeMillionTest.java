package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.testing.SuiteTags;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The official Java producer, with default settings (idempotent, acks=all), sends a million
 * records with keys, values, headers and timestamps; an assigned consumer reads every one back in
 * order, byte for byte.
 */
@Tag(SuiteTags.LOAD)
class ProduceConsumeMillionTest {
    private static final int RECORDS = 1_000_000;
    private static final String TOPIC = "million";
    private static final long BASE_TIMESTAMP = System.currentTimeMillis() - RECORDS;

    @TempDir
    Path dataDir;

    static byte[] key(int i) {
        return ("key-" + i).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] value(int i) {
        SplittableRandom random = new SplittableRandom(i);
        byte[] v = new byte[10 + random.nextInt(190)];
        for (int j = 0; j < v.length; j++) v[j] = (byte) random.nextInt(256);
        return v;
    }

    static List<Header> headers(int i) {
        List<Header> h = new ArrayList<>();
        h.add(new RecordHeader("index", Integer.toString(i).getBytes(StandardCharsets.UTF_8)));
        if (i % 3 == 0) h.add(new RecordHeader("trace", new byte[]{(byte) i, (byte) (i >> 8), 0, -1}));
        return h;
    }

    @Test
    void everyRecordProducedIsConsumedOncePerPartitionInOrderByteIdentical() throws Exception {
        try (Broker broker = TestBroker.start(dataDir)) {
            broker.topics().create(TOPIC, 3, (short) 1, Map.of(), 1);
            int[] partitionOf = new int[RECORDS];
            long[] offsetOf = new long[RECORDS];
            AtomicReference<Exception> sendError = new AtomicReference<>();

            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < RECORDS; i++) {
                    int index = i;
                    producer.send(new ProducerRecord<>(TOPIC, null, BASE_TIMESTAMP + i, key(i), value(i), headers(i)),
                            (metadata, error) -> {
                                if (error != null) sendError.compareAndSet(null, error);
                                else {
                                    partitionOf[index] = metadata.partition();
                                    offsetOf[index] = metadata.offset();
                                }
                            });
                }
                producer.flush();
            }
            assertNull(sendError.get(), () -> "send failed: " + sendError.get());

            Properties c = new Properties();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
            boolean[] seen = new boolean[RECORDS];
            long[] lastOffset = {-1, -1, -1};
            int[] lastIndex = {-1, -1, -1};
            int consumed = 0;
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> partitions = List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1),
                        new TopicPartition(TOPIC, 2));
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
                while (consumed < RECORDS && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                        int i = Integer.parseInt(new String(r.key(), StandardCharsets.UTF_8).substring(4));
                        assertTrue(!seen[i], "record " + i + " consumed twice");
                        seen[i] = true;
                        consumed++;
                        int part = r.partition();
                        assertEquals(partitionOf[i], part, "partition of record " + i);
                        assertEquals(offsetOf[i], r.offset(), "offset of record " + i);
                        assertTrue(r.offset() > lastOffset[part], "offsets increase in partition " + part);
                        assertTrue(i > lastIndex[part], "send order kept in partition " + part);
                        lastOffset[part] = r.offset();
                        lastIndex[part] = i;
                        assertArrayEquals(key(i), r.key());
                        assertArrayEquals(value(i), r.value(), "value of record " + i);
                        assertEquals(BASE_TIMESTAMP + i, r.timestamp());
                        Header[] actual = r.headers().toArray();
                        List<Header> expected = headers(i);
                        assertEquals(expected.size(), actual.length);
                        for (int h = 0; h < actual.length; h++) {
                            assertEquals(expected.get(h).key(), actual[h].key());
                            assertTrue(Arrays.equals(expected.get(h).value(), actual[h].value()));
                        }
                    }
                }
                assertEquals(RECORDS, consumed, "records consumed");
                Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
                long total = ends.values().stream().mapToLong(Long::longValue).sum();
                assertEquals(RECORDS, total, "log end offsets add up to the records sent");
            }
        }
    }
}
