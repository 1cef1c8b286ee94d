package io.tributary.broker.testing;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Apache Kafka itself (the {@code kafka_2.13} broker from Maven Central): one KRaft node, broker and
 * controller, in a process of its own on loopback, formatted in {@code dir} (its data in
 * {@code dir/data}, its console in {@code dir/broker.log}) with Kafka's defaults except the
 * replication of its internal topics (one node) and whatever the caller adds. The process runs on
 * the class path it is given (this JVM's, or another Kafka version's jars); {@link #close} ends that
 * process, and only it, by its handle. Not thread-safe.
 */
public final class ApacheKafka implements AutoCloseable {
    private final Process process;
    private final String bootstrap;

    private ApacheKafka(Process process, String bootstrap) {
        this.process = process;
        this.bootstrap = bootstrap;
    }

    /** The node's {@code host:port}. */
    public String bootstrap() {
        return bootstrap;
    }

    /** The node's process id. */
    public long pid() {
        return process.pid();
    }

    /** Kafka on this JVM's class path (the {@code kafka_2.13} test dependency), on free ports. */
    public static ApacheKafka start(Path dir) throws Exception {
        return start(dir, System.getProperty("java.class.path"), freePort(), Map.of());
    }

    /**
     * Kafka on {@code classpath}, its client listener on 127.0.0.1:{@code port} (its controller on a
     * free port), with {@code overrides} set over this class's server properties.
     */
    public static ApacheKafka start(Path dir, String classpath, int port, Map<String, String> overrides) throws Exception {
        Files.createDirectories(dir);
        int controllerPort = freePort();
        Map<String, String> config = new LinkedHashMap<>();
        config.put("process.roles", "broker,controller");
        config.put("node.id", "1");
        config.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        config.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        config.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        config.put("controller.listener.names", "CONTROLLER");
        config.put("inter.broker.listener.name", "PLAINTEXT");
        config.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        config.put("log.dirs", dir.resolve("data").toString());
        config.put("offsets.topic.replication.factor", "1");
        config.put("transaction.state.log.replication.factor", "1");
        config.put("transaction.state.log.min.isr", "1");
        config.put("share.coordinator.state.topic.replication.factor", "1");
        config.put("share.coordinator.state.topic.min.isr", "1");
        config.put("group.initial.rebalance.delay.ms", "0");
        config.putAll(overrides);
        Path properties = dir.resolve("server.properties");
        Files.writeString(properties, config.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\n")) + "\n");
        Process format = java(dir, classpath, "format.log", "kafka.tools.StorageTool", "format",
                "--cluster-id", Uuid.randomUuid().toString(), "--config", properties.toString());
        if (!format.waitFor(120, TimeUnit.SECONDS) || format.exitValue() != 0) {
            format.destroyForcibly();
            throw new IllegalStateException("Formatting Kafka's storage failed: " + Files.readString(dir.resolve("format.log")));
        }
        Process broker = java(dir, classpath, "broker.log", "kafka.Kafka", properties.toString());
        ApacheKafka kafka = new ApacheKafka(broker, "127.0.0.1:" + port);
        try (Admin admin = kafka.admin()) {
            admin.describeCluster().nodes().get(120, TimeUnit.SECONDS);
            System.out.println("Apache Kafka at " + kafka.bootstrap + " (pid " + broker.pid() + "), finalized features "
                    + admin.describeFeatures().featureMetadata().get(60, TimeUnit.SECONDS).finalizedFeatures());
        } catch (Exception e) {
            kafka.close();
            throw new IllegalStateException("Kafka did not start; see " + dir.resolve("broker.log"), e);
        }
        return kafka;
    }

    /** Creates {@code topics} (name → partition count), replication factor 1, with Kafka's default topic settings. */
    public void createTopics(Map<String, Integer> topics) throws Exception {
        List<NewTopic> create = new ArrayList<>();
        topics.forEach((name, partitions) -> create.add(new NewTopic(name, partitions, (short) 1)));
        try (Admin admin = admin()) {
            admin.createTopics(create).all().get(60, TimeUnit.SECONDS);
        }
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 120_000));
    }

    private static Process java(Path dir, String classpath, String log, String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx512m", "-cp", classpath, mainClass));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(log).toFile()).start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
