package io.tributary.broker.client;

import io.tributary.broker.testing.TopicReader;
import io.tributary.broker.Broker;
import io.tributary.broker.testing.SuiteTags;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kafka's own {@code kafka-transactions} tool (org.apache.kafka.tools.TransactionsCommand, run as
 * its own process) against a Tributary node: list, describe, describe-producers, and the abort of a
 * hanging transaction, after which {@code read_committed} consumers move past it.
 */
@Tag(SuiteTags.PROCESS)
class TransactionToolsTest {
    @TempDir
    Path dataDir;

    /** Runs kafka-transactions with {@code args}; returns its output, failing on a non-zero exit. */
    private static String kafkaTransactions(String bootstrap, String... args) throws IOException, InterruptedException {
        return KafkaToolProcess.runOk("kafka-transactions", "org.apache.kafka.tools.TransactionsCommand", bootstrap, 60, args);
    }

    @Test
    void kafkaTransactionsListsDescribesAndAbortsAHangingTransaction() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, Map.of("transaction.state.log.num.partitions", "4",
                "offsets.topic.num.partitions", "4"))) {
            String bootstrap = broker.bootstrapServers();
            TransactionsTest.createTopic(bootstrap, "tools", 1);
            try (KafkaProducer<String, String> done = TransactionsTest.transactionalProducer(bootstrap, "done-tx", Map.of());
                 KafkaProducer<String, String> hanging = TransactionsTest.transactionalProducer(bootstrap, "hanging-tx", Map.of())) {
                hanging.initTransactions();
                hanging.beginTransaction();
                hanging.send(new ProducerRecord<>("tools", "k", "hanging")); // offset 0, never ended
                hanging.flush();
                done.initTransactions();
                done.beginTransaction();
                done.send(new ProducerRecord<>("tools", "k", "done"));        // offset 1
                done.commitTransaction();

                String list = kafkaTransactions(bootstrap, "list");
                assertTrue(list.matches("(?s).*hanging-tx\\s+0\\s+\\d+\\s+Ongoing.*"), list);
                assertTrue(list.matches("(?s).*done-tx\\s+0\\s+\\d+\\s+CompleteCommit.*"), list);

                String describe = kafkaTransactions(bootstrap, "describe", "--transactional-id", "hanging-tx");
                assertTrue(describe.contains("Ongoing") && describe.contains("tools-0"), describe);

                String producers = kafkaTransactions(bootstrap, "describe-producers", "--topic", "tools", "--partition", "0");
                assertTrue(producers.lines().anyMatch(l -> l.matches("\\s*\\d+\\s+0\\s+.*\\s0\\s*")), producers);

                TopicPartition tp = new TopicPartition("tools", 0);
                assertEquals(List.of(), TopicReader.values(bootstrap, "tools", 1, "read_committed"),
                        "the hanging transaction holds read_committed consumers at offset 0");
                kafkaTransactions(bootstrap, "abort", "--topic", "tools", "--partition", "0", "--start-offset", "0");
                assertEquals(List.of("done"), TopicReader.values(bootstrap, "tools", 1, "read_committed"),
                        "after the abort, read_committed consumers read on: " + tp);
            }
        }
    }
}
