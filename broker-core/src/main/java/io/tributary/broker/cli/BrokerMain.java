package io.tributary.broker.cli;

import io.tributary.broker.Broker;
import io.tributary.broker.BrokerConfig;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar tributary-broker.jar [--listen HOST:PORT] [--http HOST:PORT] [--data DIR] [--config FILE]}:
 * runs a broker until SIGTERM or Ctrl-C, then shuts it down cleanly. Prints
 * {@code Tributary broker listening on HOST:PORT} once clients can connect, then
 * {@code Tributary REST API and /metrics on HOST:PORT} for each HTTP listener.
 */
public final class BrokerMain {
    private BrokerMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && isTool(args[0])) {
            System.setProperty("java.util.logging.config.class", QuietLogging.class.getName());
        }
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s %3$s: %5$s%6$s%n");
        }
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (args.length > 0 && isTool(args[0])) {
            try {
                return switch (args[0]) {
                    case "topics" -> TopicsCommand.run(args, 1, out);
                    case "groups" -> GroupsCommand.run(args, 1, out);
                    default -> TransactionsCommand.run(args, 1, out);
                };
            } catch (CommandLine.UsageException e) {
                err.println(e.getMessage() + "\n\n" + switch (args[0]) {
                    case "topics" -> TopicsCommand.HELP;
                    case "groups" -> GroupsCommand.HELP;
                    default -> TransactionsCommand.HELP;
                });
                return 2;
            } catch (java.util.concurrent.ExecutionException e) {
                err.println("Error: " + e.getCause().getMessage());
                return 1;
            }
        }
        Map<String, String> overrides = new HashMap<>();
        Path configFile = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "-h", "--help" -> {
                    out.println(usage());
                    return 0;
                }
                case "--listen", "--data", "--config", "--http" -> {
                    if (i + 1 >= args.length) {
                        err.println("Missing value after " + arg + "\n\n" + usage());
                        return 2;
                    }
                    String value = args[++i];
                    if (arg.equals("--listen")) overrides.put("listeners", value);
                    else if (arg.equals("--http")) overrides.put("http.listeners", value.isEmpty() || value.contains("://")
                            ? value : "http://" + value);
                    else if (arg.equals("--data")) overrides.put("log.dirs", value);
                    else configFile = Path.of(value);
                }
                default -> {
                    if (arg.startsWith("--") && arg.contains("=")) {
                        String kv = arg.substring(2);
                        overrides.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
                    } else {
                        err.println("Unknown argument " + arg + "\n\n" + usage());
                        return 2;
                    }
                }
            }
        }
        BrokerConfig config;
        try {
            config = BrokerConfig.load(configFile, overrides);
            Broker.checkSecurity(config);
        } catch (RuntimeException e) {
            err.println("Invalid configuration: " + e.getMessage());
            return 2;
        }
        Broker broker;
        try {
            broker = Broker.start(config);
        } catch (org.apache.kafka.common.config.ConfigException e) {
            // Settings that only fail when used (a key store that cannot be opened): still the operator's to fix.
            err.println("Invalid configuration: " + e.getMessage());
            return 2;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                broker.close();
                // java.util.logging closes its handlers in its own shutdown hook, so say it here.
                out.println("Tributary broker stopped cleanly");
                out.flush();
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "tributary-shutdown"));
        out.println("Tributary broker listening on " + broker.bootstrapServers() + " (data: "
                + config.dataDir().getAbsolutePath() + ")");
        for (java.net.InetSocketAddress a : broker.httpAddresses()) {
            out.println("Tributary REST API and /metrics on " + a.getHostString() + ":" + a.getPort());
        }
        out.flush();
        stopped.await();
        return 0;
    }

    private static boolean isTool(String command) {
        return command.equals("topics") || command.equals("groups") || command.equals("transactions");
    }

    static String usage() {
        return """
                Usage: java -jar tributary-broker.jar [options]
                       java -jar tributary-broker.jar topics --help
                       java -jar tributary-broker.jar groups --help
                       java -jar tributary-broker.jar transactions --help

                Runs a Tributary broker node that Kafka clients can produce to and consume from;
                'topics', 'groups' and 'transactions' manage the topics, consumer groups and
                transactions of a running broker.

                Options:
                  --listen HOST:PORT   address to listen on (default 127.0.0.1:9092)
                  --data DIR           data directory (default ./data)
                  --http HOST:PORT     REST API and /metrics address (default 127.0.0.1:8082;
                                       https://HOST:PORT with the ssl.* settings; "" turns it off)
                  --config FILE        broker properties file (Kafka's property names)
                  --NAME=VALUE         set any broker property, e.g. --num.partitions=3
                  -h, --help           show this help

                Stop it with Ctrl-C or SIGTERM; it shuts down cleanly.""";
    }
}
