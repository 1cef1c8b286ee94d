package io.tributary.broker.cli;

import io.tributary.broker.Broker;
import io.tributary.broker.BrokerConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The everyday tasks through the tool commands of the runnable jar, against a running broker. */
class ToolCommandsTest {
    @TempDir
    static Path dataDir;
    static Broker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = Broker.start(BrokerConfig.defaults().with("listeners", "127.0.0.1:0").with("log.dirs", dataDir.toString())
                .with("group.initial.rebalance.delay.ms", "0"));
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    private record Result(int exit, String out, String err) {
    }

    private static Result tool(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] full = new String[args.length + 2];
        full[0] = args[0];
        full[1] = "--bootstrap-server";
        System.arraycopy(args, 1, full, 3, args.length - 1);
        full[2] = broker.bootstrapServers();
        int exit = BrokerMain.run(full, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void topicsCanBeCreatedListedDescribedAlteredAndDeleted() throws Exception {
        Result created = tool("topics", "--create", "--topic", "tool-topic", "--partitions", "3", "--config", "retention.ms=3600000");
        assertEquals(0, created.exit(), created.err());
        assertTrue(tool("topics", "--list").out().lines().anyMatch("tool-topic"::equals));
        String described = tool("topics", "--describe", "--topic", "tool-topic").out();
        assertTrue(described.contains("PartitionCount: 3"), described);
        assertTrue(described.contains("retention.ms=3600000"), described);
        assertEquals(3, described.lines().filter(l -> l.contains("\tPartition: ")).count(), described);
        assertEquals(0, tool("topics", "--alter", "--topic", "tool-topic", "--partitions", "4").exit());
        assertEquals(4, broker.topics().require("tool-topic").partitions());
        assertEquals(0, tool("topics", "--delete", "--topic", "tool-topic").exit());
        assertTrue(broker.topics().get("tool-topic").isEmpty());
        Result again = tool("topics", "--delete", "--topic", "tool-topic");
        assertEquals(1, again.exit());
        assertTrue(again.err().contains("does not exist") || again.err().contains("nknown"), again.err());
    }

    @Test
    void groupsAreDescribedWithLagAndTheirOffsetsReset() throws Exception {
        broker.topics().create("lagging", 2, (short) 1, Map.of(), 1);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 100; i++) producer.send(new ProducerRecord<>("lagging", i % 2, "k" + i, "v" + i));
        }
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG, "tool-group",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "30"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("lagging"));
            int got = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (got < 30 && System.nanoTime() < deadline) got += consumer.poll(Duration.ofMillis(200)).count();
            consumer.commitSync();
        }
        assertTrue(tool("groups", "--list").out().lines().anyMatch("tool-group"::equals));
        String described = tool("groups", "--describe", "--group", "tool-group").out();
        long totalLag = described.lines().filter(l -> l.startsWith("lagging ")).mapToLong(l -> Long.parseLong(l.trim().split("\\s+")[4])).sum();
        assertTrue(totalLag > 0 && totalLag < 100, described);
        String dryRun = tool("groups", "--reset-offsets", "--group", "tool-group", "--topic", "lagging", "--to-earliest").out();
        assertTrue(dryRun.contains("Dry run"), dryRun);
        assertTrue(tool("groups", "--describe", "--group", "tool-group").out().contains("Group tool-group is Empty"));
        Result reset = tool("groups", "--reset-offsets", "--group", "tool-group", "--topic", "lagging", "--to-earliest", "--execute");
        assertEquals(0, reset.exit(), reset.err());
        String after = tool("groups", "--describe", "--group", "tool-group").out();
        long lagAfter = after.lines().filter(l -> l.startsWith("lagging ")).mapToLong(l -> Long.parseLong(l.trim().split("\\s+")[4])).sum();
        assertEquals(100, lagAfter, after);
    }

    @Test
    void transactionsAreListedDescribedAndAHangingOneAborted() throws Exception {
        broker.topics().create("ledger", 1, (short) 1, Map.of(), 1);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(), ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tool-tx"), new StringSerializer(),
                new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("ledger", "k", "v"));
            producer.flush();
            String list = tool("transactions", "--list").out();
            assertTrue(list.lines().anyMatch(l -> l.startsWith("tool-tx ") && l.trim().endsWith("Ongoing")), list);
            String described = tool("transactions", "--describe", "--transactional-id", "tool-tx").out();
            assertTrue(described.contains("State:            Ongoing") && described.contains("[ledger-0]"), described);
            String producers = tool("transactions", "--describe-producers", "--topic", "ledger", "--partition", "0").out();
            assertTrue(producers.lines().anyMatch(l -> l.trim().endsWith(" 0")), producers);
            Result aborted = tool("transactions", "--abort", "--topic", "ledger", "--partition", "0", "--start-offset", "0");
            assertEquals(0, aborted.exit(), aborted.err());
            assertEquals(2, broker.logs().get(new org.apache.kafka.common.TopicPartition("ledger", 0)).orElseThrow()
                    .lastStableOffset(), "the abort marker ended the transaction in the partition");
            Result none = tool("transactions", "--abort", "--topic", "ledger", "--partition", "0", "--start-offset", "5");
            assertEquals(2, none.exit());
            assertTrue(none.err().contains("No open transaction of ledger-0 starts at offset 5"), none.err());
        }
    }

    @Test
    void helpAndBadOptionsAreExplained() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, BrokerMain.run(new String[]{"--help"}, new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("topics --help"));
        assertTrue(tool("topics", "--help").out().contains("--create --topic NAME"));
        Result bad = tool("groups", "--frobnicate");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("Unknown option --frobnicate"), bad.err());
    }
}
