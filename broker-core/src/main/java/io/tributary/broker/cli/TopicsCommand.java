package io.tributary.broker.cli;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code topics}: list, describe, create, grow, alter configs of and delete topics through the
 * Kafka Admin API, with the options of Kafka's {@code kafka-topics.sh}.
 */
final class TopicsCommand {
    static final String HELP = """
            Usage: java -jar tributary-broker.jar topics [--bootstrap-server HOST:PORT] ACTION [options]

            Actions:
              --list [--include-internal]             list topic names (internal ones like __consumer_offsets too)
              --describe [--topic NAME]               partitions, leaders and config overrides
              --create --topic NAME [--partitions N] [--replication-factor N] [--config KEY=VALUE]...
              --alter --topic NAME [--partitions N] [--config KEY=VALUE]... [--delete-config KEY]...
              --delete --topic NAME

            --bootstrap-server defaults to 127.0.0.1:9092.""";

    private TopicsCommand() {
    }

    static int run(String[] args, int from, PrintStream out) throws Exception {
        CommandLine cl = new CommandLine(args, from,
                Set.of("--bootstrap-server", "--topic", "--partitions", "--replication-factor", "--config", "--delete-config"),
                Set.of("--list", "--describe", "--create", "--alter", "--delete", "--help", "--include-internal"));
        if (cl.has("--help")) {
            out.println(HELP);
            return 0;
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                Optional.ofNullable(cl.get("--bootstrap-server")).orElse("127.0.0.1:9092")))) {
            if (cl.has("--list")) {
                var options = new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(cl.has("--include-internal"));
                for (String name : new TreeSet<>(admin.listTopics(options).names().get())) out.println(name);
            } else if (cl.has("--describe")) {
                describe(admin, cl.get("--topic"), out);
            } else if (cl.has("--create")) {
                String topic = cl.require("--topic");
                Optional<Integer> partitions = Optional.ofNullable(cl.get("--partitions")).map(Integer::parseInt);
                Optional<Short> rf = Optional.ofNullable(cl.get("--replication-factor")).map(Short::parseShort);
                admin.createTopics(List.of(new NewTopic(topic, partitions, rf).configs(configs(cl)))).all().get();
                out.println("Created topic " + topic + ".");
            } else if (cl.has("--alter")) {
                String topic = cl.require("--topic");
                if (cl.get("--partitions") != null) {
                    admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(Integer.parseInt(cl.get("--partitions"))))).all().get();
                }
                Map<ConfigResource, java.util.Collection<org.apache.kafka.clients.admin.AlterConfigOp>> ops = new LinkedHashMap<>();
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                java.util.List<org.apache.kafka.clients.admin.AlterConfigOp> list = new java.util.ArrayList<>();
                configs(cl).forEach((k, v) -> list.add(new org.apache.kafka.clients.admin.AlterConfigOp(new ConfigEntry(k, v),
                        org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)));
                for (String k : cl.all("--delete-config")) {
                    list.add(new org.apache.kafka.clients.admin.AlterConfigOp(new ConfigEntry(k, null),
                            org.apache.kafka.clients.admin.AlterConfigOp.OpType.DELETE));
                }
                if (!list.isEmpty()) {
                    ops.put(resource, list);
                    admin.incrementalAlterConfigs(ops).all().get();
                }
                out.println("Altered topic " + topic + ".");
            } else if (cl.has("--delete")) {
                String topic = cl.require("--topic");
                admin.deleteTopics(List.of(topic)).all().get();
                out.println("Deleted topic " + topic + ".");
            } else {
                throw new CommandLine.UsageException("Give one of --list, --describe, --create, --alter, --delete");
            }
        }
        return 0;
    }

    private static Map<String, String> configs(CommandLine cl) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : cl.all("--config")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) throw new CommandLine.UsageException("--config expects KEY=VALUE, got " + kv);
            m.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return m;
    }

    private static void describe(Admin admin, String topic, PrintStream out) throws Exception {
        Set<String> names = topic == null ? new TreeSet<>(admin.listTopics().names().get()) : Set.of(topic);
        Map<String, TopicDescription> descriptions = admin.describeTopics(names).allTopicNames().get();
        for (String name : new TreeSet<>(descriptions.keySet())) {
            TopicDescription d = descriptions.get(name);
            String overrides = "";
            try {
                ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, name);
                Config config = admin.describeConfigs(List.of(r)).all().get().get(r);
                StringBuilder sb = new StringBuilder();
                for (ConfigEntry e : config.entries()) {
                    if (e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG) {
                        sb.append(sb.length() == 0 ? "" : ",").append(e.name()).append('=').append(e.value());
                    }
                }
                overrides = sb.toString();
            } catch (Exception e) {
                overrides = "(configs unavailable: " + e.getMessage() + ")";
            }
            out.printf("Topic: %s\tTopicId: %s\tPartitionCount: %d\tReplicationFactor: %d\tConfigs: %s%n", name,
                    d.topicId(), d.partitions().size(), d.partitions().isEmpty() ? 0 : d.partitions().get(0).replicas().size(),
                    overrides);
            for (TopicPartitionInfo p : d.partitions()) {
                out.printf("\tTopic: %s\tPartition: %d\tLeader: %s\tReplicas: %s\tIsr: %s%n", name, p.partition(),
                        p.leader() == null ? "none" : p.leader().id(), ids(p.replicas()), ids(p.isr()));
            }
        }
    }

    private static String ids(List<org.apache.kafka.common.Node> nodes) {
        StringBuilder sb = new StringBuilder();
        for (org.apache.kafka.common.Node n : nodes) sb.append(sb.length() == 0 ? "" : ",").append(n.id());
        return sb.toString();
    }
}
