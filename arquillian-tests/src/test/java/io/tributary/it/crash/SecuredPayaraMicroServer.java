package io.tributary.it.crash;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Payara Micro whose embedded node listens only on a secured listener, configured as an operator
 * would: the secrets are Payara password aliases made by post-boot commands (from a password file,
 * never in a command line or descriptor), turned into system properties Payara resolves
 * ({@code tributary.secret.*}), and the adapter's settings ({@code tributary.broker.*},
 * {@code tributary.client.*}, in a {@code --systemProperties} file) refer to those. HTTP
 * 127.0.0.1:18082, the node on 127.0.0.1:19096. Not thread-safe.
 */
public final class SecuredPayaraMicroServer extends PayaraMicroServer {
    static final int HTTP_PORT = 18082;
    static final int KAFKA_PORT = 19096;

    private final Map<String, String> aliases;
    private final Map<String, String> settings;

    /**
     * @param aliases  password aliases to create: alias name → secret
     * @param settings system properties of the server (values may refer to {@code ${tributary.secret.<alias>}},
     *                 the system property each alias is resolved into)
     */
    public SecuredPayaraMicroServer(Path workDir, Map<String, String> aliases, Map<String, String> settings) {
        super(workDir);
        this.aliases = aliases;
        this.settings = settings;
    }

    @Override
    public String bootstrap() {
        return "127.0.0.1:" + KAFKA_PORT;
    }

    @Override
    public String examplesUrl() {
        return "http://127.0.0.1:" + HTTP_PORT + "/tributary-examples";
    }

    @Override
    protected List<String> command(Path war) throws IOException {
        Path payara = Path.of(System.getProperty("payara.dir"));
        StringBuilder postboot = new StringBuilder();
        for (Map.Entry<String, String> a : aliases.entrySet()) {
            Path passwordFile = workDir.resolve("alias-" + a.getKey() + ".txt");
            Files.writeString(passwordFile, "AS_ADMIN_ALIASPASSWORD=" + a.getValue() + "\n");
            postboot.append("create-password-alias --passwordfile ").append(passwordFile).append(' ').append(a.getKey()).append('\n');
            postboot.append("create-system-properties tributary.secret.").append(a.getKey()).append("=${ALIAS=")
                    .append(a.getKey()).append("}\n");
        }
        postboot.append("deploy --name tributary ").append(payara.resolve("tributary.rar")).append('\n');
        Path postbootFile = Files.writeString(workDir.resolve("postboot-commands.txt"), postboot.toString());
        Path prebootFile = Files.writeString(workDir.resolve("preboot-commands.txt"),
                "set configs.config.server-config.network-config.network-listeners.network-listener.http-listener.address=127.0.0.1\n");
        Path properties = Files.writeString(workDir.resolve("system.properties"), settings.entrySet().stream()
                .map(e -> escape(e.getKey()) + "=" + escape(e.getValue())).collect(Collectors.joining("\n")) + "\n");
        return List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx512m",
                "-Dhazelcast.socket.bind.any=false", "-Dhazelcast.phone.home.enabled=false",
                "-jar", payara.resolve("payara-micro.jar").toString(),
                "--deploy", war.toString(),
                "--port", Integer.toString(HTTP_PORT),
                "--nocluster", "--interfaces", "127.0.0.1", "--disablephonehome",
                "--rootdir", workDir.resolve("payara-root").toString(),
                "--systemProperties", properties.toString(),
                "--prebootcommandfile", prebootFile.toString(),
                "--postbootcommandfile", postbootFile.toString());
    }

    /** A java.util.Properties key or value, written so that it reads back unchanged. */
    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("=", "\\=").replace(":", "\\:").replace("\n", "\\n");
    }
}
