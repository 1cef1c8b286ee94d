package io.tributary.broker.client;

import io.tributary.broker.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Batches compressed by the producer with every Kafka codec are stored and served, and a topic's
 * {@code compression.type} makes the broker store batches in the topic's codec.
 */
class CompressionTest {
    private static final int RECORDS = 200;

    @TempDir
    Path dataDir;

    /** What was sent, to compare with what is read back. */
    private record Sent(byte[] key, byte[] value, List<Header> headers, long timestamp) {
    }

    private static Admin admin(Broker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    private static KafkaProducer<byte[], byte[]> producer(Broker broker, String compression) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(Broker broker, String topic, int expected) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** Sends {@link #RECORDS} records with keys, values and headers (one in ten without a key). */
    private static List<Sent> send(Broker broker, String compression, String topic) throws Exception {
        List<Sent> sent = new ArrayList<>();
        long ts = System.currentTimeMillis() - 10_000;
        try (KafkaProducer<byte[], byte[]> producer = producer(broker, compression)) {
            for (int i = 0; i < RECORDS; i++) {
                byte[] key = i % 10 == 0 ? null : ("key-" + i).getBytes(StandardCharsets.UTF_8);
                byte[] value = ("value " + i + " " + "compressible text ".repeat(i % 7)).getBytes(StandardCharsets.UTF_8);
                List<Header> headers = List.of(new RecordHeader("trace", ("t" + i).getBytes(StandardCharsets.UTF_8)),
                        new RecordHeader("empty", null));
                producer.send(new ProducerRecord<>(topic, 0, ts + i, key, value, headers));
                sent.add(new Sent(key, value, headers, ts + i));
            }
            producer.flush();
        }
        return sent;
    }

    private static void assertSameRecords(List<Sent> sent, List<ConsumerRecord<byte[], byte[]>> read) {
        assertEquals(sent.size(), read.size());
        for (int i = 0; i < sent.size(); i++) {
            Sent s = sent.get(i);
            ConsumerRecord<byte[], byte[]> r = read.get(i);
            assertEquals(i, r.offset());
            if (s.key() == null) assertNull(r.key(), "record " + i);
            else assertArrayEquals(s.key(), r.key(), "record " + i);
            assertArrayEquals(s.value(), r.value(), "record " + i);
            assertEquals(s.timestamp(), r.timestamp(), "record " + i);
            Header[] headers = r.headers().toArray();
            assertEquals(s.headers().size(), headers.length, "record " + i);
            for (int h = 0; h < headers.length; h++) {
                assertEquals(s.headers().get(h).key(), headers[h].key());
                if (s.headers().get(h).value() == null) assertNull(headers[h].value());
                else assertArrayEquals(s.headers().get(h).value(), headers[h].value());
            }
        }
    }

    /** The codecs of the batches stored in partition 0 of {@code topic}. */
    private static List<CompressionType> storedCodecs(Broker broker, String topic) {
        List<CompressionType> codecs = new ArrayList<>();
        for (RecordBatch batch : broker.topics().log(new TopicPartition(topic, 0)).read(0, Integer.MAX_VALUE, true)
                .records().batches()) {
            codecs.add(batch.compressionType());
        }
        return codecs;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "snappy", "lz4", "zstd"})
    void producerCompressedBatchesRoundTrip(String codec) throws Exception {
        try (Broker broker = TestBroker.start(dataDir); Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic("c-" + codec, 1, (short) 1))).all().get();
            List<Sent> sent = send(broker, codec, "c-" + codec);

            assertSameRecords(sent, readAll(broker, "c-" + codec, RECORDS));
            List<CompressionType> stored = storedCodecs(broker, "c-" + codec);
            assertFalse(stored.isEmpty());
            for (CompressionType c : stored) assertEquals(CompressionType.forName(codec), c, "stored as the producer sent it");
        }
    }

    @Test
    void topicCompressionTypeRecompressesUncompressedBatches() throws Exception {
        try (Broker broker = TestBroker.start(dataDir); Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic("zstd-topic", 1, (short) 1)
                    .configs(Map.of("compression.type", "zstd")))).all().get();
            List<Sent> sent = send(broker, "none", "zstd-topic");

            assertSameRecords(sent, readAll(broker, "zstd-topic", RECORDS));
            List<CompressionType> stored = storedCodecs(broker, "zstd-topic");
            assertFalse(stored.isEmpty());
            for (CompressionType c : stored) assertEquals(CompressionType.ZSTD, c);
        }
    }

    @Test
    void uncompressedTopicStoresGzipBatchesDecompressed() throws Exception {
        try (Broker broker = TestBroker.start(dataDir); Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic("plain", 1, (short) 1)
                    .configs(Map.of("compression.type", "uncompressed")))).all().get();
            List<Sent> sent = send(broker, "gzip", "plain");

            assertSameRecords(sent, readAll(broker, "plain", RECORDS));
            List<CompressionType> stored = storedCodecs(broker, "plain");
            assertFalse(stored.isEmpty());
            for (CompressionType c : stored) assertEquals(CompressionType.NONE, c);
        }
    }

    @Test
    void recompressedBatchesSurviveARestart() throws Exception {
        List<Sent> sent;
        try (Broker broker = TestBroker.start(dataDir); Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic("lz4-topic", 1, (short) 1)
                    .configs(Map.of("compression.type", "lz4")))).all().get();
            sent = send(broker, "snappy", "lz4-topic");
        }
        try (Broker broker = TestBroker.start(dataDir)) {
            assertSameRecords(sent, readAll(broker, "lz4-topic", RECORDS));
            for (CompressionType c : storedCodecs(broker, "lz4-topic")) assertEquals(CompressionType.LZ4, c);
        }
    }
}
