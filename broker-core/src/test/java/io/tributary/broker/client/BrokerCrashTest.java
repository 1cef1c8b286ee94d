package io.tributary.broker.client;

import io.tributary.broker.testing.Poll;
import io.tributary.broker.testing.SuiteTags;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Crash safety of a broker process, tested by killing a real broker JVM: a process crash by
 * SIGKILL in the middle of a produce stream loses no acknowledged record even without fsync (the
 * page cache outlives the process), the unflushed tail being recovered batch by batch; a SIGTERM
 * shuts the broker down cleanly, leaving the clean-shutdown marker that lets the next start skip
 * recovery. Topics are created through the Admin client, with their settings as topic configs.
 * Because the page cache survives a SIGKILL, killing the process cannot show that
 * {@code flush.messages=1} fsyncs before the acknowledgement; {@link FsyncBeforeAckTest} does.
 */
@Tag(SuiteTags.PROCESS)
@Tag(SuiteTags.CRASH)
class BrokerCrashTest {
    private static final int PARTITIONS = 3;
    private static final String PADDING = "x".repeat(80);

    /** Exit code of a JVM terminated by SIGTERM: 128 + 15, set by the JVM's own SIGTERM handler. */
    private static final int SIGTERM_EXIT_CODE = 143;
    /** Exit code of a process killed by SIGKILL as {@link Process#exitValue()} reports it: 128 + 9. */
    private static final int SIGKILL_EXIT_CODE = 137;

    @TempDir
    Path dataDir;

    private final List<BrokerProcess> brokers = new ArrayList<>();

    @AfterEach
    void killBrokers() throws InterruptedException {
        for (BrokerProcess b : brokers) b.close();
    }

    private BrokerProcess startBroker() throws IOException, InterruptedException {
        BrokerProcess broker = BrokerProcess.start(dataDir, Map.of("num.io.threads", "4", "num.network.threads", "2"));
        brokers.add(broker);
        return broker;
    }

    private record Ack(int partition, long offset) {
    }

    private static String key(long seq) {
        return "k-" + seq;
    }

    private static String value(String key) {
        return "value-of-" + key + "-" + PADDING;
    }

    /**
     * Without {@code flush.messages} nothing is fsynced before the ack, but a process crash does not
     * lose the page cache: the restarted broker recovers the unflushed tail (validating it batch by
     * batch) and still holds every acknowledged record, each partition a prefix of what was sent.
     */
    @Test
    @Timeout(value = 100, unit = TimeUnit.SECONDS)
    void restartAfterSigkillWithoutFsyncKeepsAFlushedPrefix() throws Exception {
        String topic = "nofsync";
        BrokerProcess first = startBroker();
        createTopic(first.bootstrapServers(), topic, Map.of());
        ProduceRun run = produceAndKill(first, topic);

        BrokerProcess second = startBroker();
        verifyAfterCrash(run, readAll(second.bootstrapServers(), topic), topic);
    }

    /** What a producer stream killed mid-way got acknowledged. */
    private record ProduceRun(Map<String, Ack> acked, long sent, long failed, int ackedBeforeKill) {
    }

