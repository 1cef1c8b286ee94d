package io.tributary.ra;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Apache Kafka itself (the {@code kafka_2.13} broker from Maven Central, on the test class path):
 * one KRaft node, broker and controller, in a process of its own on loopback, formatted in
 * {@code dir} with Kafka's defaults except the replication of its internal topics (one node).
 */
final class ApacheKafka implements AutoCloseable {
    private final Process process;
    private final String bootstrap;

    private ApacheKafka(Process process, String bootstrap) {
        this.process = process;
        this.bootstrap = bootstrap;
    }

    String bootstrap() {
        return bootstrap;
    }

    static ApacheKafka start(Path dir) throws Exception {
        int port = freePort();
        int controllerPort = freePort();
        Path properties = dir.resolve("server.properties");
        Files.writeString(properties, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0") + "\n");
        Process format = java(dir, "format.log", "kafka.tools.StorageTool", "format",
                "--cluster-id", Uuid.randomUuid().toString(), "--config", properties.toString());
        if (!format.waitFor(120, TimeUnit.SECONDS) || format.exitValue() != 0) {
            throw new IllegalStateException("Formatting Kafka's storage failed: " + Files.readString(dir.resolve("format.log")));
        }
        Process broker = java(dir, "broker.log", "kafka.Kafka", properties.toString());
        ApacheKafka kafka = new ApacheKafka(broker, "127.0.0.1:" + port);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 120_000))) {
            admin.describeCluster().nodes().get(120, TimeUnit.SECONDS);
            System.out.println("Apache Kafka at " + kafka.bootstrap + ", finalized features "
                    + admin.describeFeatures().featureMetadata().get(60, TimeUnit.SECONDS).finalizedFeatures());
        } catch (Exception e) {
            kafka.close();
            throw new IllegalStateException("Kafka did not start; see " + dir.resolve("broker.log"), e);
        }
        return kafka;
    }

    private static Process java(Path dir, String log, String mainClass, String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), mainClass));
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
