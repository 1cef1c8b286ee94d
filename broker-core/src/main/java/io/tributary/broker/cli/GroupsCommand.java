package io.tributary.broker.cli;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.io.PrintStream;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code groups}: list consumer groups, describe one with each partition's committed offset,
 * log end offset and lag, and reset a group's offsets (dry run unless {@code --execute}), with
 * the options of Kafka's {@code kafka-consumer-groups.sh}.
 */
final class GroupsCommand {
    static final String HELP = """
            Usage: java -jar tributary-broker.jar groups [--bootstrap-server HOST:PORT] ACTION [options]

            Actions:
              --list                                  list consumer groups
              --describe --group NAME                 members, committed offsets, log end offsets and lag
              --delete --group NAME                   delete an empty group and its offsets
              --reset-offsets --group NAME --topic TOPIC[:P,P...] (--to-earliest | --to-latest |
                  --to-offset N | --to-datetime 2026-01-31T12:00:00Z | --shift-by N) [--execute]
                                                      prints the new offsets; writes them only with --execute
                                                      (the group must have no active members)

            --bootstrap-server defaults to 127.0.0.1:9092.""";

    private GroupsCommand() {
    }

    static int run(String[] args, int from, PrintStream out) throws Exception {
        CommandLine cl = new CommandLine(args, from,
                Set.of("--bootstrap-server", "--group", "--topic", "--to-offset", "--to-datetime", "--shift-by"),
                Set.of("--list", "--describe", "--delete", "--reset-offsets", "--to-earliest", "--to-latest", "--execute",
                        "--dry-run", "--help"));
        if (cl.has("--help")) {
            out.println(HELP);
            return 0;
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                Optional.ofNullable(cl.get("--bootstrap-server")).orElse("127.0.0.1:9092")))) {
            if (cl.has("--list")) {
                admin.listConsumerGroups().all().get().stream().map(ConsumerGroupListing::groupId).sorted().forEach(out::println);
            } else if (cl.has("--describe")) {
                describe(admin, cl.require("--group"), out);
            } else if (cl.has("--delete")) {
                String group = cl.require("--group");
                admin.deleteConsumerGroups(List.of(group)).all().get();
                out.println("Deleted consumer group " + group + ".");
            } else if (cl.has("--reset-offsets")) {
                reset(admin, cl, out);
            } else {
                throw new CommandLine.UsageException("Give one of --list, --describe, --delete, --reset-offsets");
            }
        }
        return 0;
    }

    private static void describe(Admin admin, String group, PrintStream out) throws Exception {
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, String> owners = new HashMap<>();
        for (MemberDescription m : d.members()) {
            for (TopicPartition tp : m.assignment().topicPartitions()) owners.put(tp, m.consumerId() + " " + m.host() + " " + m.clientId());
        }
        Map<TopicPartition, Long> ends = endOffsets(admin, union(committed.keySet(), owners.keySet()));
        out.printf("Group %s is %s with %d member(s), assignor %s%n%n", group, d.groupState(), d.members().size(),
                d.partitionAssignor().isEmpty() ? "-" : d.partitionAssignor());
        out.printf("%-30s %-10s %-15s %-15s %-10s %s%n", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER");
        Map<TopicPartition, Long> sorted = new TreeMap<>(Comparator.comparing(TopicPartition::topic).thenComparing(TopicPartition::partition));
        sorted.putAll(ends);
        for (TopicPartition tp : sorted.keySet()) {
            OffsetAndMetadata c = committed.get(tp);
            long end = ends.get(tp);
            out.printf("%-30s %-10d %-15s %-15d %-10s %s%n", tp.topic(), tp.partition(), c == null ? "-" : c.offset(), end,
                    c == null ? "-" : Long.toString(Math.max(0, end - c.offset())), owners.getOrDefault(tp, "-"));
        }
    }

    private static Set<TopicPartition> union(Set<TopicPartition> a, Set<TopicPartition> b) {
        Set<TopicPartition> s = new java.util.HashSet<>(a);
        s.addAll(b);
        return s;
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, Set<TopicPartition> tps) throws Exception {
        return offsets(admin, tps, OffsetSpec.latest());
    }

    private static Map<TopicPartition, Long> offsets(Admin admin, Set<TopicPartition> tps, OffsetSpec spec) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        tps.forEach(tp -> request.put(tp, spec));
        Map<TopicPartition, Long> out = new HashMap<>();
        if (request.isEmpty()) return out;
        for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e : admin.listOffsets(request).all().get().entrySet()) {
            out.put(e.getKey(), e.getValue().offset());
        }
        return out;
    }

    private static void reset(Admin admin, CommandLine cl, PrintStream out) throws Exception {
        String group = cl.require("--group");
        String topicArg = cl.require("--topic");
        String topic = topicArg.contains(":") ? topicArg.substring(0, topicArg.indexOf(':')) : topicArg;
        Set<TopicPartition> tps = new java.util.TreeSet<>(Comparator.comparing(TopicPartition::partition));
        if (topicArg.contains(":")) {
            for (String p : topicArg.substring(topicArg.indexOf(':') + 1).split(",")) tps.add(new TopicPartition(topic, Integer.parseInt(p.trim())));
        } else {
            int count = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
            for (int p = 0; p < count; p++) tps.add(new TopicPartition(topic, p));
        }
        Map<TopicPartition, Long> target;
        if (cl.has("--to-earliest")) {
            target = offsets(admin, tps, OffsetSpec.earliest());
        } else if (cl.has("--to-latest")) {
            target = offsets(admin, tps, OffsetSpec.latest());
        } else if (cl.get("--to-offset") != null) {
            long offset = Long.parseLong(cl.get("--to-offset"));
            target = new HashMap<>();
            for (TopicPartition tp : tps) target.put(tp, offset);
        } else if (cl.get("--to-datetime") != null) {
            long ts = Instant.parse(cl.get("--to-datetime")).toEpochMilli();
            target = offsets(admin, tps, OffsetSpec.forTimestamp(ts));
            Map<TopicPartition, Long> latest = offsets(admin, tps, OffsetSpec.latest());
            target.replaceAll((tp, o) -> o < 0 ? latest.get(tp) : o);
        } else if (cl.get("--shift-by") != null) {
            long shift = Long.parseLong(cl.get("--shift-by"));
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            target = new HashMap<>();
            for (TopicPartition tp : tps) {
                OffsetAndMetadata c = committed.get(tp);
                if (c != null) target.put(tp, c.offset() + shift);
            }
        } else {
            throw new CommandLine.UsageException("Give one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by");
        }
        Map<TopicPartition, Long> earliest = offsets(admin, target.keySet(), OffsetSpec.earliest());
        Map<TopicPartition, Long> latest = offsets(admin, target.keySet(), OffsetSpec.latest());
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        out.printf("%-30s %-10s %s%n", "TOPIC", "PARTITION", "NEW-OFFSET");
        for (TopicPartition tp : tps) {
            Long o = target.get(tp);
            if (o == null) continue;
            long clamped = Math.max(earliest.get(tp), Math.min(latest.get(tp), o));
            commits.put(tp, new OffsetAndMetadata(clamped));
            out.printf("%-30s %-10d %d%n", tp.topic(), tp.partition(), clamped);
        }
        if (cl.has("--execute")) {
            admin.alterConsumerGroupOffsets(group, commits).all().get();
            out.println("Offsets of group " + group + " were reset.");
        } else {
            out.println("Dry run: add --execute to write these offsets.");
        }
    }
}
