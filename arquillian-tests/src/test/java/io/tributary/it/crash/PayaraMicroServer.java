package io.tributary.it.crash;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Payara Micro with a kept {@code --rootdir} (its configuration and transaction log),
 * {@code recovering-preboot-commands.txt} and {@code recovering-postboot-commands.txt} (which deploy
 * the adapter and the connector pool recovery needs): HTTP 127.0.0.1:18080, the embedded node on
 * 127.0.0.1:19093.
 */
public class PayaraMicroServer extends CrashServer {
    private static final int HTTP_PORT = 18080;

    public PayaraMicroServer(Path workDir) {
        super(workDir);
    }

    @Override
    public String bootstrap() {
        return "127.0.0.1:19093";
    }

    @Override
    public String examplesUrl() {
        return "http://127.0.0.1:" + HTTP_PORT + "/tributary-examples";
    }

    @Override
    public Optional<String> jtsServerName() {
        return Optional.of("vm,server,P100"); // how Payara Micro names its one instance
    }

    @Override
    protected List<String> command(Path war) throws java.io.IOException {
        Path payara = Path.of(System.getProperty("payara.dir"));
        Path commands = payara.getParent().resolve("test-classes/payara");
        return List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx512m",
                "-Dhazelcast.socket.bind.any=false", "-Dhazelcast.phone.home.enabled=false",
                "-Dtributary.broker.listeners=" + bootstrap(), "-Dtributary.broker.num.partitions=4",
                "-Dtributary.broker.group.initial.rebalance.delay.ms=0",
                "-jar", payara.resolve("payara-micro.jar").toString(),
                "--deploy", war.toString(),
                "--port", Integer.toString(HTTP_PORT),
                "--clustermode", "tcpip:127.0.0.1:6910", "--interfaces", "127.0.0.1",
                "--clustername", "tributary-crash-" + ProcessHandle.current().pid(), "--disablephonehome",
                "--rootdir", workDir.resolve("payara-root").toString(),
                "--prebootcommandfile", commands.resolve("recovering-preboot-commands.txt").toString(),
                "--postbootcommandfile", commands.resolve("recovering-postboot-commands.txt").toString());
    }

    @Override
    protected String readyLine() {
        return "ready in";
    }

    @Override
    protected ProcessHandle javaProcess(Process launched) {
        return launched.toHandle();
    }
}
