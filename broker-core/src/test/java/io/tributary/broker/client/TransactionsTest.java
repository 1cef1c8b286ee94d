package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.testing.TopicReader;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kafka transactions against a Tributary node with the real Java client: what a
 * {@code read_committed} and a {@code read_uncommitted} consumer see of committed and aborted
 * transactions, consume-transform-produce with {@code sendOffsetsToTransaction}, fencing of a
 * zombie producer, the abort of a transaction that outlives its timeout, and a broker restart in
 * the middle of open transactions.
 */
class TransactionsTest {
    private static final Map<String, String> BROKER = Map.of(
            "transaction.state.log.num.partitions", "4",
            "offsets.topic.num.partitions", "4",
            "group.initial.rebalance.delay.ms", "0",
            "transaction.abort.timed.out.transaction.cleanup.interval.ms", "200");

    @TempDir
    Path dataDir;

    static KafkaProducer<String, String> transactionalProducer(String bootstrap, String transactionalId,
                                                               Map<String, Object> extra) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.putAll(extra);
        return new KafkaProducer<>(p);
    }

    static KafkaConsumer<String, String> consumer(String bootstrap, String group, String isolation) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        if (group != null) c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        return new KafkaConsumer<>(c);
    }

    static void createTopic(String bootstrap, String topic, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        }
    }

    @Test
    void readCommittedSeesExactlyTheCommittedRecordsAndReadUncommittedSeesAll() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, BROKER)) {
            String bootstrap = broker.bootstrapServers();
            createTopic(bootstrap, "orders", 2);
            try (KafkaProducer<String, String> producer = transactionalProducer(bootstrap, "orders-tx", Map.of())) {
                producer.initTransactions();
                producer.beginTransaction();
                for (int i = 0; i < 10; i++) producer.send(new ProducerRecord<>("orders", "k" + i, "committed-1-" + i));
                producer.commitTransaction();

                producer.beginTransaction();
                for (int i = 0; i < 10; i++) producer.send(new ProducerRecord<>("orders", "k" + i, "aborted-" + i));
                producer.flush(); // the aborted records reach the log before the abort
                assertEquals(10, TopicReader.values(bootstrap, "orders", 2, "read_uncommitted").stream()
                        .filter(v -> v.startsWith("aborted")).count(), "the aborted records are in the log");
                producer.abortTransaction();

                producer.beginTransaction();
                for (int i = 0; i < 10; i++) producer.send(new ProducerRecord<>("orders", "k" + i, "committed-2-" + i));
                producer.commitTransaction();
            }
            List<String> committed = TopicReader.values(bootstrap, "orders", 2, "read_committed");
            assertEquals(20, committed.size(), "read_committed: " + committed);
            assertTrue(committed.stream().allMatch(v -> v.startsWith("committed")), "read_committed: " + committed);
            List<String> all = TopicReader.values(bootstrap, "orders", 2, "read_uncommitted");
            assertEquals(30, all.size(), "read_uncommitted: " + all);
        }
    }

    @Test
    void readCommittedWaitsForAnOpenTransaction() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, BROKER)) {
            String bootstrap = broker.bootstrapServers();
            createTopic(bootstrap, "pending", 1);
            TopicPartition tp = new TopicPartition("pending", 0);
            try (KafkaProducer<String, String> producer = transactionalProducer(bootstrap, "pending-tx", Map.of());
                 KafkaConsumer<String, String> committed = consumer(bootstrap, null, "read_committed")) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("pending", "k", "open"));
                producer.flush();
                committed.assign(List.of(tp));
                assertEquals(0L, committed.endOffsets(List.of(tp)).get(tp), "the last stable offset stops at the open transaction");
                assertTrue(committed.poll(Duration.ofMillis(500)).isEmpty());
                producer.commitTransaction();
                assertEquals(2L, committed.endOffsets(List.of(tp)).get(tp), "one record and the commit marker");
                List<String> seen = new ArrayList<>();
                long deadline = System.currentTimeMillis() + 10_000;
                while (seen.isEmpty() && System.currentTimeMillis() < deadline) {
                    committed.poll(Duration.ofMillis(200)).forEach(r -> seen.add(r.value()));
                }
                assertEquals(List.of("open"), seen);
            }
        }
    }

    @Test
    void consumeTransformProduceCommitsOffsetsWithTheOutput() throws Exception {
        int records = 500;
        try (Broker broker = TestBroker.start(dataDir, BROKER)) {
            String bootstrap = broker.bootstrapServers();
            createTopic(bootstrap, "in", 2);
            createTopic(bootstrap, "out", 2);
            try (KafkaProducer<String, String> plain = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < records; i++) plain.send(new ProducerRecord<>("in", "k" + i, Integer.toString(i)));
            }
            try (KafkaProducer<String, String> producer = transactionalProducer(bootstrap, "ctp", Map.of());
                 KafkaConsumer<String, String> in = consumer(bootstrap, "ctp-group", "read_committed")) {
                producer.initTransactions();
                in.subscribe(List.of("in"));
                int processed = 0;
                boolean abortedOnce = false;
                long deadline = System.currentTimeMillis() + 60_000;
                while (processed < records && System.currentTimeMillis() < deadline) {
                    ConsumerRecords<String, String> batch = in.poll(Duration.ofMillis(200));
                    if (batch.isEmpty()) continue;
                    producer.beginTransaction();
                    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                    for (ConsumerRecord<String, String> r : batch) {
                        producer.send(new ProducerRecord<>("out", r.key(), "x" + r.value()));
                        offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                    }
                    producer.sendOffsetsToTransaction(offsets, in.groupMetadata());
                    if (!abortedOnce) {
                        // The first batch is aborted after its output reached the log; it is processed again.
                        producer.flush();
                        producer.abortTransaction();
                        abortedOnce = true;
                        for (TopicPartition tp : batch.partitions()) {
                            OffsetAndMetadata committed = in.committed(Set.of(tp)).get(tp);
                            in.seek(tp, committed == null ? 0 : committed.offset());
                        }
                        continue;
                    }
                    producer.commitTransaction();
                    processed += batch.count();
                }
                assertEquals(records, processed);
            }
            List<String> out = TopicReader.values(bootstrap, "out", 2, "read_committed");
            assertEquals(records, out.size(), "each input record once in the output");
            assertEquals(records, out.stream().distinct().count());
            assertTrue(TopicReader.values(bootstrap, "out", 2, "read_uncommitted").size() > records, "the aborted output is in the log");
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets("ctp-group").partitionsToOffsetAndMetadata().get();
                long sum = committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
                assertEquals(records, sum, "the group's offsets committed with the transactions: " + committed);
            }
        }
    }

    @Test
    void transactionalOffsetsBecomeTheGroupsOnlyWhenTheTransactionCommits() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, BROKER);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            String bootstrap = broker.bootstrapServers();
            createTopic(bootstrap, "source", 1);
            TopicPartition tp = new TopicPartition("source", 0);
            try (KafkaProducer<String, String> producer = transactionalProducer(bootstrap, "offsets-tx", Map.of());
                 KafkaConsumer<String, String> stable = consumer(bootstrap, "offsets-group", "read_committed")) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(42)),
                        new org.apache.kafka.clients.consumer.ConsumerGroupMetadata("offsets-group"));
                assertTrue(admin.listConsumerGroupOffsets("offsets-group").partitionsToOffsetAndMetadata().get()
                        .isEmpty(), "pending until the transaction ends");
                producer.abortTransaction();
                assertTrue(admin.listConsumerGroupOffsets("offsets-group").partitionsToOffsetAndMetadata().get()
                        .isEmpty(), "an aborted transaction's offsets are dropped");

                producer.beginTransaction();
                producer.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(7)),
                        new org.apache.kafka.clients.consumer.ConsumerGroupMetadata("offsets-group"));
                producer.commitTransaction();
                assertEquals(7, admin.listConsumerGroupOffsets("offsets-group").partitionsToOffsetAndMetadata().get()
                        .get(tp).offset());
                assertEquals(7, stable.committed(Set.of(tp)).get(tp).offset(), "a read_committed consumer's view");
            }
        }
    }

    @Test
    void aNewInstanceFencesTheZombieAndAbortsItsTransaction() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, BROKER)) {
            String bootstrap = broker.bootstrapServers();
            createTopic(bootstrap, "fenced", 1);
            try (KafkaProducer<String, String> zombie = transactionalProducer(bootstrap, "app-1", Map.of());
                 KafkaProducer<String, String> successor = transactionalProducer(bootstrap, "app-1", Map.of())) {
                zombie.initTransactions();
                zombie.beginTransaction();
                zombie.send(new ProducerRecord<>("fenced", "k", "zombie"));
                zombie.flush();

                successor.initTransactions(); // aborts the zombie's transaction and bumps the epoch
                successor.beginTransaction();
                successor.send(new ProducerRecord<>("fenced", "k", "successor"));
                successor.commitTransaction();

                // The zombie's next write is refused at the partition (its epoch is stale), its commit at the coordinator.
                java.util.concurrent.ExecutionException write = assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> zombie.send(new ProducerRecord<>("fenced", "k", "zombie-2")).get());
                assertTrue(write.getCause() instanceof org.apache.kafka.common.errors.InvalidProducerEpochException
                        || write.getCause() instanceof ProducerFencedException, write.getCause().toString());
                assertThrows(KafkaException.class, zombie::commitTransaction);
            }
            assertEquals(List.of("successor"), TopicReader.values(bootstrap, "fenced", 1, "read_committed"));
        }
    }

    @Test
    void aTransactionThatOutlivesItsTimeoutIsAborted() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, BROKER)) {
            String bootstrap = broker.bootstrapServers();
            createTopic(bootstrap, "slow", 1);
            try (KafkaProducer<String, String> slow = transactionalProducer(bootstrap, "slow-tx",
                    Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 1000));
                 KafkaProducer<String, String> other = transactionalProducer(bootstrap, "other-tx", Map.of())) {
                slow.initTransactions();
                slow.beginTransaction();
                slow.send(new ProducerRecord<>("slow", "k", "late"));
                slow.flush();
                Thread.sleep(2500); // the coordinator aborts it after 1 s
                assertThrows(KafkaException.class, slow::commitTransaction);

                other.initTransactions();
                other.beginTransaction();
                other.send(new ProducerRecord<>("slow", "k", "on-time"));
                other.commitTransaction();
            }
            assertEquals(List.of("on-time"), TopicReader.values(bootstrap, "slow", 1, "read_committed"),
                    "the timed-out transaction is aborted and does not block read_committed consumers");
        }
    }

    @Test
    void anIdleTransactionalIdExpires() throws Exception {
        Map<String, String> props = new HashMap<>(BROKER);
        props.put("transactional.id.expiration.ms", "1000");
        props.put("transaction.remove.expired.transaction.cleanup.interval.ms", "200");
        try (Broker broker = TestBroker.start(dataDir, props);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            String bootstrap = broker.bootstrapServers();
            createTopic(bootstrap, "expiring", 1);
            try (KafkaProducer<String, String> producer = transactionalProducer(bootstrap, "short-lived", Map.of())) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("expiring", "k", "v"));
                producer.commitTransaction();
            }
            assertEquals(1, admin.listTransactions().all().get().size());
            io.tributary.broker.testing.Poll.until("the idle transactional id expired", Duration.ofSeconds(20),
                    () -> admin.listTransactions().all().get().isEmpty());
            assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> admin.describeTransactions(List.of("short-lived")).description("short-lived").get(),
                    "TRANSACTIONAL_ID_NOT_FOUND");
        }
    }

    @Test
    void openTransactionsSurviveABrokerCrash() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> props = new HashMap<>(BROKER);
        props.put("listeners", "127.0.0.1:" + port);
        Broker broker = TestBroker.start(dataDir, props);
        String bootstrap = broker.bootstrapServers();
        try (KafkaProducer<String, String> committer = transactionalProducer(bootstrap, "survivor",
                Map.of(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000));
             KafkaProducer<String, String> abandoned = transactionalProducer(bootstrap, "abandoned",
                     Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 3000))) {
            createTopic(bootstrap, "crash", 2);
            committer.initTransactions();
            abandoned.initTransactions();
            committer.beginTransaction();
            abandoned.beginTransaction();
            for (int i = 0; i < 20; i++) {
                committer.send(new ProducerRecord<>("crash", "k" + i, "kept-" + i));
                abandoned.send(new ProducerRecord<>("crash", "k" + i, "lost-" + i));
            }
            committer.flush();
            abandoned.flush();

            broker.halt(); // no flush, no clean shutdown: the next start recovers the logs
            broker = TestBroker.start(dataDir, props);

            committer.commitTransaction(); // the coordinator reloaded the open transaction
            // The abandoned producer never ends its transaction; the restarted coordinator aborts it on timeout.
            List<String> seen = List.of();
            long deadline = System.currentTimeMillis() + 20_000;
            while (System.currentTimeMillis() < deadline) {
                seen = TopicReader.values(bootstrap, "crash", 2, "read_committed");
                if (seen.size() >= 20) break;
                Thread.sleep(200);
            }
            assertEquals(20, seen.size(), "read_committed after the crash: " + seen);
            assertTrue(seen.stream().allMatch(v -> v.startsWith("kept")), seen.toString());
        } finally {
            broker.close();
        }
    }
}
