package io.tributary.broker.client;

import io.tributary.broker.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One admin request must not be able to take a node down: CreateTopics and CreatePartitions are
 * bounded per request ({@code max.partitions.per.request}, Kafka's 10,000) and per broker
 * ({@code max.broker.partitions}), refused with {@code POLICY_VIOLATION} before anything is opened
 * or stored; and a change whose logs cannot all be opened is not stored, so the node restarts on
 * its data directory. Driven through the Kafka Admin client.
 */
class PartitionLimitsTest {
    @TempDir
    Path dataDir;

    private static final Map<String, String> SMALL = Map.of("offsets.topic.num.partitions", "1");

    @Test
    void requestsForTensOfThousandsOfPartitionsAreRefusedAndTheNodeStillRestarts() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, SMALL); Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic("grown", 1, (short) 1))).all().get();

            PolicyViolationException grow = policyViolation(admin.createPartitions(
                    Map.of("grown", NewPartitions.increaseTo(65_284))).all());
            assertTrue(grow.getMessage().startsWith("Excessively large number of additional partitions per request"),
                    grow.getMessage());
            PolicyViolationException create = policyViolation(admin.createTopics(
                    List.of(new NewTopic("huge", 100_000, (short) 1))).all());
            assertTrue(create.getMessage().startsWith("Excessively large number of partitions per request"),
                    create.getMessage());

            assertEquals(1, describe(admin, "grown").partitions().size());
            assertEquals(Set.of("grown"), admin.listTopics().names().get());
            assertFalse(Files.exists(dataDir.resolve("grown-1")), "no log was opened for the refused partitions");
        }
        try (Broker restarted = TestBroker.start(dataDir, SMALL); Admin admin = admin(restarted)) {
            assertEquals(1, describe(admin, "grown").partitions().size());
        }
    }

    @Test
    void thePerRequestLimitCountsThePartitionsOfEveryTopicInTheRequest() throws Exception {
        Map<String, String> props = Map.of("offsets.topic.num.partitions", "1", "max.partitions.per.request", "5");
        try (Broker broker = TestBroker.start(dataDir, props); Admin admin = admin(broker)) {
            var tooMany = admin.createTopics(List.of(new NewTopic("a", 3, (short) 1), new NewTopic("b", 3, (short) 1)));
            policyViolation(tooMany.values().get("a"));
            policyViolation(tooMany.values().get("b"));
            assertEquals(Set.of(), admin.listTopics().names().get(), "neither topic of the refused request exists");

            admin.createTopics(List.of(new NewTopic("a", 3, (short) 1), new NewTopic("b", 2, (short) 1))).all().get();

            var growTooMuch = admin.createPartitions(Map.of("a", NewPartitions.increaseTo(6), "b", NewPartitions.increaseTo(6)));
            policyViolation(growTooMuch.values().get("a"));
            policyViolation(growTooMuch.values().get("b"));
            assertEquals(3, describe(admin, "a").partitions().size());
            assertEquals(2, describe(admin, "b").partitions().size());

            admin.createPartitions(Map.of("a", NewPartitions.increaseTo(5), "b", NewPartitions.increaseTo(5))).all().get();
            assertEquals(5, describe(admin, "a").partitions().size());
            assertEquals(5, describe(admin, "b").partitions().size());
        }
    }

    @Test
    void thePerBrokerLimitCountsEveryPartitionTheBrokerHolds() throws Exception {
        Map<String, String> props = Map.of("offsets.topic.num.partitions", "1", "max.broker.partitions", "10");
        try (Broker broker = TestBroker.start(dataDir, props); Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic("a", 6, (short) 1))).all().get();

            PolicyViolationException e = policyViolation(admin.createTopics(List.of(new NewTopic("b", 5, (short) 1))).all());
            assertTrue(e.getMessage().contains("max.broker.partitions (10)"), e.getMessage());
            policyViolation(admin.createPartitions(Map.of("a", NewPartitions.increaseTo(11))).all());
            assertEquals(Set.of("a"), admin.listTopics().names().get());
            assertEquals(6, describe(admin, "a").partitions().size());
            assertFalse(Files.exists(dataDir.resolve("b-0")));
            assertFalse(Files.exists(dataDir.resolve("a-6")));

            admin.createPartitions(Map.of("a", NewPartitions.increaseTo(10))).all().get();
            assertEquals(10, describe(admin, "a").partitions().size());
            policyViolation(admin.createTopics(List.of(new NewTopic("c", 1, (short) 1))).all());
        }
    }

    @Test
    void aTopicWhoseLogsCannotAllBeOpenedIsNotStored() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, SMALL); Admin admin = admin(broker)) {
            // A file where partition 2's directory would go: its log cannot be opened.
            Files.writeString(dataDir.resolve("blocked-2"), "not a directory");
            Throwable e = assertThrows(ExecutionException.class,
                    () -> admin.createTopics(List.of(new NewTopic("blocked", 4, (short) 1))).all().get()).getCause();
            assertInstanceOf(KafkaStorageException.class, e);
            assertEquals(Set.of(), admin.listTopics().names().get());
            assertFalse(Files.exists(dataDir.resolve("blocked-0")), "the logs opened before the failure are removed");

            admin.createTopics(List.of(new NewTopic("grown", 1, (short) 1))).all().get();
            Files.writeString(dataDir.resolve("grown-2"), "not a directory");
            e = assertThrows(ExecutionException.class,
                    () -> admin.createPartitions(Map.of("grown", NewPartitions.increaseTo(4))).all().get()).getCause();
            assertInstanceOf(KafkaStorageException.class, e);
            assertEquals(1, describe(admin, "grown").partitions().size());
            assertFalse(Files.exists(dataDir.resolve("grown-1")));
        }
        // The store names only what could be opened: the node starts on its directory.
        try (Broker restarted = TestBroker.start(dataDir, SMALL); Admin admin = admin(restarted)) {
            assertEquals(Set.of("grown"), admin.listTopics().names().get());
            assertEquals(1, describe(admin, "grown").partitions().size());
            Files.delete(dataDir.resolve("grown-2"));
            admin.createPartitions(Map.of("grown", NewPartitions.increaseTo(4))).all().get();
            assertEquals(4, describe(admin, "grown").partitions().size());
        }
    }

    private static PolicyViolationException policyViolation(KafkaFuture<?> future) {
        Throwable cause = assertThrows(ExecutionException.class, future::get).getCause();
        return assertInstanceOf(PolicyViolationException.class, cause);
    }

    private static TopicDescription describe(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
    }

    private static Admin admin(Broker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }
}
