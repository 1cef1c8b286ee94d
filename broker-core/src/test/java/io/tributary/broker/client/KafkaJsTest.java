package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.testing.SuiteTags;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * kafkajs (Node.js) against a Tributary node: {@code src/test/node/kafkajs-roundtrip.js} creates a
 * topic with the admin client, produces keyed messages with headers, consumes them all with a
 * consumer group, commits, and prints the group's committed offsets, which must be the log end.
 *
 * <p>Needs {@code node} on the PATH and {@code npm ci --prefix broker-core/src/test/node} run once.
 * Skipped when either is missing, unless {@code TRIBUTARY_REQUIRE_EXTERNAL_CLIENTS=true} (set by
 * {@code .ci/run}): then it fails.
 */
@Tag(SuiteTags.PROCESS)
class KafkaJsTest {
    private static final int MESSAGES = 1000;
    private static final int PARTITIONS = 3;
    private static final String TOPIC = "kafkajs-topic";
    private static final String GROUP = "kafkajs-group";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Path NODE_DIR = Path.of(System.getProperty("basedir", "."), "src", "test", "node").toAbsolutePath();

    @TempDir
    Path dataDir;

    @TempDir
    Path work;

    @BeforeEach
    void nodeAndKafkaJsAreInstalled() {
        boolean node;
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            node = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            node = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            node = false;
        }
        KcatTest.requireOrSkip(node, "node is not on the PATH (Node.js 14 or later)");
        KcatTest.requireOrSkip(Files.isRegularFile(NODE_DIR.resolve("node_modules/kafkajs/package.json")),
                "kafkajs is not installed in " + NODE_DIR + " (run: npm ci --prefix broker-core/src/test/node)");
    }

    @Test
    void kafkaJsProducesConsumesWithAGroupAndCommits() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, Map.of("group.initial.rebalance.delay.ms", "0"))) {
            String bootstrap = broker.bootstrapServers();
            String summary = runScript(bootstrap);

            assertEquals("true", field(summary, "created"), summary);
            assertEquals(String.valueOf(MESSAGES), field(summary, "produced"), summary);
            assertEquals(String.valueOf(MESSAGES), field(summary, "consumed"), "every message came back: " + summary);
            assertEquals("0", field(summary, "mismatches"), "keys, values and headers intact: " + summary);
            assertEquals("0", field(summary, "duplicates"), summary);
            assertEquals("\"Empty\"", field(summary, "groupState"), "the consumer left the group: " + summary);

            Map<TopicPartition, Long> endOffsets = endOffsets(bootstrap);
            assertEquals(MESSAGES, endOffsets.values().stream().mapToLong(Long::longValue).sum());
            assertEquals(endOffsets, committedOffsets(summary), "committed offsets are the log end: " + summary);

            // The Java client reads back what kafkajs wrote, headers included.
            assertEquals(MESSAGES, readAllWithJavaClient(bootstrap, endOffsets));
        }
    }

    private String runScript(String bootstrap) throws IOException, InterruptedException {
        List<String> command = List.of("node", "kafkajs-roundtrip.js", bootstrap, TOPIC, GROUP,
                String.valueOf(MESSAGES), String.valueOf(PARTITIONS));
        Path out = work.resolve("kafkajs.out");
        Path err = work.resolve("kafkajs.err");
        ProcessBuilder pb = new ProcessBuilder(command).directory(NODE_DIR.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().put("KAFKAJS_NO_PARTITIONER_WARNING", "1");
        Process p = pb.start();
        try {
            boolean finished = p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            String output = "\nstdout:\n" + Files.readString(out) + "\nstderr:\n" + Files.readString(err);
            if (!finished) fail("node " + command + " did not finish in " + TIMEOUT + output);
            if (p.exitValue() != 0) fail("node " + command + " exited with " + p.exitValue() + output);
            List<String> lines = Files.readAllLines(out);
            if (lines.isEmpty()) fail("node " + command + " printed no summary" + output);
            return lines.get(lines.size() - 1);
        } finally {
            p.destroyForcibly();
        }
    }

    /** The raw JSON value of a top-level scalar field of the script's one-line summary. */
    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":(\"[^\"]*\"|[^,}]+)").matcher(json);
        if (!m.find()) fail("no \"" + name + "\" in " + json);
        return m.group(1);
    }

    private static Map<TopicPartition, Long> committedOffsets(String json) {
        Matcher object = Pattern.compile("\"committed\":\\{([^}]*)}").matcher(json);
        if (!object.find()) fail("no \"committed\" in " + json);
        Map<TopicPartition, Long> out = new HashMap<>();
        Matcher entry = Pattern.compile("\"(\\d+)\":(-?\\d+)").matcher(object.group(1));
        while (entry.find()) out.put(new TopicPartition(TOPIC, Integer.parseInt(entry.group(1))), Long.parseLong(entry.group(2)));
        return out;
    }

    private static Map<TopicPartition, Long> endOffsets(String bootstrap) {
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) tps.add(new TopicPartition(TOPIC, p));
            return new HashMap<>(c.endOffsets(tps));
        }
    }

    private static int readAllWithJavaClient(String bootstrap, Map<TopicPartition, Long> endOffsets) {
        Set<String> keys = new HashSet<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringDeserializer(), new StringDeserializer())) {
            c.assign(endOffsets.keySet());
            c.seekToBeginning(endOffsets.keySet());
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (keys.size() < MESSAGES && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                    String index = r.key().substring("key-".length());
                    assertEquals("value-" + index, r.value());
                    assertEquals(index, header(r, "index"));
                    assertEquals("kafkajs", header(r, "source"));
                    keys.add(r.key());
                }
            }
        }
        return keys.size();
    }

    private static String header(ConsumerRecord<?, ?> r, String key) {
        Header h = r.headers().lastHeader(key);
        assertNotNull(h, "header " + key + " of " + r);
        return new String(h.value(), StandardCharsets.UTF_8);
    }
}
