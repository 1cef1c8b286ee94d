package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.testing.SuiteTags;
import io.tributary.broker.testing.TestCertificates;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kafka's own tools against SASL: {@code kafka-configs} (kafka.admin.ConfigCommand, its own process)
 * adds, describes and deletes SCRAM users, who then log in (or no longer can); kcat (librdkafka)
 * produces and consumes over SASL_SSL with SCRAM-SHA-256. kcat is required as in {@link KcatTest}.
 */
@Tag(SuiteTags.PROCESS)
class SaslToolsTest {
    @TempDir
    Path dataDir;
    @TempDir
    Path work;

    /** Runs kafka-configs with {@code args}; returns its output, failing on a non-zero exit. */
    private static String kafkaConfigs(String bootstrap, String... args) throws IOException, InterruptedException {
        return KafkaToolProcess.runOk("kafka-configs", "kafka.admin.ConfigCommand", bootstrap, 90, args);
    }

    @Test
    void kafkaConfigsAddsDescribesAndDeletesScramUsers() throws Exception {
        Map<String, String> props = new HashMap<>();
        props.put("listeners", "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0");
        props.put("sasl.enabled.mechanisms", "SCRAM-SHA-256,SCRAM-SHA-512");
        try (Broker broker = TestBroker.start(dataDir, props)) {
            String admin = broker.bootstrapServers("PLAINTEXT");
            String sasl = broker.bootstrapServers("SASL_PLAINTEXT");
            kafkaConfigs(admin, "--alter", "--entity-type", "users", "--entity-name", "alice",
                    "--add-config", "SCRAM-SHA-256=[iterations=8192,password=alice-secret],SCRAM-SHA-512=[password=alice-512]");
            String described = kafkaConfigs(admin, "--describe", "--entity-type", "users", "--entity-name", "alice");
            assertTrue(described.contains("SCRAM credential configs for user-principal 'alice' are"), described);
            assertTrue(described.contains("SCRAM-SHA-256=iterations=8192"), described);
            assertTrue(described.contains("SCRAM-SHA-512=iterations=4096"), described);
            assertFalse(described.contains("alice-secret"), described);

            SaslListenerTest.produce(SaslListenerTest.client(sasl, "SASL_PLAINTEXT", "SCRAM-SHA-256", "alice", "alice-secret"), "tools", 3);
            assertEquals(3, SaslListenerTest.consume(SaslListenerTest.client(sasl, "SASL_PLAINTEXT", "SCRAM-SHA-512", "alice",
                    "alice-512"), "tools", 3).size());

            kafkaConfigs(admin, "--alter", "--entity-type", "users", "--entity-name", "alice", "--delete-config", "SCRAM-SHA-256");
            described = kafkaConfigs(admin, "--describe", "--entity-type", "users", "--entity-name", "alice");
            assertFalse(described.contains("SCRAM-SHA-256"), described);
            assertInstanceOf(SaslAuthenticationException.class, SaslListenerTest.refusal(
                    SaslListenerTest.client(sasl, "SASL_PLAINTEXT", "SCRAM-SHA-256", "alice", "alice-secret")),
                    "the deleted credential no longer logs in");
        }
    }

    @Test
    void kcatProducesAndConsumesOverSaslSslWithScramSha256() throws Exception {
        Process probe;
        boolean available;
        try {
            probe = new ProcessBuilder("kcat", "-V").redirectErrorStream(true).start();
            probe.getInputStream().readAllBytes();
            available = probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0;
        } catch (IOException e) {
            available = false;
        }
        KcatTest.requireOrSkip(available, "kcat is not on the PATH (Debian: apt-get install -y kcat)");

        TestCertificates certificates = TestCertificates.create(work);
        Path brokerKeys = certificates.keyStore("broker", "CN=localhost,OU=Brokers,O=Tributary");
        Map<String, String> props = new HashMap<>();
        props.put("listeners", "SASL_SSL://127.0.0.1:0");
        props.put("sasl.enabled.mechanisms", "SCRAM-SHA-256");
        props.put("ssl.keystore.type", "PKCS12");
        props.put("ssl.keystore.location", brokerKeys.toString());
        props.put("ssl.keystore.password", TestCertificates.PASSWORD);
        props.put("tributary.sasl.scram.initial.users", "SCRAM-SHA-256=[name=kcat-user,password=kcat-secret]");
        try (Broker broker = TestBroker.start(dataDir, props)) {
            String bootstrap = broker.bootstrapServers();
            List<String> common = List.of("kcat", "-b", bootstrap, "-X", "security.protocol=SASL_SSL",
                    "-X", "sasl.mechanisms=SCRAM-SHA-256", "-X", "sasl.username=kcat-user",
                    "-X", "sasl.password=kcat-secret", "-X", "ssl.ca.location=" + work.resolve("ca.crt"));
            run(common, "one\ntwo\nthree\n", "-P", "-t", "secured");
            String read = run(common, null, "-C", "-t", "secured", "-o", "beginning", "-e", "-f", "%s\\n");
            assertEquals(List.of("one", "two", "three"), read.lines().toList());

            List<String> wrong = new ArrayList<>(common);
            wrong.set(wrong.indexOf("sasl.password=kcat-secret"), "sasl.password=guess");
            Process p = new ProcessBuilder(concat(wrong, "-L", "-m", "10")).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertTrue(p.exitValue() != 0, "kcat with a wrong password fails: " + out);
            assertTrue(out.contains("Authentication failed"), out);
        }
    }

    private static List<String> concat(List<String> base, String... more) {
        List<String> all = new ArrayList<>(base);
        all.addAll(List.of(more));
        return all;
    }

    private String run(List<String> common, String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = concat(common, args);
        Path out = Files.createTempFile(work, "kcat", ".out");
        Path err = Files.createTempFile(work, "kcat", ".err");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        if (stdin == null) pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process p = pb.start();
        if (stdin != null) {
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kcat did not finish: " + Files.readString(err));
        assertEquals(0, p.exitValue(), "kcat " + args[0] + " failed:\n" + Files.readString(err));
        return Files.readString(out);
    }
}
