package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.testing.Poll;
import io.tributary.broker.testing.SuiteTags;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * kcat (librdkafka) against a Tributary node: produce keyed messages, list metadata, read the
 * partitions back with the simple consumer, consume with a balanced consumer group whose
 * auto-commits must reach the end of every partition, and resume that group from its commits.
 *
 * <p>Skipped when {@code kcat} is not on the PATH, unless the environment variable
 * {@code TRIBUTARY_REQUIRE_EXTERNAL_CLIENTS=true} is set (as {@code .ci/run} does): then a missing
 * kcat fails the test.
 */
@Tag(SuiteTags.PROCESS)
class KcatTest {
    static final String REQUIRE_ENV = io.tributary.broker.testing.ExternalTools.REQUIRE_ENV;
    private static final int MESSAGES = 500;
    private static final int MORE_MESSAGES = 50;
    private static final int PARTITIONS = 3;
    private static final String TOPIC = "kcat-topic";
    private static final String GROUP = "kcat-group";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern PARTITION_LINE = Pattern.compile("^\\s*partition (\\d+), leader (-?\\d+), replicas: ([\\d,]*), isrs: ([\\d,]*)",
            Pattern.MULTILINE);

    @TempDir
    Path dataDir;

    @TempDir
    Path work;

    @BeforeEach
    void kcatIsInstalled() {
        boolean available;
        try {
            Process p = new ProcessBuilder("kcat", "-V").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            available = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            available = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            available = false;
        }
        requireOrSkip(available, "kcat is not on the PATH (Debian: apt-get install -y kcat)");
    }

    /** Skips the calling test when {@code available} is false, or fails it when {@value #REQUIRE_ENV} is true. */
    static void requireOrSkip(boolean available, String whatIsMissing) {
        io.tributary.broker.testing.ExternalTools.requireOrSkip(available, whatIsMissing);
    }

