package io.tributary.broker.cli;

import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.common.TopicPartition;

import java.io.PrintStream;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code transactions}: list transactional ids and their state, describe one transaction, show
 * the producers of a partition with their open transactions, and abort a hanging transaction
 * (what Kafka's {@code kafka-transactions.sh} does, with the same Admin API calls).
 */
final class TransactionsCommand {
    static final String HELP = """
            Usage: java -jar tributary-broker.jar transactions [--bootstrap-server HOST:PORT] ACTION [options]

            Actions:
              --list                                   transactional ids, producer ids and states
              --describe --transactional-id ID         state, producer, timeout, start time and partitions
              --describe-producers --topic T --partition P
                                                       the partition's producers and their open transactions
              --abort --topic T --partition P --start-offset N
                                                       abort the open transaction that started at offset N
                                                       (a hanging transaction whose producer is gone)

            --bootstrap-server defaults to 127.0.0.1:9092.""";

    private TransactionsCommand() {
    }

    static int run(String[] args, int from, PrintStream out) throws Exception {
        CommandLine cl = new CommandLine(args, from,
                Set.of("--bootstrap-server", "--transactional-id", "--topic", "--partition", "--start-offset"),
                Set.of("--list", "--describe", "--describe-producers", "--abort", "--help"));
        if (cl.has("--help")) {
            out.println(HELP);
            return 0;
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                Optional.ofNullable(cl.get("--bootstrap-server")).orElse("127.0.0.1:9092")))) {
            if (cl.has("--list")) {
                out.printf("%-40s %-20s %s%n", "TRANSACTIONAL ID", "PRODUCER ID", "STATE");
                admin.listTransactions().all().get().stream()
                        .sorted(Comparator.comparing(TransactionListing::transactionalId))
                        .forEach(l -> out.printf("%-40s %-20d %s%n", l.transactionalId(), l.producerId(), l.state()));
            } else if (cl.has("--describe")) {
                String id = cl.require("--transactional-id");
                TransactionDescription d = admin.describeTransactions(List.of(id)).description(id).get();
                out.println("Transactional id: " + id);
                out.println("Coordinator:      " + d.coordinatorId());
                out.println("State:            " + d.state());
                out.println("Producer:         " + d.producerId() + " epoch " + d.producerEpoch());
                out.println("Timeout:          " + d.transactionTimeoutMs() + " ms");
                out.println("Started:          " + d.transactionStartTimeMs().stream()
                        .mapToObj(ms -> Instant.ofEpochMilli(ms).toString()).findFirst().orElse("-"));
                out.println("Partitions:       " + d.topicPartitions().stream().map(TopicPartition::toString).sorted().toList());
            } else if (cl.has("--describe-producers")) {
                TopicPartition tp = partition(cl);
                out.printf("%-20s %-8s %-18s %-14s %-26s %s%n", "PRODUCER ID", "EPOCH", "COORDINATOR EPOCH",
                        "LAST SEQUENCE", "LAST WRITE", "OPEN TRANSACTION FROM");
                for (ProducerState p : admin.describeProducers(List.of(tp)).partitionResult(tp).get().activeProducers()) {
                    out.printf("%-20d %-8d %-18s %-14d %-26s %s%n", p.producerId(), p.producerEpoch(),
                            p.coordinatorEpoch().stream().mapToObj(Integer::toString).findFirst().orElse("-"),
                            p.lastSequence(), Instant.ofEpochMilli(p.lastTimestamp()),
                            p.currentTransactionStartOffset().stream().mapToObj(Long::toString).findFirst().orElse("-"));
                }
            } else if (cl.has("--abort")) {
                TopicPartition tp = partition(cl);
                long start = Long.parseLong(cl.require("--start-offset"));
                ProducerState p = admin.describeProducers(List.of(tp)).partitionResult(tp).get().activeProducers().stream()
                        .filter(s -> s.currentTransactionStartOffset().isPresent()
                                && s.currentTransactionStartOffset().getAsLong() == start)
                        .findFirst().orElseThrow(() -> new CommandLine.UsageException(
                                "No open transaction of " + tp + " starts at offset " + start));
                admin.abortTransaction(new AbortTransactionSpec(tp, p.producerId(), (short) p.producerEpoch(),
                        p.coordinatorEpoch().orElse(0))).all().get();
                out.println("Aborted the transaction of producer " + p.producerId() + " on " + tp + " (from offset " + start + ").");
            } else {
                throw new CommandLine.UsageException("Give one of --list, --describe, --describe-producers, --abort");
            }
        }
        return 0;
    }

    private static TopicPartition partition(CommandLine cl) {
        return new TopicPartition(cl.require("--topic"), Integer.parseInt(cl.require("--partition")));
    }
}
