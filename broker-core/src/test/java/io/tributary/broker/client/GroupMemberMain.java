package io.tributary.broker.client;

import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * A consumer-group member in its own JVM, so that a test can kill it the way an operating system
 * would and watch the group recover. It subscribes to one topic and reports on stdout, one line
 * each, what its rebalance listener hears and every record it hands to the application:
 *
 * <pre>
 * ASSIGNED 0,3        partitions added to its assignment
 * REVOKED 0,3         partitions taken away
 * LOST 0,3            partitions lost without a chance to revoke them
 * CONSUMED 3 1234     partition and offset of a consumed record
 * COMMITTED           everything reported so far is committed
 * </pre>
 *
 * <p>Output is flushed before every {@code commitSync} and inside every listener callback, so the
 * parent has seen every record whose offset was committed and every change of ownership before
 * the coordinator can act on it. The process exits when its stdin closes, so it does not outlive
 * a test JVM that died.
 *
 * <p>Usage: {@code GroupMemberMain <bootstrap> <group> <topic> <session.timeout.ms> <heartbeat.interval.ms>}
 */
public final class GroupMemberMain {
    private GroupMemberMain() {
    }

    public static void main(String[] args) {
        if (args.length != 5) {
            System.err.println("usage: GroupMemberMain <bootstrap> <group> <topic> <session.timeout.ms> <heartbeat.interval.ms>");
            System.exit(2);
        }
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
                false, StandardCharsets.UTF_8);
        Thread watchdog = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the parent never writes; end of input means it is gone
                }
            } catch (IOException e) {
                // treated as end of input
            }
            Runtime.getRuntime().halt(3);
        }, "stdin-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();

        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, args[1]);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "member-process-" + ProcessHandle.current().pid());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, args[3]);
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, args[4]);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(args[2]), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    report(out, "REVOKED", partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    report(out, "ASSIGNED", partitions);
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    report(out, "LOST", partitions);
                }
            });
            while (true) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                if (records.isEmpty()) continue;
                for (ConsumerRecord<String, String> r : records) out.println("CONSUMED " + r.partition() + " " + r.offset());
                out.flush();
                try {
                    consumer.commitSync();
                    out.println("COMMITTED");
                    out.flush();
                } catch (CommitFailedException | RebalanceInProgressException e) {
                    // at-least-once: the new owner consumes these records again
                }
            }
        }
    }

    private static void report(PrintStream out, String what, Collection<TopicPartition> partitions) {
        out.println(what + " " + partitions.stream().map(tp -> Integer.toString(tp.partition())).collect(Collectors.joining(",")));
        out.flush();
    }
}
