package io.tributary.broker.client;

import io.tributary.broker.testing.TopicReader;
import io.tributary.broker.Broker;
import io.tributary.broker.testing.Poll;
import io.tributary.broker.testing.SuiteTags;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Kafka Streams with {@code processing.guarantee=exactly_once_v2} against a Tributary node, the
 * application ({@link StreamsEosApp}, a running count and sum per account) in its own JVM and killed
 * with SIGKILL twice in the middle of the stream:
 *
 * <ol>
 *   <li>first run: killed while its stream thread stands still in an open transaction whose output
 *       and changelog records are already in the log (the app pauses itself there, so the kill
 *       interrupts a transaction with records every time);</li>
 *   <li>second run, same state directory (same {@code transactional.id}, which fences the first
 *       run's producer and aborts its transaction): killed at whatever point it has reached once
 *       it has committed half of the input the first run left;</li>
 *   <li>third run, state directory wiped (a new {@code transactional.id}: the second run's open
 *       transaction, if it had one, is aborted by the coordinator when it times out, and the store
 *       is restored from the changelog): runs to the end.</li>
 * </ol>
 *
 * <p>A {@code read_committed} consumer of the output then sees, per account, exactly
 * {@code "1 v1"}, {@code "2 v1+v2"}, ... up to the true count and sum: nothing lost, nothing twice.
 * A {@code read_uncommitted} consumer sees more, among it a total repeated: the aborted output of the
 * first run, written again by the second.
 */
@Tag(SuiteTags.PROCESS)
class StreamsExactlyOnceTest {
    private static final Map<String, String> BROKER = Map.of(
            "transaction.state.log.num.partitions", "4",
            "offsets.topic.num.partitions", "4",
            "group.initial.rebalance.delay.ms", "0",
            // the app's session timeout (StreamsEosApp.SESSION_TIMEOUT_MS) is below Kafka's default minimum
            "group.min.session.timeout.ms", "1000",
            "transaction.abort.timed.out.transaction.cleanup.interval.ms", "200");
    private static final String APPLICATION_ID = "account-totals";
    private static final String INPUT = "transfers";
    private static final String OUTPUT = "account-totals-out";
    private static final int INPUT_PARTITIONS = 3;
    private static final int OUTPUT_PARTITIONS = 2;
    private static final int ACCOUNTS = 12;
    private static final int RECORDS = 20_000;
    /** Records per second the first two runs process: slow enough that the kills land mid-stream. */
    private static final int RATE = 5_000;
    /**
     * The first run's transaction timeout: longer than the second run takes, so its open transaction
     * ends by the second run fencing it (the same {@code transactional.id}), not by timing out.
     */
    private static final int LONG_TRANSACTION_TIMEOUT_MS = 120_000;
    /** The other runs': the third run waits this long for the second run's transaction to be aborted. */
    private static final int SHORT_TRANSACTION_TIMEOUT_MS = 5_000;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void killedAndRestartedStreamsApplicationWritesEveryTotalExactlyOnce() throws Exception {
        try (Broker broker = TestBroker.start(dir.resolve("broker"), BROKER);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            String bootstrap = broker.bootstrapServers();
            admin.createTopics(List.of(new NewTopic(INPUT, INPUT_PARTITIONS, (short) 1),
                    new NewTopic(OUTPUT, OUTPUT_PARTITIONS, (short) 1))).all().get();
            produceInput(bootstrap);
            Path stateDir = dir.resolve("state-1");
            Path appTmp = dir.resolve("app-tmp");

            try (AppProcess first = AppProcess.start(bootstrap, stateDir, appTmp, RATE, RECORDS / 8, LONG_TRANSACTION_TIMEOUT_MS)) {
                first.awaitLine("PAUSED", WAIT);
                Poll.until("records of the paused transaction in the output log",
                        () -> describeOutputEnds(admin),
                        WAIT, Duration.ofMillis(20), () -> openOutput(admin) > 0);
                assertTrue(committedInput(admin) > 0, "some input was committed before the pause");
                first.kill();
            }
            assertTrue(openOutput(admin) > 0, "the killed run left its transaction open, with records in the output log");
            long committedByFirst = committedInput(admin);

            long secondKillAt = committedByFirst + (RECORDS - committedByFirst) / 2;
            try (AppProcess second = AppProcess.start(bootstrap, stateDir, appTmp, RATE, -1, SHORT_TRANSACTION_TIMEOUT_MS)) {
                Poll.until(secondKillAt + " input records committed", second::outputTail,
                        WAIT, Duration.ofMillis(20), () -> {
                            second.checkAlive();
                            return committedInput(admin) >= secondKillAt;
                        });
                // the threshold is seen just after a commit; half a commit interval later the next
                // transaction is most likely under way
                Thread.sleep(StreamsEosApp.COMMIT_INTERVAL_MS / 2);
                second.kill();
            }
            long committedBySecond = committedInput(admin);
            long openAfterSecond = openOutput(admin);
            assertTrue(committedBySecond < RECORDS, "the second run was killed before the end of the input: "
                    + committedBySecond + " of " + RECORDS + " committed");

            try (AppProcess third = AppProcess.start(bootstrap, dir.resolve("state-2"), appTmp, 0, -1, SHORT_TRANSACTION_TIMEOUT_MS)) {
                Poll.until("all input committed and no transaction open on the output", third::outputTail,
                        WAIT, Duration.ofMillis(50), () -> {
                            third.checkAlive();
                            return committedInput(admin) == RECORDS && openOutput(admin) == 0;
                        });
            }

            System.out.println("StreamsExactlyOnceTest: input committed at the first kill " + committedByFirst
                    + ", at the second " + committedBySecond + " (" + openAfterSecond + " output records of its open transaction)"
                    + "; transactional ids "
                    + admin.listTransactions().all().get().stream().map(t -> t.transactionalId() + " " + t.state()).toList());

            Map<String, List<String>> expected = expectedTotals();
            Map<String, List<String>> committed = readOutput(bootstrap, "read_committed");
            assertEquals(expected.keySet(), committed.keySet(), "accounts in the committed output");
            for (String account : expected.keySet()) {
                List<String> totals = committed.get(account);
                assertEquals(last(expected.get(account)), last(totals), "last committed total (count, sum) of " + account);
                assertTotals(account, expected.get(account), totals);
            }

            Map<String, List<String>> uncommitted = readOutput(bootstrap, "read_uncommitted");
            long all = uncommitted.values().stream().mapToLong(List::size).sum();
            assertTrue(all > RECORDS, "aborted output is in the log: " + all + " records read uncommitted, "
                    + RECORDS + " committed");
            assertTrue(uncommitted.values().stream().anyMatch(totals -> new HashSet<>(totals).size() < totals.size()),
                    "read_uncommitted shows a total twice: aborted, then written again and committed");
        }
    }

    private static String account(int i) {
        return "account-" + (i % ACCOUNTS);
    }

    private static void produceInput(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, LongSerializer.class);
        try (KafkaProducer<String, Long> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < RECORDS; i++) producer.send(new ProducerRecord<>(INPUT, account(i), (long) i));
            producer.flush();
        }
    }

    /** Per account, the outputs exactly-once allows: "COUNT SUM" after each of its input records, in order. */
    private static Map<String, List<String>> expectedTotals() {
        Map<String, List<String>> totals = new TreeMap<>();
        Map<String, long[]> running = new HashMap<>();
        for (int i = 0; i < RECORDS; i++) {
            long[] countSum = running.computeIfAbsent(account(i), a -> new long[2]);
            countSum[0]++;
            countSum[1] += i;
            totals.computeIfAbsent(account(i), a -> new ArrayList<>()).add(countSum[0] + " " + countSum[1]);
        }
        return totals;
    }

    private static String last(List<String> list) {
        return list.get(list.size() - 1);
    }

    /** {@code read} is {@code expected}; if not, says where they part and what was read around there. */
    private static void assertTotals(String account, List<String> expected, List<String> read) {
        int i = 0;
        while (i < expected.size() && i < read.size() && expected.get(i).equals(read.get(i))) i++;
        if (i == expected.size() && i == read.size()) return;
        fail("committed totals of " + account + ": " + expected.size() + " expected, " + read.size() + " read; #" + (i + 1)
                + " should be " + (i < expected.size() ? "\"" + expected.get(i) + "\"" : "absent") + ", read "
                + read.subList(Math.max(0, i - 2), Math.min(read.size(), i + 3)) + " around it");
    }

    /** Input records whose consumption is committed (the input's offsets are its record counts). */
    private static long committedInput(Admin admin) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(APPLICATION_ID)
                .partitionsToOffsetAndMetadata().get();
        return offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(INPUT) && e.getValue() != null)
                .mapToLong(e -> e.getValue().offset()).sum();
    }

    private static Map<Integer, Long> ends(Admin admin, IsolationLevel isolation) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < OUTPUT_PARTITIONS; p++) request.put(new TopicPartition(OUTPUT, p), OffsetSpec.latest());
        return admin.listOffsets(request, new ListOffsetsOptions(isolation)).all().get().entrySet().stream()
                .collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset(), (a, b) -> a, TreeMap::new));
    }

    private static String describeOutputEnds(Admin admin) {
        try {
            return "output high watermarks " + ends(admin, IsolationLevel.READ_UNCOMMITTED)
                    + ", last stable offsets " + ends(admin, IsolationLevel.READ_COMMITTED);
        } catch (Exception e) {
            return "output offsets not known: " + e;
        }
    }

    /** Offsets of the output above its last stable offset: records of a transaction still open. */
    private static long openOutput(Admin admin) throws Exception {
        Map<Integer, Long> high = ends(admin, IsolationLevel.READ_UNCOMMITTED);
        Map<Integer, Long> stable = ends(admin, IsolationLevel.READ_COMMITTED);
        return high.keySet().stream().mapToLong(p -> high.get(p) - stable.get(p)).sum();
    }

    /** Every output value per account, in offset order, as a consumer at {@code isolation} reads the whole topic. */
    private static Map<String, List<String>> readOutput(String bootstrap, String isolation) {
        Map<String, List<String>> out = new TreeMap<>();
        for (ConsumerRecord<String, String> r : TopicReader.records(bootstrap, OUTPUT, OUTPUT_PARTITIONS, isolation, WAIT)) {
            out.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value());
        }
        return out;
    }

    /** One {@link StreamsEosApp} JVM: its stdout lines collected, its stderr in a file under {@code target/streams-apps/}. */
    private static final class AppProcess implements AutoCloseable {
        private final Process process;
        private final Path log;
        private final Thread reader;
        private final List<String> lines = new ArrayList<>();
        private final Deque<String> tail = new ArrayDeque<>();

        private AppProcess(Process process, Path log) {
            this.process = process;
            this.log = log;
            this.reader = new Thread(this::read, "streams-app-" + process.pid() + "-output");
            reader.setDaemon(true);
            reader.start();
        }

        /**
         * Starts the application. Its temporary files go to {@code tmpDir}: RocksDB copies its native
         * library (14 MB) there at every start and deletes it only at a normal JVM exit, never after SIGKILL.
         */
        static AppProcess start(String bootstrap, Path stateDir, Path tmpDir, int recordsPerSecond, long pauseAt,
                                int transactionTimeoutMs) throws IOException {
            Files.createDirectories(tmpDir);
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElse(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            command.add("-Xmx256m");
            command.add("-Djava.io.tmpdir=" + tmpDir.toAbsolutePath());
            String logging = System.getProperty("java.util.logging.config.file");
            if (logging != null) command.add("-Djava.util.logging.config.file=" + logging);
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(StreamsEosApp.class.getName());
            command.addAll(List.of(bootstrap, APPLICATION_ID, INPUT, OUTPUT, stateDir.toAbsolutePath().toString(),
                    Integer.toString(recordsPerSecond), Long.toString(pauseAt), Integer.toString(transactionTimeoutMs)));
            Path logDir = Path.of("target", "streams-apps").toAbsolutePath();
            Files.createDirectories(logDir);
            Path log = logDir.resolve(APPLICATION_ID + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".log");
            return new AppProcess(new ProcessBuilder(command).redirectError(log.toFile()).start(), log);
        }

        private void read() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(line);
                        tail.addLast(line);
                        if (tail.size() > 20) tail.removeFirst();
                    }
                }
            } catch (IOException e) {
                // the process is gone
            }
        }

        /** Fails if the application died or reported a failed stream thread. */
        void checkAlive() {
            synchronized (lines) {
                if (!process.isAlive() || lines.stream().anyMatch(l -> l.startsWith("FAILED") || l.equals("STATE ERROR"))) {
                    throw new AssertionError("Streams application " + process.pid() + " failed; stderr in " + log
                            + "; stdout ends:\n" + String.join("\n", tail));
                }
            }
        }

        void awaitLine(String prefix, Duration timeout) throws InterruptedException {
            Poll.until("line " + prefix + " from the Streams application", this::outputTail, timeout, Duration.ofMillis(20), () -> {
                checkAlive();
                synchronized (lines) {
                    return lines.stream().anyMatch(l -> l.startsWith(prefix));
                }
            });
        }

        String outputTail() {
            synchronized (lines) {
                return "Streams application " + process.pid() + " (stderr in " + log + ") said last:\n" + String.join("\n", tail);
            }
        }

        /** SIGKILL: no commit, no abort, no LeaveGroup. Returns once the process is gone. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            if (!process.waitFor(30, TimeUnit.SECONDS)) throw new AssertionError("Streams application " + process.pid() + " survived SIGKILL");
            reader.join(5_000);
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) kill();
        }
    }
}
