package io.tributary.it.kafka;

import io.tributary.broker.testing.ApacheKafka;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Apache Kafka as an operator would run it for the examples: the broker version the build resolved
 * (its class path in the file the system property {@code tributary.it.kafka.classpath} names), no
 * automatic topic creation, and the topics the scenarios use created beforehand with Kafka's
 * default topic settings — what the embedded node did for the applications and a Kafka cluster
 * must be given. Everything else the adapter needs it creates itself (the branch log topic) or
 * Kafka has (its group and transaction state topics).
 */
public final class ScenarioKafka {
    /** The topics of the examples and of the test beans, with their partition counts. */
    public static final Map<String, Integer> TOPICS = topics();

    private ScenarioKafka() {
    }

    /** Kafka on 127.0.0.1:{@code port} (0: a free port), its data and console under {@code dir}, the topics created. */
    public static ApacheKafka start(Path dir, int port) throws Exception {
        Path classpathFile = Path.of(System.getProperty("tributary.it.kafka.classpath",
                "target/apache-kafka/classpath.txt"));
        String classpath = Files.readString(classpathFile).trim();
        ApacheKafka kafka = ApacheKafka.start(dir, classpath, port == 0 ? freePort() : port,
                Map.of("auto.create.topics.enable", "false"));
        try {
            kafka.createTopics(TOPICS);
        } catch (Exception e) {
            kafka.close();
            throw e;
        }
        return kafka;
    }

    private static Map<String, Integer> topics() {
        Map<String, Integer> t = new LinkedHashMap<>();
        t.put("orders", 4);
        t.put("orders.confirmed", 4);
        t.put("orders.DLT", 1);
        t.put("flaky", 4);
        t.put("flaky.DLT", 1);
        t.put("parallel", 4);
        t.put("tx-sends", 4);
        t.put("decided-before-the-crash", 1);
        t.put("receipts", 4);
        return Map.copyOf(t);
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
