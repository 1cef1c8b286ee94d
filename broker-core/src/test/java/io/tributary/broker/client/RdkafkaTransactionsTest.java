package io.tributary.broker.client;

import io.tributary.broker.testing.TopicReader;
import io.tributary.broker.Broker;
import io.tributary.broker.testing.SuiteTags;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * librdkafka's transactional producer against a Tributary node: {@code src/test/c/rdkafka_txn.c},
 * compiled here with {@code gcc}, commits a transaction, aborts one whose records it flushed to the
 * log first, and commits another; the Java consumer then reads the topic at both isolation levels.
 * librdkafka picks its own API versions (InitProducerId v4, AddPartitionsToTxn v0, EndTxn v1 with
 * librdkafka 2.0), so this covers the transaction protocol as a second client speaks it.
 *
 * <p>Needs {@code gcc} and librdkafka's headers and library (Debian: {@code librdkafka-dev}).
 * Skipped when they are missing, unless {@code TRIBUTARY_REQUIRE_EXTERNAL_CLIENTS=true} (set by
 * {@code .ci/run}): then it fails. {@code -Dtributary.rdkafka.debug=protocol,eos,msg} passes
 * librdkafka's {@code debug} property to the program; its log ends up in the failure message.
 */
@Tag(SuiteTags.PROCESS)
class RdkafkaTransactionsTest {
    private static final String TOPIC = "rdkafka-txn";
    private static final String TRANSACTIONAL_ID = "rdkafka-txn-producer";
    private static final int PARTITIONS = 3;
    private static final int COMMITTED = 40;
    private static final int ABORTED = 25;
    private static final int COMMITTED_AGAIN = 30;
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final Path SOURCE = Path.of(System.getProperty("basedir", "."), "src", "test", "c", "rdkafka_txn.c")
            .toAbsolutePath();
    private static final Map<String, String> BROKER = Map.of(
            "transaction.state.log.num.partitions", "4",
            "offsets.topic.num.partitions", "4");

    @TempDir
    Path dataDir;

    @TempDir
    Path work;

    private Path program;

    @BeforeEach
    void compileTheProgram() throws Exception {
        KcatTest.requireOrSkip(run(work, List.of("gcc", "--version")).ok(), "gcc is not on the PATH (Debian: apt-get install -y gcc)");
        // A two-line program tells a missing librdkafka from a mistake in rdkafka_txn.c.
        Path probe = work.resolve("probe.c");
        Files.writeString(probe, "#include <librdkafka/rdkafka.h>\nint main(void) { return rd_kafka_version() == 0; }\n");
        Result linked = run(work, List.of("gcc", "-o", work.resolve("probe").toString(), probe.toString(), "-lrdkafka"));
        KcatTest.requireOrSkip(linked.ok(), "gcc cannot build against librdkafka (Debian: apt-get install -y librdkafka-dev): "
                + linked.output());

        program = work.resolve("rdkafka_txn");
        Result built = run(work, List.of("gcc", "-Wall", "-Wextra", "-Werror", "-o", program.toString(), SOURCE.toString(), "-lrdkafka"));
        if (!built.ok()) fail("gcc could not build " + SOURCE + ": " + built.output());
    }

    @Test
    void readCommittedSeesTheCommittedTransactionsOfLibrdkafkaAndNotTheAbortedOne() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, BROKER)) {
            String bootstrap = broker.bootstrapServers();
            TransactionsTest.createTopic(bootstrap, TOPIC, PARTITIONS);

            List<String> command = new ArrayList<>(List.of(program.toString(), bootstrap, TOPIC, TRANSACTIONAL_ID,
                    String.valueOf(COMMITTED), String.valueOf(ABORTED), String.valueOf(COMMITTED_AGAIN)));
            String debug = System.getProperty("tributary.rdkafka.debug", "");
            if (!debug.isEmpty()) command.add(debug);
            Result producer = run(work, command);
            if (!producer.ok()) fail(String.join(" ", command) + ": " + producer.output());
            assertEquals(List.of("initialized", "committed " + COMMITTED, "aborted " + ABORTED, "committed " + COMMITTED_AGAIN),
                    producer.stdout().lines().toList(), producer.output());

            List<String> committed = Stream.concat(values("committed-1-", COMMITTED), values("committed-2-", COMMITTED_AGAIN))
                    .sorted().toList();
            List<String> aborted = values("aborted-", ABORTED).toList();
            List<String> readCommitted = TopicReader.values(bootstrap, TOPIC, PARTITIONS, "read_committed");
            assertEquals(committed, readCommitted.stream().sorted().toList(),
                    "read_committed: every committed record once, no aborted one");

            List<String> readUncommitted = TopicReader.values(bootstrap, TOPIC, PARTITIONS, "read_uncommitted");
            assertEquals(Stream.concat(committed.stream(), aborted.stream()).sorted().toList(), readUncommitted.stream().sorted().toList(),
                    "read_uncommitted: the aborted records are in the log too");

            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                TransactionDescription last = admin.describeTransactions(List.of(TRANSACTIONAL_ID)).description(TRANSACTIONAL_ID).get();
                assertEquals(TransactionState.COMPLETE_COMMIT, last.state(), "state of " + TRANSACTIONAL_ID + ": " + last);
                assertEquals(Set.of(), last.topicPartitions(), "no partition left in a transaction: " + last);
            }
        }
    }

    /** The values the program gives {@code count} records: {@code prefix} and the record's index. */
    private static Stream<String> values(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> prefix + i);
    }

    private record Result(int exitCode, String stdout, String stderr) {
        boolean ok() {
            return exitCode == 0;
        }

        String output() {
            return "exit code " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
        }
    }

    /** Runs a command to completion in {@code dir}; a command that cannot start exits with -1. */
    private static Result run(Path dir, List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        } catch (IOException e) {
            return new Result(-1, "", e.toString());
        }
        try {
            if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                fail(String.join(" ", command) + " did not finish in " + TIMEOUT + "\nstdout:\n" + Files.readString(out)
                        + "\nstderr:\n" + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            p.destroyForcibly();
        }
    }
}
