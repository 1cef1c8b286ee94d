package io.tributary.broker.cluster;

import io.tributary.broker.Broker;
import io.tributary.broker.testing.SuiteTags;
import io.tributary.broker.testing.TopicReader;
import io.tributary.broker.txn.TransactionStateStore;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transactions in a three-node cluster: markers written to partitions led by other nodes
 * (WriteTxnMarkers between brokers), and the node coordinating a transactional id stopped while its
 * transaction is open: the next leader of the id's {@code __transaction_state} partition loads the
 * transaction and the producer commits it there. Afterwards no transaction hangs and
 * {@code read_committed} consumers see every committed record once and no aborted one.
 */
@Tag(SuiteTags.PROCESS)
class ClusterTransactionsTest {
    private static final String TOPIC = "ledger";
    private static final String TXN_ID = "ledger-writer";
    private static final int STATE_PARTITIONS = 3;

    @TempDir
    Path dir;

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, TXN_ID);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 120_000);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    @Test
    @Timeout(300)
    void transactionsCommitAcrossNodesAndSurviveTheLossOfTheirCoordinator() throws Exception {
        Map<String, String> extra = Map.of("transaction.state.log.num.partitions", String.valueOf(STATE_PARTITIONS),
                "transaction.state.log.replication.factor", "3", "transaction.state.log.min.isr", "2");
        try (ClusterHarness cluster = new ClusterHarness(dir, 3, extra)) {
            cluster.startAll();
            String bootstrap = cluster.bootstrap();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 3, (short) 3)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get();
                cluster.awaitFullIsr(TOPIC);
                Set<String> expected = new HashSet<>();
                try (KafkaProducer<String, String> producer = producer(bootstrap)) {
                    producer.initTransactions();
                    cluster.awaitFullIsr(TransactionStateStore.TOPIC);
                    // Committed and aborted transactions spanning partitions led by all three nodes.
                    for (int t = 0; t < 6; t++) {
                        producer.beginTransaction();
                        for (int i = 0; i < 30; i++) {
                            String v = "t" + t + "-" + i;
                            producer.send(new ProducerRecord<>(TOPIC, i % 3, "k", v));
                            if (t % 3 != 2) expected.add(v);
                        }
                        producer.flush();
                        if (t % 3 == 2) producer.abortTransaction();
                        else producer.commitTransaction();
                    }
                    assertEquals(expected, new HashSet<>(TopicReader.values(bootstrap, TOPIC, 3, "read_committed")));

                    // An open transaction, then the coordinator's node stops.
                    producer.beginTransaction();
                    for (int i = 0; i < 30; i++) {
                        String v = "survivor-" + i;
                        producer.send(new ProducerRecord<>(TOPIC, i % 3, "k", v));
                        expected.add(v);
                    }
                    producer.flush();
                    TopicPartition statePartition = new TopicPartition(TransactionStateStore.TOPIC,
                            Utils.abs(TXN_ID.hashCode()) % STATE_PARTITIONS);
                    int coordinator = cluster.leaderOf(statePartition);
                    TransactionDescription before = admin.describeTransactions(List.of(TXN_ID)).description(TXN_ID).get();
                    assertEquals(coordinator, before.coordinatorId());
                    cluster.stop(coordinator);
                    producer.commitTransaction(); // finds the new coordinator, which loaded the open transaction
                    int next = cluster.leaderOf(statePartition);
                    assertTrue(next != coordinator, "the state partition moved");
                }
                List<String> seen = TopicReader.values(bootstrap, TOPIC, 3, "read_committed");
                assertEquals(expected.size(), seen.size(), "every committed record once: " + seen.size());
                assertEquals(expected, new HashSet<>(seen));
                TransactionDescription after = admin.describeTransactions(List.of(TXN_ID)).description(TXN_ID).get();
                assertEquals("CompleteCommit", after.state().toString().equals("COMPLETE_COMMIT")
                        ? "CompleteCommit" : after.state().toString(), "no hanging transaction");
                assertTrue(admin.listTransactions().all().get().stream()
                        .noneMatch(l -> l.state().toString().equals("ONGOING")), "nothing left open");
            }
            for (int id = 1; id <= 3; id++) {
                Broker b = cluster.running(id) ? cluster.node(id) : null;
                if (b != null) assertTrue(b.logs().get(new TopicPartition(TOPIC, 0)).isPresent());
            }
        }
    }
}
