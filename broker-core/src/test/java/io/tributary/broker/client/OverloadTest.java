package io.tributary.broker.client;

import io.tributary.broker.testing.SuiteTags;
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
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many producers flood a standalone broker started with a 96 MiB heap (and so 96 MiB for direct
 * buffers): the broker pushes back instead of growing. It must not run out of memory (the JVM is
 * told to exit on an {@link OutOfMemoryError}, so one that is caught still shows), the bytes of
 * requests it holds stay within {@code queued.max.request.bytes} (by default two fifths of its
 * direct memory, plus at most one request) as its {@code /metrics} report while the flood runs,
 * connections did have to wait for room, and every acknowledged record is there afterwards.
 */
@Tag(SuiteTags.PROCESS)
@Tag(SuiteTags.LOAD)
class OverloadTest {
    private static final int PRODUCERS = 40;
    private static final int RECORDS_PER_PRODUCER = 8_000;
    private static final int VALUE_BYTES = 1024;
    private static final int PARTITIONS = 8;
    private static final String TOPIC = "flood";
    private static final Pattern USED = Pattern.compile("(?m)^kafka_network_socketserver_memorypoolused (\\S+)$");
    private static final Pattern DEPLETED = Pattern.compile("(?m)^kafka_network_socketserver_memorypooldepletedtimetotal (\\S+)$");
    private static final Pattern AVAILABLE = Pattern.compile("(?m)^kafka_network_socketserver_memorypoolavailable (\\S+)$");

    @TempDir
    Path dataDir;

    @Test
    void aFloodOfProducersAgainstASmallHeapIsPushedBackAndLosesNoAcknowledgedRecord() throws Exception {
        int httpPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            httpPort = s.getLocalPort();
        }
        Map<String, String> props = Map.of("http.listeners", "http://127.0.0.1:" + httpPort, "num.partitions",
                Integer.toString(PARTITIONS), "num.io.threads", "1", "socket.request.max.bytes", Integer.toString(2 * 1024 * 1024));
        try (BrokerProcess broker = BrokerProcess.startWithJvmOptions(dataDir, props,
                List.of("-Xmx96m", "-XX:+ExitOnOutOfMemoryError"))) {
            String bootstrap = broker.bootstrapServers();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get();
            }
            String metricsUrl = "http://127.0.0.1:" + httpPort + "/metrics";
            HttpClient http = HttpClient.newHttpClient();
            long limit = (long) metric(http, metricsUrl, AVAILABLE);
            assertTrue(limit > 0 && limit < 96L * 1024 * 1024, "the default bound is below the heap: " + limit);

            AtomicLong maxUsed = new AtomicLong();
            AtomicReference<Throwable> scrapeFailure = new AtomicReference<>();
            CountDownLatch floodDone = new CountDownLatch(1);
            Thread scraper = new Thread(() -> {
                try {
                    while (!floodDone.await(100, TimeUnit.MILLISECONDS)) {
                        maxUsed.accumulateAndGet((long) metric(http, metricsUrl, USED), Math::max);
                    }
                } catch (Throwable t) {
                    scrapeFailure.set(t);
                }
            }, "metrics-scraper");
            scraper.start();

            ConcurrentHashMap<Integer, BitSet> acknowledged = new ConcurrentHashMap<>();
            AtomicLong failures = new AtomicLong();
            AtomicReference<Exception> firstFailure = new AtomicReference<>();
            List<Thread> flood = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int producerId = p;
                BitSet acked = new BitSet(RECORDS_PER_PRODUCER);
                acknowledged.put(producerId, acked);
                Thread t = new Thread(() -> produce(bootstrap, producerId, acked, failures, firstFailure), "flood-" + p);
                t.start();
                flood.add(t);
            }
            for (Thread t : flood) t.join(TimeUnit.MINUTES.toMillis(4));
            floodDone.countDown();
            scraper.join();
            assertNull(scrapeFailure.get(), "reading /metrics during the flood");
            for (Thread t : flood) assertFalse(t.isAlive(), t.getName() + " still producing after 4 minutes");

            assertTrue(broker.isAlive(), "the broker survived the flood:\n" + broker.outputTail());
            String output = Files.readString(broker.logFile());
            assertFalse(output.contains("java.lang.OutOfMemoryError"), "the broker ran out of memory:\n" + broker.outputTail());
            double depletedMs = metric(http, metricsUrl, DEPLETED);
            assertTrue(depletedMs > 0, "connections waited for room (the flood was more than the broker holds)");
            assertTrue(maxUsed.get() <= limit + 2L * 1024 * 1024,
                    "request bytes held, at most " + maxUsed.get() + ", within the bound " + limit + " plus one request");

            long ackedCount = acknowledged.values().stream().mapToLong(BitSet::cardinality).sum();
            System.out.printf("Flood: %d records acknowledged, %d failed; request bytes held at most %d of %d; "
                    + "connections waited %.0f ms in all%n", ackedCount, failures.get(), maxUsed.get(), limit, depletedMs);
            assertEquals((long) PRODUCERS * RECORDS_PER_PRODUCER, ackedCount + failures.get());
            assertTrue(ackedCount > 0.9 * PRODUCERS * RECORDS_PER_PRODUCER,
                    "most records are acknowledged (" + ackedCount + "; first failure: " + firstFailure.get() + ")");
            ConcurrentHashMap<Integer, BitSet> stored = readAll(bootstrap);
            for (int p = 0; p < PRODUCERS; p++) {
                BitSet missing = (BitSet) acknowledged.get(p).clone();
                BitSet got = stored.getOrDefault(p, new BitSet());
                missing.andNot(got);
                assertTrue(missing.isEmpty(), "acknowledged records of producer " + p + " missing: " + missing);
            }
        }
    }

    private static void produce(String bootstrap, int producerId, BitSet acked, AtomicLong failures,
                                AtomicReference<Exception> firstFailure) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(1024 * 1024));
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(2 * 1024 * 1024));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Integer.toString(16 * 1024 * 1024));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "180000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "60000");
        byte[] value = new byte[VALUE_BYTES];
        new Random(producerId).nextBytes(value);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < RECORDS_PER_PRODUCER; i++) {
                int seq = i;
                producer.send(new ProducerRecord<>(TOPIC, producerId + "-" + i, value), (metadata, e) -> {
                    if (e == null) {
                        synchronized (acked) {
                            acked.set(seq);
                        }
                    } else {
                        failures.incrementAndGet();
                        firstFailure.compareAndSet(null, e);
                    }
                });
            }
            producer.flush();
        }
    }

    private static ConcurrentHashMap<Integer, BitSet> readAll(String bootstrap) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        ConcurrentHashMap<Integer, BitSet> stored = new ConcurrentHashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) tps.add(new TopicPartition(TOPIC, p));
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) throw new AssertionError("Could not read " + TOPIC + " to " + end);
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    String[] key = r.key().split("-");
                    stored.computeIfAbsent(Integer.parseInt(key[0]), k -> new BitSet()).set(Integer.parseInt(key[1]));
                }
            }
        }
        return stored;
    }

    private static double metric(HttpClient http, String url, Pattern pattern) throws IOException, InterruptedException {
        String body = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = pattern.matcher(body);
        if (!m.find()) throw new AssertionError(pattern + " not in /metrics:\n" + body.lines().limit(40).toList());
        return Double.parseDouble(m.group(1));
    }
}