    @Test
    void kcatProducesConsumesWithAGroupAndCommits() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, Map.of("num.partitions", String.valueOf(PARTITIONS),
                "group.initial.rebalance.delay.ms", "0"))) {
            String bootstrap = broker.bootstrapServers();

            // Produce: "key:value" lines on stdin; the topic is created on first use with 3 partitions.
            List<String> firstBatch = keyValues(0, MESSAGES);
            run(bootstrap, String.join("\n", firstBatch) + "\n", "-P", "-t", TOPIC, "-K:", "-H", "source=kcat");

            // Metadata: the topic with its partitions, each led by this node.
            String metadata = run(bootstrap, null, "-L", "-t", TOPIC);
            assertTrue(metadata.contains("topic \"" + TOPIC + "\" with " + PARTITIONS + " partitions:"), metadata);
            Matcher m = PARTITION_LINE.matcher(metadata);
            Set<Integer> partitions = new HashSet<>();
            while (m.find()) {
                partitions.add(Integer.parseInt(m.group(1)));
                assertEquals(String.valueOf(broker.config().nodeId()), m.group(2), metadata);
            }
            assertEquals(Set.of(0, 1, 2), partitions, metadata);

            // Simple consumer from the beginning to the end of every partition: exactly what was produced.
            String all = run(bootstrap, null, "-C", "-t", TOPIC, "-o", "beginning", "-e", "-f", "%p\\t%o\\t%k:%s\\t%h\\n");
            List<String[]> records = all.lines().map(l -> l.split("\t", -1)).toList();
            assertEquals(MESSAGES, records.size(), all);
            for (String[] r : records) assertEquals("source=kcat", r[3], "headers of " + String.join(" ", r));
            assertEquals(Set.copyOf(firstBatch), records.stream().map(r -> r[2]).collect(Collectors.toSet()));
            assertInProduceOrderPerPartition(records);
            Map<TopicPartition, Long> endOffsets = endOffsets(bootstrap);
            assertEquals(MESSAGES, endOffsets.values().stream().mapToLong(Long::longValue).sum());

            // Balanced consumer group: everything once, and while kcat keeps running its auto-commit
            // timer commits the end of every partition. (kcat hands -X auto.commit.interval.ms to the
            // legacy topic-level property, so librdkafka's default 5 s interval applies.)
            try (GroupConsumer consumer = GroupConsumer.start(bootstrap, work.resolve("group-1.err"))) {
                List<String> got = consumer.awaitLines(MESSAGES);
                assertEquals(Set.copyOf(firstBatch), Set.copyOf(got), consumer.describe());
                assertEquals(MESSAGES, got.size(), "no duplicates: " + consumer.describe());
                awaitEquals(endOffsets, () -> committed(bootstrap), "auto-committed offsets of " + GROUP + "; " + consumer.describe());
                assertTrue(consumer.isRunning(), "committed before kcat stopped; " + consumer.describe());
                consumer.stop();
            }
            awaitEquals(GroupState.EMPTY, () -> groupState(bootstrap), "group state after kcat left");

            // The group resumes at its committed offsets: only the new messages arrive, and stopping
            // kcat right away commits them on the way out (commit on revoke, then LeaveGroup).
            List<String> secondBatch = keyValues(MESSAGES, MESSAGES + MORE_MESSAGES);
            run(bootstrap, String.join("\n", secondBatch) + "\n", "-P", "-t", TOPIC, "-K:");
            Map<TopicPartition, Long> newEndOffsets = endOffsets(bootstrap);
            try (GroupConsumer consumer = GroupConsumer.start(bootstrap, work.resolve("group-2.err"))) {
                consumer.awaitLines(MORE_MESSAGES);
                consumer.stop();
                List<String> got = consumer.lines();
                assertEquals(Set.copyOf(secondBatch), Set.copyOf(got), "only the new messages: " + consumer.describe());
                assertEquals(MORE_MESSAGES, got.size(), "no duplicates: " + consumer.describe());
            }
            assertEquals(newEndOffsets, committed(bootstrap), "offsets committed when kcat stopped");
            assertEquals(GroupState.EMPTY, groupState(bootstrap), "group state after kcat left");
        }
    }

    private static List<String> keyValues(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) out.add("key-" + i + ":value-" + i);
        return out;
    }

    /** Within a partition, offsets count up from 0 and keys appear in the order they were produced. */
    private static void assertInProduceOrderPerPartition(List<String[]> records) {
        Map<String, List<String[]>> byPartition = new TreeMap<>();
        for (String[] r : records) byPartition.computeIfAbsent(r[0], k -> new ArrayList<>()).add(r);
        for (List<String[]> list : byPartition.values()) {
            int lastIndex = -1;
            for (int i = 0; i < list.size(); i++) {
                String[] r = list.get(i);
                assertEquals(String.valueOf(i), r[1], "offset of " + String.join(" ", r));
                int index = Integer.parseInt(r[2].substring("key-".length(), r[2].indexOf(':')));
                assertTrue(index > lastIndex, "produce order in partition " + r[0] + " at offset " + r[1]);
                lastIndex = index;
            }
        }
    }

    static List<String> kcatCommand(String bootstrap, String... args) {
        List<String> command = new ArrayList<>(List.of("kcat", "-b", bootstrap,
                "-X", "broker.address.family=v4", "-X", "api.version.request=true"));
        command.addAll(List.of(args));
        return command;
    }

    /** Runs kcat to completion with the given stdin; returns stdout, or fails with kcat's stderr. */
    private String run(String bootstrap, String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = kcatCommand(bootstrap, args);
        Path out = Files.createTempFile(work, "kcat", ".out");
        Path err = Files.createTempFile(work, "kcat", ".err");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        if (stdin == null) pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process p = pb.start();
        try {
            if (stdin != null) {
                try (var in = p.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                fail("kcat did not finish in " + TIMEOUT + ": " + command + "\nstderr:\n" + Files.readString(err)
                        + "\nstdout:\n" + Files.readString(out));
            }
            if (p.exitValue() != 0) {
                fail("kcat exited with " + p.exitValue() + ": " + command + "\nstderr:\n" + Files.readString(err)
                        + "\nstdout:\n" + Files.readString(out));
            }
            return Files.readString(out);
        } finally {
            p.destroyForcibly();
        }
    }

    /** {@code kcat -G}: a balanced consumer group member that prints "key:value" lines until stopped. */
    private static final class GroupConsumer implements AutoCloseable {
        private final Process process;
        private final Path stderr;
        private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
        private final Thread reader;

        private GroupConsumer(Process process, Path stderr) {
            this.process = process;
            this.stderr = stderr;
            this.reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) lines.add(line);
                } catch (IOException ignored) {
                    // the process went away
                }
            }, "kcat-group-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        static GroupConsumer start(String bootstrap, Path stderr) throws IOException {
            List<String> command = kcatCommand(bootstrap, "-G", GROUP,
                    "-X", "auto.offset.reset=earliest",
                    "-u", "-f", "%k:%s\\n", TOPIC);
            Process p = new ProcessBuilder(command).redirectError(stderr.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            return new GroupConsumer(p, stderr);
        }

        boolean isRunning() {
            return process.isAlive();
        }

        List<String> lines() {
            synchronized (lines) {
                return new ArrayList<>(lines);
            }
        }

        List<String> awaitLines(int count) throws InterruptedException {
            Poll.within(TIMEOUT, Duration.ofMillis(20), () -> lines.size() >= count || !process.isAlive());
            if (lines.size() < count) fail("kcat -G delivered " + lines.size() + " of " + count + " messages; " + describe());
            return lines();
        }

        /** SIGTERM: kcat closes the consumer (final commit, LeaveGroup) and exits. */
        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) fail("kcat -G did not stop on SIGTERM; " + describe());
            reader.join(TimeUnit.SECONDS.toMillis(10));
        }

        String describe() {
            String err;
            try {
                err = Files.readString(stderr);
            } catch (IOException e) {
                err = "(unreadable: " + e + ")";
            }
            return "kcat -G " + (process.isAlive() ? "running" : "exited with " + process.exitValue())
                    + ", " + lines.size() + " line(s) on stdout; stderr:\n" + err;
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static <T> void awaitEquals(T expected, Supplier<T> actual, String what) throws InterruptedException {
        AtomicReference<T> last = new AtomicReference<>();
        Poll.within(TIMEOUT, Duration.ofMillis(100), () -> {
            last.set(actual.get());
            return expected.equals(last.get());
        });
        assertEquals(expected, last.get(), what);
    }

    private static Map<TopicPartition, Long> endOffsets(String bootstrap) {
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) tps.add(new TopicPartition(TOPIC, p));
            return new HashMap<>(c.endOffsets(tps));
        }
    }

    private static Map<TopicPartition, Long> committed(String bootstrap) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get();
            Map<TopicPartition, Long> out = new HashMap<>();
            m.forEach((tp, o) -> {
                if (o != null) out.put(tp, o.offset());
            });
            return out;
        } catch (Exception e) {
            throw new AssertionError("listConsumerGroupOffsets(" + GROUP + ") failed", e);
        }
    }

    private static GroupState groupState(String bootstrap) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            return admin.describeConsumerGroups(List.of(GROUP)).describedGroups().get(GROUP).get().groupState();
        } catch (Exception e) {
            throw new AssertionError("describeConsumerGroups(" + GROUP + ") failed", e);
        }
    }
}