    /**
     * Sends unique keys to {@code topic} as fast as the producer can from a background thread and,
     * after a few seconds and while acknowledgements are still arriving, SIGKILLs the broker.
     */
    private ProduceRun produceAndKill(BrokerProcess broker, String topic) throws Exception {
        Map<String, Ack> acked = new ConcurrentHashMap<>();
        AtomicLong sent = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong lastAckNanos = new AtomicLong(System.nanoTime());
        Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
        AtomicReference<Throwable> senderDied = new AtomicReference<>();
        AtomicBoolean stopSending = new AtomicBoolean();

        KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(broker.bootstrapServers()),
                new StringSerializer(), new StringSerializer());
        Thread sender = new Thread(() -> {
            try {
                long seq = 0;
                while (!stopSending.get()) {
                    String k = key(seq++);
                    try {
                        producer.send(new ProducerRecord<>(topic, k, value(k)), (metadata, error) -> {
                            if (error == null) {
                                Ack previous = acked.put(k, new Ack(metadata.partition(), metadata.offset()));
                                if (previous != null) senderDied.compareAndSet(null, new AssertionError(k + " acknowledged twice"));
                                lastAckNanos.set(System.nanoTime());
                            } else {
                                failed.incrementAndGet();
                                failures.computeIfAbsent(error.getClass().getSimpleName(), c -> new AtomicLong())
                                        .incrementAndGet();
                            }
                        });
                    } catch (org.apache.kafka.common.errors.TimeoutException e) {
                        failed.incrementAndGet();
                        failures.computeIfAbsent(e.getClass().getSimpleName(), c -> new AtomicLong()).incrementAndGet();
                    }
                    sent.set(seq);
                }
            } catch (Throwable t) {
                senderDied.compareAndSet(null, t);
            }
        }, "crash-test-sender");
        sender.start();
        try {
            long started = System.nanoTime();
            Poll.within(Duration.ofSeconds(40), Duration.ofMillis(20), () -> {
                boolean longEnough = System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(2500);
                boolean ackingNow = System.nanoTime() - lastAckNanos.get() < TimeUnit.MILLISECONDS.toNanos(200);
                if (longEnough && acked.size() >= 2_000 && ackingNow) return true;
                assertNull(senderDied.get(), () -> "sender failed: " + senderDied.get());
                return false;
            });
            assertTrue(acked.size() >= 2_000, () -> "only " + acked.size() + " records acknowledged before the kill; "
                    + "broker log " + broker.logFile());
            assertTrue(sender.isAlive(), "the producer is still sending when the broker is killed");
            int ackedBeforeKill = acked.size();
            int exit = broker.kill();
            assertEquals(SIGKILL_EXIT_CODE, exit, "exit code of a SIGKILLed process");

            stopSending.set(true);
            sender.join(TimeUnit.SECONDS.toMillis(30));
            assertFalse(sender.isAlive(), "sender thread stopped");
            producer.close(Duration.ofSeconds(5));
            assertNull(senderDied.get(), () -> "sender failed: " + senderDied.get());
            assertFalse(Files.exists(dataDir.resolve(".clean_shutdown")), "no clean-shutdown marker after SIGKILL");
            System.out.printf("BrokerCrashTest[%s]: %d records sent, %d acknowledged before SIGKILL (%d in all), "
                            + "%d failed %s%n", topic, sent.get(), ackedBeforeKill, acked.size(), failed.get(), failures);
            assertTrue(failed.get() > 0, "the kill interrupted a produce stream with records still in flight");
            return new ProduceRun(Map.copyOf(acked), sent.get(), failed.get(), ackedBeforeKill);
        } finally {
            stopSending.set(true);
            producer.close(Duration.ZERO);
        }
    }

    /**
     * Every acknowledged record is at its acknowledged partition and offset with its value; the
     * offsets of each partition run from 0 without a gap; no key is stored twice; within a
     * partition, records are in the order they were sent.
     */
    private static void verifyAfterCrash(ProduceRun run, Map<TopicPartition, List<ConsumerRecord<String, String>>> log,
                                         String topic) {
        Map<String, Ack> acked = run.acked();
        Map<String, Ack> stored = new HashMap<>();
        int total = 0;
        for (int p = 0; p < PARTITIONS; p++) {
            List<ConsumerRecord<String, String>> records = log.get(new TopicPartition(topic, p));
            long lastSeq = -1;
            for (int i = 0; i < records.size(); i++) {
                ConsumerRecord<String, String> r = records.get(i);
                assertEquals(i, r.offset(), "offsets of partition " + p + " are contiguous from 0");
                assertNotNull(r.key(), "record at " + p + "/" + r.offset() + " has a key");
                assertEquals(value(r.key()), r.value(), "value of " + r.key() + " at " + p + "/" + r.offset());
                Ack previous = stored.put(r.key(), new Ack(p, r.offset()));
                if (previous != null) {
                    fail(r.key() + " is stored twice, at " + previous + " and at " + new Ack(p, r.offset())
                            + (acked.containsKey(r.key()) ? " (acknowledged at " + acked.get(r.key()) + ")" : ""));
                }
                long seq = Long.parseLong(r.key().substring(2));
                assertTrue(seq > lastSeq, "partition " + p + " holds its records in send order at offset " + r.offset());
                lastSeq = seq;
            }
            total += records.size();
        }
        int missing = 0;
        List<String> examples = new ArrayList<>();
        for (Map.Entry<String, Ack> e : acked.entrySet()) {
            Ack at = stored.get(e.getKey());
            if (!e.getValue().equals(at)) {
                missing++;
                if (examples.size() < 10) examples.add(e.getKey() + " acknowledged at " + e.getValue() + ", found at " + at);
            }
        }
        System.out.printf("BrokerCrashTest[%s]: after restart the log holds %d records (%d acknowledged, %d written "
                + "but never acknowledged)%n", topic, total, acked.size(), total - acked.size());
        assertEquals(0, missing, "acknowledged records lost or moved after SIGKILL (" + missing + " of "
                + acked.size() + "): " + examples);
        assertTrue(total >= acked.size());
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void cleanShutdownBySigtermKeepsEverythingAndSkipsRecovery() throws Exception {
        String topic = "clean";
        int count = 20_000;
        BrokerProcess first = startBroker();
        createTopic(first.bootstrapServers(), topic, Map.of());

        Map<String, Ack> acked = new ConcurrentHashMap<>();
        AtomicReference<Exception> sendError = new AtomicReference<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(first.bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < count; i++) {
                String k = key(i);
                producer.send(new ProducerRecord<>(topic, k, value(k)), (metadata, error) -> {
                    if (error != null) sendError.compareAndSet(null, error);
                    else acked.put(k, new Ack(metadata.partition(), metadata.offset()));
                });
            }
            producer.flush();
        }
        assertNull(sendError.get(), () -> "send failed: " + sendError.get());
        assertEquals(count, acked.size());
        long[] ends = new long[PARTITIONS];
        for (Ack a : acked.values()) ends[a.partition()] = Math.max(ends[a.partition()], a.offset() + 1);

        // The JVM's SIGTERM handler runs the shutdown hooks (which close the broker) and then exits
        // with 128 + 15; BrokerMain's own System.exit(0) blocks behind the shutdown in progress.
        int exit = first.stop();
        assertEquals(SIGTERM_EXIT_CODE, exit, () -> "exit code after SIGTERM; broker log " + first.logFile());
        Path marker = dataDir.resolve(".clean_shutdown");
        assertTrue(Files.exists(marker), "clean-shutdown marker written on SIGTERM");
        for (int p = 0; p < PARTITIONS; p++) {
            Properties state = new Properties();
            try (Reader r = Files.newBufferedReader(dataDir.resolve(topic + "-" + p).resolve("partition.state"))) {
                state.load(r);
            }
            assertEquals(Long.toString(ends[p]), state.getProperty("recovery.point"),
                    "partition " + p + " flushed up to its end on shutdown");
        }

        BrokerProcess second = startBroker();
        assertFalse(Files.exists(marker), "the marker is consumed by the start it lets skip recovery");
        Map<TopicPartition, List<ConsumerRecord<String, String>>> log = readAll(second.bootstrapServers(), topic);
        int total = 0;
        for (int p = 0; p < PARTITIONS; p++) {
            List<ConsumerRecord<String, String>> records = log.get(new TopicPartition(topic, p));
            assertEquals(ends[p], records.size(), "records in partition " + p);
            for (int i = 0; i < records.size(); i++) {
                ConsumerRecord<String, String> r = records.get(i);
                assertEquals(i, r.offset());
                assertEquals(new Ack(p, r.offset()), acked.get(r.key()), "position of " + r.key());
                assertEquals(value(r.key()), r.value());
            }
            total += records.size();
        }
        assertEquals(count, total);

        assertEquals(SIGTERM_EXIT_CODE, second.stop(), "second broker exits cleanly too");
        System.out.printf("BrokerCrashTest: %d records survived a SIGTERM and restart%n", total);
    }

    private static Properties producerProps(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "2");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "15000");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "2000");
        p.put(ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, "50");
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
        p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "50");
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Integer.toString(8 * 1024 * 1024));
        return p;
    }

    /** Creates {@code topic} with {@link #PARTITIONS} partitions and {@code configs} through the Admin client. */
    private static void createTopic(String bootstrap, String topic, Map<String, String> configs) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        try (Admin admin = Admin.create(p)) {
            CreateTopicsResult result = admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1).configs(configs)));
            result.all().get(30, TimeUnit.SECONDS);
            assertEquals(PARTITIONS, result.numPartitions(topic).get());
            Config effective = result.config(topic).get();
            for (Map.Entry<String, String> e : configs.entrySet()) {
                assertNotNull(effective.get(e.getKey()), "broker reports " + e.getKey());
                assertEquals(e.getValue(), effective.get(e.getKey()).value(), "effective " + e.getKey());
            }
        }
    }

    /** Reads every partition of {@code topic} from its start to the end offset it has now. */
    private static Map<TopicPartition, List<ConsumerRecord<String, String>>> readAll(String bootstrap, String topic) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        c.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        List<TopicPartition> partitions = IntStream.range(0, PARTITIONS).mapToObj(i -> new TopicPartition(topic, i)).toList();
        Map<TopicPartition, List<ConsumerRecord<String, String>>> out = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, Duration.ofSeconds(30));
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            for (TopicPartition tp : partitions) {
                assertEquals(0L, begin.get(tp), "log start offset of " + tp);
                out.put(tp, new ArrayList<>());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    fail("could not read " + topic + " to its end " + end + " in time; positions "
                            + partitions.stream().map(consumer::position).toList());
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    out.get(new TopicPartition(r.topic(), r.partition())).add(r);
                }
            }
            for (TopicPartition tp : partitions) {
                assertEquals((long) end.get(tp), out.get(tp).size(), "records read from " + tp + " up to its end offset");
            }
        }
        return out;
    }
}
