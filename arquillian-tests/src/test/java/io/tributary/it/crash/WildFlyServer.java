package io.tributary.it.crash;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * WildFly ({@code standalone-full.xml}) started with {@code bin/standalone.sh} on a server
 * directory of its own under the work directory (a copy of the distribution's {@code standalone/},
 * kept across restarts: the transaction log is in its {@code data/tx-object-store}), with
 * {@code tributary.rar} and the war in {@code deployments/}. Every port + 22000 (HTTP 30080), all
 * on 127.0.0.1; the embedded node on 127.0.0.1:19097, or, given a Kafka cluster, no embedded node
 * and the adapter's {@code bootstrapServers} set to that cluster with
 * {@code -Dtributary.bootstrapServers} (which the rar's {@code ironjacamar.xml} reads), as an
 * operator would. Recovery scans every 5 s instead of 120 s and rolls back an orphan seen for 1 s,
 * so a test does not wait minutes.
 */
public final class WildFlyServer extends CrashServer {
    private static final int PORT_OFFSET = 22000;
    private final Path home = Path.of(System.getProperty("wildfly.home"));
    private final Path base;
    private final String kafka;

    /** With the adapter's embedded node. */
    public WildFlyServer(Path workDir) {
        this(workDir, null);
    }

    /** With the adapter's {@code bootstrapServers} = {@code kafkaBootstrap}, or the embedded node if null. */
    public WildFlyServer(Path workDir, String kafkaBootstrap) {
        super(workDir);
        this.base = workDir.resolve("standalone");
        this.kafka = kafkaBootstrap;
    }

    @Override
    public String bootstrap() {
        return kafka != null ? kafka : "127.0.0.1:19097";
    }

    @Override
    public String examplesUrl() {
        return "http://127.0.0.1:" + (8080 + PORT_OFFSET) + "/tributary-examples";
    }

    @Override
    public Optional<String> jtsServerName() {
        return Optional.empty();
    }

    @Override
    protected List<String> command(Path war) throws IOException {
        if (!Files.exists(base)) copyTree(home.resolve("standalone"), base);
        Path archives = Path.of(System.getProperty("wildfly.archives"));
        Files.copy(archives.resolve("tributary.rar"), base.resolve("deployments/tributary.rar"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(war, base.resolve("deployments/tributary-examples.war"), StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(base.resolve("wildfly.pid"));
        return List.of(home.resolve("bin/standalone.sh").toString(), "-c", "standalone-full.xml",
                "-Djboss.server.base.dir=" + base, "-Djboss.socket.binding.port-offset=" + PORT_OFFSET,
                "-b=127.0.0.1", "-bmanagement=127.0.0.1", "-Djboss.bind.address.unsecure=127.0.0.1");
    }

    @Override
    protected Map<String, String> environment() {
        return Map.of("JAVA_OPTS", "-Xms64m -Xmx768m -Djava.net.preferIPv4Stack=true"
                        + (kafka != null ? " -Dtributary.bootstrapServers=" + kafka : " -Dtributary.broker.listeners=" + bootstrap())
                        + " -Dtributary.broker.num.partitions=4 -Dtributary.broker.group.initial.rebalance.delay.ms=0"
                        + " -DRecoveryEnvironmentBean.periodicRecoveryPeriod=5 -DRecoveryEnvironmentBean.recoveryBackoffPeriod=1"
                        + " -DJTAEnvironmentBean.orphanSafetyInterval=1000",
                "JAVA_HOME", Path.of(ProcessHandle.current().info().command().orElseThrow()).getParent().getParent().toString(),
                "LAUNCH_JBOSS_IN_BACKGROUND", "1",
                "JBOSS_PIDFILE", base.resolve("wildfly.pid").toString());
    }

    @Override
    protected String readyLine() {
        return "WFLYSRV0025";
    }

    @Override
    protected ProcessHandle javaProcess(Process launched) throws IOException, InterruptedException {
        Path pidFile = base.resolve("wildfly.pid");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (Files.exists(pidFile)) {
                String pid = Files.readString(pidFile).trim();
                if (!pid.isEmpty()) {
                    return ProcessHandle.of(Long.parseLong(pid)).orElseThrow(() -> new IllegalStateException(
                            "WildFly's process " + pid + " is gone; see " + workDir));
                }
            }
            if (!launched.isAlive()) throw new IllegalStateException("standalone.sh exited; see " + workDir);
            Thread.sleep(100);
        }
        throw new IllegalStateException("standalone.sh wrote no " + pidFile + " within 60 s");
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            walk.forEach(p -> {
                try {
                    Path target = to.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) Files.createDirectories(target);
                    else Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
