package io.tributary.broker.cluster;

import io.tributary.broker.testing.SuiteTags;
import io.tributary.broker.testing.TopicReader;
import io.tributary.broker.txn.TransactionStateStore;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transactions under node crashes in a three-node cluster: while a producer runs transactions
 * (two committed, one aborted, in turn) over partitions led by every node, the node coordinating
 * its transactional id and then the leaders of data partitions are halted (no flush, no handover)
 * and restarted. Afterwards: no transaction is left open, {@code read_committed} consumers see every
 * record of every acknowledged commit exactly once, nothing of an aborted transaction, and of a
 * transaction whose outcome the producer could not learn either all records or none.
 */
@Tag(SuiteTags.PROCESS)
@Tag(SuiteTags.CRASH)
class ClusterTransactionFaultTest {
    private static final String TOPIC = "transfers";
    private static final String TXN_ID = "transfer-writer";
    private static final int STATE_PARTITIONS = 3;
    private static final int PARTITIONS = 3;
    private static final int PER_TXN = 12;

    @TempDir
    Path dir;

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, TXN_ID);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    /** What the producer learnt of each transaction. */
    private enum Outcome { COMMITTED, ABORTED, UNKNOWN }

    @Test
    @Timeout(420)
    void crashesOfTheCoordinatorAndOfLeadersKeepTransactionsAtomic() throws Exception {
        Map<String, String> extra = Map.of("transaction.state.log.num.partitions", String.valueOf(STATE_PARTITIONS),
                "transaction.state.log.replication.factor", "3", "transaction.state.log.min.isr", "2",
                "transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
        try (ClusterHarness cluster = new ClusterHarness(dir, 3, extra)) {
            cluster.startAll();
            String bootstrap = cluster.bootstrap();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get();
                cluster.awaitFullIsr(TOPIC);
            }
            Map<Integer, Outcome> outcomes = new HashMap<>();
            AtomicBoolean stop = new AtomicBoolean();
            List<Throwable> producerErrors = new ArrayList<>();
            Thread writer = new Thread(() -> {
                KafkaProducer<String, String> producer = producer(bootstrap);
                try {
                    producer.initTransactions();
                    for (int t = 0; !stop.get(); t++) {
                        boolean abort = t % 3 == 2;
                        synchronized (outcomes) {
                            outcomes.put(t, Outcome.UNKNOWN);
                        }
                        try {
                            producer.beginTransaction();
                            for (int i = 0; i < PER_TXN; i++) {
                                producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, "t" + t, t + "-" + i));
                            }
                            producer.flush();
                            if (abort) producer.abortTransaction();
                            else producer.commitTransaction();
                            synchronized (outcomes) {
                                outcomes.put(t, abort ? Outcome.ABORTED : Outcome.COMMITTED);
                            }
                        } catch (ProducerFencedException fatal) {
                            throw fatal;
                        } catch (KafkaException e) {
                            // The outcome stays unknown; a new instance fences and aborts whatever is open.
                            producer.close(Duration.ofSeconds(5));
                            producer = producer(bootstrap);
                            producer.initTransactions();
                        }
                    }
                } catch (Throwable e) {
                    synchronized (producerErrors) {
                        producerErrors.add(e);
                    }
                } finally {
                    producer.close(Duration.ofSeconds(10));
                }
            }, "transactional-writer");
            writer.start();

            TopicPartition statePartition = new TopicPartition(TransactionStateStore.TOPIC,
                    Utils.abs(TXN_ID.hashCode()) % STATE_PARTITIONS);
            awaitCommits(outcomes, 3);
            crash(cluster, cluster.leaderOf(statePartition));                 // the coordinator
            awaitCommits(outcomes, committed(outcomes) + 3);
            crash(cluster, cluster.leaderOf(new TopicPartition(TOPIC, 0)));  // a data leader
            awaitCommits(outcomes, committed(outcomes) + 3);
            crash(cluster, cluster.leaderOf(new TopicPartition(TOPIC, 1)));
            awaitCommits(outcomes, committed(outcomes) + 3);
            stop.set(true);
            writer.join(120_000);
            assertTrue(producerErrors.isEmpty(), "producer failed: " + producerErrors);
            cluster.awaitFullIsr(TOPIC);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                io.tributary.broker.testing.Poll.until("no transaction left open", Duration.ofSeconds(60), () -> {
                    for (TransactionListing l : admin.listTransactions().all().get()) {
                        String state = l.state().toString();
                        if (state.equals("ONGOING") || state.startsWith("PREPARE")) return false;
                    }
                    return true;
                });
            }

            Map<Integer, Integer> seen = new HashMap<>();
            Set<String> values = new HashSet<>();
            for (String v : TopicReader.values(bootstrap, TOPIC, PARTITIONS, "read_committed")) {
                assertTrue(values.add(v), "record seen twice: " + v);
                seen.merge(Integer.parseInt(v.substring(0, v.indexOf('-'))), 1, Integer::sum);
            }
            int committed = 0;
            for (Map.Entry<Integer, Outcome> e : outcomes.entrySet()) {
                int count = seen.getOrDefault(e.getKey(), 0);
                switch (e.getValue()) {
                    case COMMITTED -> {
                        assertEquals(PER_TXN, count, "committed transaction " + e.getKey());
                        committed++;
                    }
                    case ABORTED -> assertEquals(0, count, "aborted transaction " + e.getKey());
                    case UNKNOWN -> assertTrue(count == 0 || count == PER_TXN,
                            "transaction " + e.getKey() + " is partly visible: " + count);
                }
            }
            assertTrue(committed >= 12, "committed transactions: " + committed);
        }
    }

    private static int committed(Map<Integer, Outcome> outcomes) {
        synchronized (outcomes) {
            return (int) outcomes.values().stream().filter(o -> o == Outcome.COMMITTED).count();
        }
    }

    private static void awaitCommits(Map<Integer, Outcome> outcomes, int atLeast) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (committed(outcomes) < atLeast) {
            if (System.currentTimeMillis() > deadline) throw new AssertionError("only " + committed(outcomes) + " commits");
            Thread.sleep(100);
        }
    }

    /** Halts node {@code id} as a crash would, then starts it again on its data directory. */
    private static void crash(ClusterHarness cluster, int id) throws Exception {
        cluster.node(id).halt();
        cluster.forget(id);
        Thread.sleep(1000);
        cluster.start(id);
    }
}
