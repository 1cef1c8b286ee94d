package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.BrokerConfig;
import io.tributary.broker.testing.SuiteTags;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.NoOffsetForPartitionException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.GroupSubscribedToTopicException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Consumer groups as users run them, with the official Kafka clients against one Tributary node:
 * members that come, go and die while records keep arriving, static and cooperative members, the
 * admin client's view of groups, offsets and lag, the reset policies, and the retention of the
 * offsets of groups nobody uses any more.
 *
 * <p>Every member runs in its own thread (a {@link KafkaConsumer} is not thread-safe) and reports
 * what its {@link ConsumerRebalanceListener} hears to one {@link Ownership} record, which flags a
 * partition handed to a member while another member still owns it. Members commit synchronously
 * after processing each poll, so the group's guarantee is at-least-once: every offset of every
 * partition is consumed by some member at least once, which {@link Consumed} checks.
 */
@Tag(SuiteTags.PROCESS)
class GroupMembershipTest {
    private static final int PARTITIONS = 6;
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(1);
    private static final Map<String, String> NO_INITIAL_DELAY = Map.of("group.initial.rebalance.delay.ms", "0");

    @TempDir
    Path dataDir;

    /** Failures of background threads (members, producers), reported by the next {@link #waitUntil}. */
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();

    // ---------------------------------------------------------------- membership

    @Test
    @Timeout(120)
    void eachPartitionHasExactlyOneOwnerAndAClosedMembersPartitionsMove() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, NO_INITIAL_DELAY); Admin admin = admin(broker)) {
            String bootstrap = broker.bootstrapServers();
            createTopic(admin, "orders", PARTITIONS);
            Ownership ownership = new Ownership();
            Consumed consumed = new Consumed();
            try (ContinuousProducer producer = new ContinuousProducer(bootstrap, "orders");
                 Member a = new Member(bootstrap, "orders-group", "a", "orders", Map.of(), ownership, consumed);
                 Member b = new Member(bootstrap, "orders-group", "b", "orders", Map.of(), ownership, consumed);
                 Member c = new Member(bootstrap, "orders-group", "c", "orders", Map.of(), ownership, consumed)) {
                waitUntil(Duration.ofSeconds(60), () -> "each partition owned by exactly one of a, b, c, and each has consumed: "
                                + ownership + ", records " + a.records + "/" + b.records + "/" + c.records,
                        () -> ownership.eachPartitionOwnedOnceBy(Set.of("a", "b", "c"), PARTITIONS)
                                && a.records.get() >= 100 && b.records.get() >= 100 && c.records.get() >= 100);

                long closedAt = System.nanoTime();
                c.close();
                waitUntil(SESSION_TIMEOUT, () -> "a and b own all partitions within the session timeout: " + ownership,
                        () -> ownership.eachPartitionOwnedOnceBy(Set.of("a", "b"), PARTITIONS));
                System.out.printf("closed member's partitions moved after %d ms%n",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closedAt));

                long recordsAfterClose = a.records.get() + b.records.get();
                waitUntil(Duration.ofSeconds(30), () -> "a and b consume after the rebalance",
                        () -> a.records.get() + b.records.get() >= recordsAfterClose + 1_000);
                producer.close();
                assertEveryOffsetConsumedAndCommitted(admin, "orders", "orders-group", consumed);
            }
            ownership.assertNoPartitionHadTwoOwners();
        }
    }

    @Test
    @Timeout(120)
    void aKilledMembersPartitionsMoveWithinTheSessionTimeout() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, NO_INITIAL_DELAY); Admin admin = admin(broker)) {
            String bootstrap = broker.bootstrapServers();
            createTopic(admin, "payments", PARTITIONS);
            Ownership ownership = new Ownership();
            Consumed consumed = new Consumed();
            try (ContinuousProducer producer = new ContinuousProducer(bootstrap, "payments");
                 Member a = new Member(bootstrap, "payments-group", "a", "payments", Map.of(), ownership, consumed);
                 Member b = new Member(bootstrap, "payments-group", "b", "payments", Map.of(), ownership, consumed);
                 MemberProcess doomed = MemberProcess.start(bootstrap, "payments-group", "payments", "doomed", ownership, consumed)) {
                waitUntil(Duration.ofSeconds(60), () -> "each partition owned by exactly one of a, b and the process, which committed: "
                                + ownership + "; process output:\n" + doomed.outputTail(),
                        () -> ownership.eachPartitionOwnedOnceBy(Set.of("a", "b", "doomed"), PARTITIONS)
                                && doomed.commits() >= 10 && a.records.get() >= 100 && b.records.get() >= 100);

                long killedAt = System.nanoTime();
                doomed.kill();
                Duration allowed = SESSION_TIMEOUT.plusSeconds(5);
                waitUntil(allowed, () -> "a and b own all partitions within the session timeout (" + SESSION_TIMEOUT.toMillis()
                                + " ms) and a margin: " + ownership,
                        () -> ownership.eachPartitionOwnedOnceBy(Set.of("a", "b"), PARTITIONS));
                System.out.printf("killed member's partitions moved after %d ms (session timeout %d ms)%n",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt), SESSION_TIMEOUT.toMillis());

                long recordsAfterKill = a.records.get() + b.records.get();
                waitUntil(Duration.ofSeconds(30), () -> "a and b consume after the rebalance",
                        () -> a.records.get() + b.records.get() >= recordsAfterKill + 1_000);
                producer.close();
                assertEveryOffsetConsumedAndCommitted(admin, "payments", "payments-group", consumed);
            }
            ownership.assertNoPartitionHadTwoOwners();
        }
    }

    @Test
    @Timeout(90)
    void staticMemberRestartKeepsItsPartitionsWithoutRebalance() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, NO_INITIAL_DELAY); Admin admin = admin(broker)) {
            String bootstrap = broker.bootstrapServers();
            createTopic(admin, "sensors", PARTITIONS);
            Ownership ownership = new Ownership();
            Consumed consumed = new Consumed();
            Member a = staticMember(bootstrap, "a", ownership, consumed);
            Member b = null;
            try {
                Member leader = a;
                waitUntil(Duration.ofSeconds(30), () -> "a owns every partition: " + ownership,
                        () -> leader.owned().size() == PARTITIONS);
                b = staticMember(bootstrap, "b", ownership, consumed);
                Member follower = b;
                waitUntil(Duration.ofSeconds(30), () -> "a and b share the partitions: " + ownership,
                        () -> ownership.eachPartitionOwnedOnceBy(Set.of("a", "b"), PARTITIONS)
                                && leader.generation() == follower.generation() && leader.generation() > 0);
                a = restartWithoutRebalance(admin, bootstrap, a, b, ownership, consumed); // the leader: it joined first
                b = restartWithoutRebalance(admin, bootstrap, b, a, ownership, consumed); // a follower
            } finally {
                a.close();
                if (b != null) b.close();
            }
            ownership.assertNoPartitionHadTwoOwners();
        }
    }

    private Member staticMember(String bootstrap, String name, Ownership ownership, Consumed consumed) {
        return new Member(bootstrap, "sensors-group", name, "sensors",
                Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "sensor-reader-" + name), ownership, consumed);
    }

    /** Closes {@code member} and starts it again with the same instance id; checks that nothing moved. */
    private Member restartWithoutRebalance(Admin admin, String bootstrap, Member member, Member other, Ownership ownership,
                                           Consumed consumed) throws Exception {
        int generation = other.generation();
        int callbacksOfOther = other.history.size();
        member.close();
        Set<TopicPartition> partitions = member.ownedWhenStopped;
        String oldMemberId = member.metadata.memberId();
        assertEquals(PARTITIONS / 2, partitions.size(), member.name + " owned half of the partitions");

        long closedAt = System.nanoTime();
        Member restarted = staticMember(bootstrap, member.name, ownership, consumed);
        try {
            waitUntil(Duration.ofSeconds(20), () -> "the restarted " + member.name + " owns partitions again: " + ownership,
                    () -> !restarted.owned().isEmpty() && restarted.generation() > 0);
            assertTrue(System.nanoTime() - closedAt < SESSION_TIMEOUT.toNanos(),
                    "the restart must complete within the session timeout for this test to mean anything");
            assertEquals(partitions, restarted.owned(), "the restarted static member got its old partitions back");
            assertEquals(generation, restarted.generation(), "it rejoined the current generation");
            assertNotEquals(oldMemberId, restarted.metadata.memberId(), "it has a new member id");

            // the other member would hear of a rebalance on its next heartbeat; give it a few
            Thread.sleep(3 * HEARTBEAT_INTERVAL.toMillis());
            assertEquals(generation, other.generation(), other.name + "'s generation did not change");
            assertEquals(callbacksOfOther, other.history.size(),
                    other.name + "'s rebalance listener was not called again: " + other.history);

            ConsumerGroupDescription group = describe(admin, "sensors-group");
            assertEquals(GroupState.STABLE, group.groupState());
            Map<String, MemberDescription> byInstance = group.members().stream()
                    .collect(Collectors.toMap(m -> m.groupInstanceId().orElseThrow(), m -> m));
            assertEquals(Set.of("sensor-reader-a", "sensor-reader-b"), byInstance.keySet());
            MemberDescription described = byInstance.get("sensor-reader-" + member.name);
            assertEquals(restarted.metadata.memberId(), described.consumerId());
            assertEquals(partitions, described.assignment().topicPartitions());
            assertEquals(other.owned(), byInstance.get("sensor-reader-" + other.name).assignment().topicPartitions());
            return restarted;
        } catch (Exception | Error e) {
            restarted.close();
            throw e;
        }
    }

    @Test
    @Timeout(90)
    void cooperativeStickyAssignorRebalancesIncrementally() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, NO_INITIAL_DELAY); Admin admin = admin(broker)) {
            String bootstrap = broker.bootstrapServers();
            createTopic(admin, "clicks", PARTITIONS);
            Ownership ownership = new Ownership();
            Consumed consumed = new Consumed();
            Map<String, Object> cooperative = Map.of(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                    CooperativeStickyAssignor.class.getName());
            try (ContinuousProducer producer = new ContinuousProducer(bootstrap, "clicks");
                 Member a = new Member(bootstrap, "clicks-group", "a", "clicks", cooperative, ownership, consumed)) {
                waitUntil(Duration.ofSeconds(30), () -> "a owns every partition: " + ownership,
                        () -> a.owned().size() == PARTITIONS);
                int historyBefore = a.history.size();
                try (Member b = new Member(bootstrap, "clicks-group", "b", "clicks", cooperative, ownership, consumed)) {
                    waitUntil(Duration.ofSeconds(30), () -> "a and b own three partitions each: " + ownership,
                            () -> a.owned().size() == PARTITIONS / 2 && b.owned().size() == PARTITIONS / 2
                                    && ownership.eachPartitionOwnedOnceBy(Set.of("a", "b"), PARTITIONS));

                    List<Set<TopicPartition>> sinceBJoined = List.copyOf(a.history.subList(historyBefore, a.history.size()));
                    for (Set<TopicPartition> owned : sinceBJoined) {
                        assertTrue(owned.size() >= PARTITIONS / 2, "a kept at least half its partitions throughout: " + sinceBJoined);
                        assertTrue(owned.containsAll(a.owned()), "a never gave up a partition it ended with: " + sinceBJoined);
                    }
                    assertTrue(a.lost.isEmpty(), "a lost no partitions: " + a.lost);
                    Set<TopicPartition> revoked = new HashSet<>();
                    a.revoked.forEach(revoked::addAll);
                    assertEquals(b.owned(), revoked, "a's listener was told of exactly the partitions that moved to b");
                    for (Collection<TopicPartition> r : a.revoked) assertTrue(r.size() < PARTITIONS, "never all revoked: " + a.revoked);
                    assertEquals("cooperative-sticky", describe(admin, "clicks-group").partitionAssignor());
                }
            }
            ownership.assertNoPartitionHadTwoOwners();
        }
    }

    @Test
    @Timeout(90)
    void defaultAssignorListNegotiatesTheFirstCommonProtocol() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, NO_INITIAL_DELAY); Admin admin = admin(broker)) {
            String bootstrap = broker.bootstrapServers();
            createTopic(admin, "logs", PARTITIONS);
            Ownership ownership = new Ownership();
            Consumed consumed = new Consumed();
            try (Member a = new Member(bootstrap, "logs-group", "a", "logs", Map.of(), ownership, consumed);
                 Member b = new Member(bootstrap, "logs-group", "b", "logs", Map.of(), ownership, consumed)) {
                waitUntil(Duration.ofSeconds(30), () -> "a and b share the partitions: " + ownership,
                        () -> ownership.eachPartitionOwnedOnceBy(Set.of("a", "b"), PARTITIONS));
                ConsumerGroupDescription group = describe(admin, "logs-group");
                assertEquals("range", group.partitionAssignor(), "both prefer range (the default list is range, cooperative-sticky)");
                assertEquals(GroupState.STABLE, group.groupState());
                assertEquals(GroupType.CLASSIC, group.type());

                // a member that offers only cooperative-sticky: the one protocol all three support wins
                try (Member c = new Member(bootstrap, "logs-group", "c", "logs", Map.of(
                        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName()),
                        ownership, consumed)) {
                    waitUntil(Duration.ofSeconds(30), () -> "a, b and c share the partitions: " + ownership,
                            () -> ownership.eachPartitionOwnedOnceBy(Set.of("a", "b", "c"), PARTITIONS));
                    assertEquals("cooperative-sticky", describe(admin, "logs-group").partitionAssignor());
                }
                waitUntil(Duration.ofSeconds(30), () -> "a and b share the partitions again: " + ownership,
                        () -> ownership.eachPartitionOwnedOnceBy(Set.of("a", "b"), PARTITIONS)
                                && "range".equals(describe(admin, "logs-group").partitionAssignor()));
            }
            ownership.assertNoPartitionHadTwoOwners();
        }
    }

    // ---------------------------------------------------------------- admin

    @Test
    @Timeout(90)
    void adminListsDescribesAndDeletesGroupsAndShowsLag() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, NO_INITIAL_DELAY); Admin admin = admin(broker)) {
            String bootstrap = broker.bootstrapServers();
            createTopic(admin, "invoices", PARTITIONS);
            createTopic(admin, "archive", 1);
            produce(bootstrap, "invoices", 0, 60);
            Ownership ownership = new Ownership();
            Consumed consumed = new Consumed();
            TopicPartition archived = new TopicPartition("archive", 0);
            try (Member a = new Member(bootstrap, "billing", "a", "invoices", Map.of(), ownership, consumed);
                 Member b = new Member(bootstrap, "billing", "b", "invoices", Map.of(), ownership, consumed)) {
                waitUntil(Duration.ofSeconds(30), () -> "billing consumed and committed everything: " + ownership,
                        () -> ownership.eachPartitionOwnedOnceBy(Set.of("a", "b"), PARTITIONS)
                                && lag(admin, "billing", "invoices").values().stream().allMatch(l -> l == 0));

                Map<String, GroupListing> listed = listGroups(admin);
                assertTrue(listed.containsKey("billing"), "listed: " + listed.keySet());
                assertEquals(GroupState.STABLE, listed.get("billing").groupState().orElseThrow());
                assertEquals("consumer", listed.get("billing").protocol());

                ConsumerGroupDescription group = describe(admin, "billing");
                assertEquals(GroupState.STABLE, group.groupState());
                assertFalse(group.isSimpleConsumerGroup());
                assertEquals("range", group.partitionAssignor());
                assertEquals(broker.config().nodeId(), group.coordinator().id());
                Map<String, Set<TopicPartition>> assignments = group.members().stream()
                        .collect(Collectors.toMap(MemberDescription::clientId, m -> m.assignment().topicPartitions()));
                assertEquals(Map.of("member-a", a.owned(), "member-b", b.owned()), assignments);

                // lag as a user computes it: end offsets minus committed offsets
                Map<TopicPartition, Long> committedBefore = committed(admin, "billing");
                assertEquals(endOffsets(admin, "invoices", PARTITIONS), committedBefore);
                a.pause();
                b.pause();
                produce(bootstrap, "invoices", 60, 90);
                Map<TopicPartition, Long> lag = lag(admin, "billing", "invoices");
                assertEquals(30, lag.values().stream().mapToLong(Long::longValue).sum(), "lag per partition: " + lag);
                Map<TopicPartition, Long> ends = endOffsets(admin, "invoices", PARTITIONS);
                lag.forEach((tp, l) -> assertEquals(ends.get(tp) - committedBefore.get(tp), l, "lag of " + tp));
                a.resume();
                b.resume();
                waitUntil(Duration.ofSeconds(30), () -> "the lag is consumed",
                        () -> lag(admin, "billing", "invoices").values().stream().allMatch(l -> l == 0));

                // an active group: its offsets belong to its members
                ExecutionException e = assertThrows(ExecutionException.class, () -> admin.alterConsumerGroupOffsets("billing",
                        Map.of(new TopicPartition("invoices", 0), new OffsetAndMetadata(0))).all().get());
                assertInstanceOf(UnknownMemberIdException.class, e.getCause());
                e = assertThrows(ExecutionException.class, () -> admin.deleteConsumerGroupOffsets("billing",
                        Set.of(new TopicPartition("invoices", 0))).all().get());
                assertInstanceOf(GroupSubscribedToTopicException.class, e.getCause());
                e = assertThrows(ExecutionException.class, () -> admin.deleteConsumerGroups(List.of("billing")).all().get());
                assertInstanceOf(GroupNotEmptyException.class, e.getCause());
            }

            ConsumerGroupDescription empty = describe(admin, "billing");
            assertEquals(GroupState.EMPTY, empty.groupState());
            assertTrue(empty.members().isEmpty());
            assertEquals(GroupState.EMPTY, listGroups(admin).get("billing").groupState().orElseThrow());

            // an empty group's offsets can be moved and deleted
            TopicPartition first = new TopicPartition("invoices", 0);
            TopicPartition second = new TopicPartition("invoices", 1);
            admin.alterConsumerGroupOffsets("billing", Map.of(first, new OffsetAndMetadata(1, "rewound"),
                    archived, new OffsetAndMetadata(0))).all().get();
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("billing")
                    .partitionsToOffsetAndMetadata().get();
            assertEquals(1, offsets.get(first).offset());
            assertEquals("rewound", offsets.get(first).metadata());
            assertEquals(endOffsets(admin, "invoices", PARTITIONS).get(first) - 1, lag(admin, "billing", "invoices").get(first));
            admin.deleteConsumerGroupOffsets("billing", Set.of(second, archived)).all().get();
            offsets = admin.listConsumerGroupOffsets("billing").partitionsToOffsetAndMetadata().get();
            assertFalse(offsets.containsKey(second), "deleted: " + offsets);
            assertFalse(offsets.containsKey(archived), "deleted: " + offsets);
            assertEquals(PARTITIONS - 1, offsets.size(), "the others remain: " + offsets);

            admin.deleteConsumerGroups(List.of("billing")).all().get();
            assertTrue(admin.listConsumerGroupOffsets("billing").partitionsToOffsetAndMetadata().get().isEmpty(),
                    "a deleted group has no offsets");
            assertFalse(listGroups(admin).containsKey("billing"), "a deleted group is not listed");
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.describeConsumerGroups(List.of("billing")).all().get());
            assertInstanceOf(GroupIdNotFoundException.class, e.getCause());
        }
    }

    // ---------------------------------------------------------------- positions

    @Test
    @Timeout(90)
    void autoOffsetResetEarliestLatestAndNone() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, NO_INITIAL_DELAY); Admin admin = admin(broker)) {
            String bootstrap = broker.bootstrapServers();
            createTopic(admin, "events", 2);
            List<TopicPartition> partitions = List.of(new TopicPartition("events", 0), new TopicPartition("events", 1));
            produceToEachPartition(bootstrap, "events", 2, 5);

            try (KafkaConsumer<String, String> latest = consumer(bootstrap, "late-readers", Map.of(
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest"))) {
                latest.subscribe(List.of("events"));
                waitUntil(Duration.ofSeconds(30), () -> "latest is assigned both partitions", () -> {
                    latest.poll(Duration.ofMillis(50));
                    return latest.assignment().size() == 2;
                });
                for (TopicPartition tp : partitions) assertEquals(5, latest.position(tp), "latest starts at the end of " + tp);
                produceToEachPartition(bootstrap, "events", 2, 2);
                List<ConsumerRecord<String, String>> records = pollUntil(latest, 4);
                for (ConsumerRecord<String, String> r : records) assertTrue(r.offset() >= 5, "latest skipped existing records: " + r);
                latest.commitSync();
            }

            try (KafkaConsumer<String, String> earliest = consumer(bootstrap, "early-readers", Map.of(
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
                earliest.subscribe(List.of("events"));
                List<ConsumerRecord<String, String>> records = pollUntil(earliest, 14);
                Map<Integer, List<Long>> offsets = new TreeMap<>();
                records.forEach(r -> offsets.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r.offset()));
                List<Long> all = IntStream.range(0, 7).mapToObj(i -> (long) i).toList();
                assertEquals(Map.of(0, all, 1, all), offsets, "earliest read every record from the start");
                earliest.commitSync(Map.of(partitions.get(0), new OffsetAndMetadata(3), partitions.get(1), new OffsetAndMetadata(6)));
            }

            try (KafkaConsumer<String, String> none = consumer(bootstrap, "strict-readers", Map.of(
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"))) {
                none.subscribe(List.of("events"));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                NoOffsetForPartitionException thrown = null;
                while (thrown == null && System.nanoTime() < deadline) {
                    try {
                        assertTrue(none.poll(Duration.ofMillis(50)).isEmpty(), "nothing is delivered without a position");
                    } catch (NoOffsetForPartitionException e) {
                        thrown = e;
                    }
                }
                assertTrue(thrown != null, "none throws when the group has no committed offset");
                assertEquals(Set.copyOf(partitions), thrown.partitions());
            }

            try (KafkaConsumer<String, String> none = consumer(bootstrap, "early-readers", Map.of(
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"))) {
                none.subscribe(List.of("events"));
                List<ConsumerRecord<String, String>> records = pollUntil(none, 5);
                assertEquals(Set.of("0:3", "0:4", "0:5", "0:6", "1:6"),
                        records.stream().map(r -> r.partition() + ":" + r.offset()).collect(Collectors.toSet()),
                        "none resumes from the committed offsets");
            }

            try (KafkaConsumer<String, String> seeker = consumer(bootstrap, null, Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1"))) {
                TopicPartition tp = partitions.get(1);
                seeker.assign(List.of(tp));
                seeker.seek(tp, 4);
                List<ConsumerRecord<String, String>> records = pollUntil(seeker, 3);
                assertEquals(List.of(4L, 5L, 6L), records.stream().map(ConsumerRecord::offset).toList());
                seeker.seek(tp, 2);
                assertEquals(2, seeker.position(tp));
                assertEquals(2, pollUntil(seeker, 1).get(0).offset());
                seeker.seekToBeginning(List.of(tp));
                assertEquals(0, seeker.position(tp));
                seeker.seekToEnd(List.of(tp));
                assertEquals(7, seeker.position(tp));
            }
        }
    }

    // ---------------------------------------------------------------- retention

    @Test
    @Timeout(90)
    void offsetsOfAnEmptyGroupExpireAfterRetention() throws Exception {
        MovableClock clock = new MovableClock();
        BrokerConfig config = BrokerConfig.defaults()
                .with("listeners", "127.0.0.1:0")
                .with("log.dirs", dataDir.toString())
                .with("group.initial.rebalance.delay.ms", "0")
                .with("offsets.retention.minutes", "1")
                .with("offsets.retention.check.interval.ms", "200");
        try (Broker broker = Broker.start(config, clock); Admin admin = admin(broker)) {
            String bootstrap = broker.bootstrapServers();
            createTopic(admin, "metrics", 2);
            produce(bootstrap, "metrics", 0, 20);
            Ownership ownership = new Ownership();
            Consumed consumed = new Consumed();

            try (KafkaConsumer<String, String> gone = consumer(bootstrap, "gone-readers", Map.of())) {
                gone.subscribe(List.of("metrics"));
                pollUntil(gone, 20);
                gone.commitSync();
            }
            // a session longer than the clock jump below, so the busy member stays a member
            try (Member busy = new Member(bootstrap, "busy-readers", "busy", "metrics", Map.of(
                    ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "300000", ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1000"),
                    ownership, consumed)) {
                waitUntil(Duration.ofSeconds(30), () -> "busy committed everything",
                        () -> committed(admin, "busy-readers").equals(endOffsets(admin, "metrics", 2)));
                Map<TopicPartition, Long> goneOffsets = committed(admin, "gone-readers");
                assertEquals(endOffsets(admin, "metrics", 2), goneOffsets);

                Thread.sleep(1_000);
                assertEquals(goneOffsets, committed(admin, "gone-readers"), "kept while younger than the retention");

                clock.advance(Duration.ofSeconds(90));
                waitUntil(Duration.ofSeconds(10), () -> "the empty group's offsets expire",
                        () -> committed(admin, "gone-readers").isEmpty());
                waitUntil(Duration.ofSeconds(10), () -> "the empty group without offsets is forgotten",
                        () -> !listGroups(admin).containsKey("gone-readers"));

                assertEquals(endOffsets(admin, "metrics", 2), committed(admin, "busy-readers"),
                        "an active group's offsets do not expire");
                ConsumerGroupDescription group = describe(admin, "busy-readers");
                assertEquals(GroupState.STABLE, group.groupState());
                assertEquals(1, group.members().size());
            }
        }
    }

    // ---------------------------------------------------------------- checks

    private void assertEveryOffsetConsumedAndCommitted(Admin admin, String topic, String group, Consumed consumed) {
        Map<TopicPartition, Long> ends = endOffsets(admin, topic, PARTITIONS);
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) assertTrue(e.getValue() > 0, "records reached " + e.getKey());
        waitUntil(Duration.ofSeconds(60), () -> "every offset below the end offsets " + ends + " consumed; never consumed: "
                + consumed.missing(ends), () -> consumed.missing(ends).isEmpty());
        waitUntil(Duration.ofSeconds(30), () -> "the group committed the end offsets " + ends + ", has "
                + committed(admin, group), () -> committed(admin, group).equals(ends));
        System.out.printf("%s: %d records, %d deliveries%n", topic, ends.values().stream().mapToLong(Long::longValue).sum(),
                consumed.deliveries());
    }

    // ---------------------------------------------------------------- helpers

    /** Polls {@code condition} every 50 ms until it holds; fails after {@code timeout} or when a background thread failed. */
    private void waitUntil(Duration timeout, Supplier<String> what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!failures.isEmpty()) {
                AssertionError e = new AssertionError("A background thread failed while waiting until " + what.get(), failures.get(0));
                failures.stream().skip(1).forEach(e::addSuppressed);
                throw e;
            }
            if (condition.getAsBoolean()) return;
            if (System.nanoTime() > deadline) throw new AssertionError("Not within " + timeout.toMillis() + " ms: " + what.get());
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted while waiting until " + what.get(), e);
            }
        }
    }

    private List<ConsumerRecord<String, String>> pollUntil(KafkaConsumer<String, String> consumer, int count) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        waitUntil(Duration.ofSeconds(30), () -> count + " records, got " + records.size(), () -> {
            consumer.poll(Duration.ofMillis(50)).forEach(records::add);
            return records.size() >= count;
        });
        assertEquals(count, records.size(), "no more than " + count + " records: " + records);
        return records;
    }

    private static Admin admin(Broker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    private static void createTopic(Admin admin, String topic, int partitions) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    }

    private static Map<String, GroupListing> listGroups(Admin admin) {
        try {
            return admin.listGroups(ListGroupsOptions.forConsumerGroups()).all().get().stream()
                    .collect(Collectors.toMap(GroupListing::groupId, g -> g));
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError("listGroups failed", e);
        }
    }

    private static ConsumerGroupDescription describe(Admin admin, String group) {
        try {
            return admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get();
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError("describeConsumerGroups failed for " + group, e);
        }
    }

    private static Map<TopicPartition, Long> committed(Admin admin, String group) {
        try {
            Map<TopicPartition, Long> out = new HashMap<>();
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                    .forEach((tp, o) -> out.put(tp, o.offset()));
            return out;
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError("listConsumerGroupOffsets failed for " + group, e);
        }
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, String topic, int partitions) {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < partitions; p++) request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        try {
            Map<TopicPartition, Long> out = new HashMap<>();
            admin.listOffsets(request).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError("listOffsets failed for " + topic, e);
        }
    }

    /** Per partition of {@code topic}: end offset minus the group's committed offset (the whole partition when none). */
    private static Map<TopicPartition, Long> lag(Admin admin, String group, String topic) {
        Map<TopicPartition, Long> committed = committed(admin, group);
        Map<TopicPartition, Long> lag = new HashMap<>();
        endOffsets(admin, topic, PARTITIONS).forEach((tp, end) -> lag.put(tp, end - committed.getOrDefault(tp, 0L)));
        return lag;
    }

    private static Properties consumerProperties(String bootstrap, String group, String clientId, Map<String, ?> overrides) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        if (group != null) p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        if (clientId != null) p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Long.toString(SESSION_TIMEOUT.toMillis()));
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Long.toString(HEARTBEAT_INTERVAL.toMillis()));
        p.putAll(overrides);
        return p;
    }

    private static KafkaConsumer<String, String> consumer(String bootstrap, String group, Map<String, ?> overrides) {
        return new KafkaConsumer<>(consumerProperties(bootstrap, group, null, overrides));
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return new KafkaProducer<>(p);
    }

    private static void produce(String bootstrap, String topic, int from, int to) throws Exception {
        try (KafkaProducer<String, String> producer = producer(bootstrap)) {
            for (int i = from; i < to; i++) producer.send(new ProducerRecord<>(topic, "key-" + i, "value-" + i)).get();
        }
    }

    private static void produceToEachPartition(String bootstrap, String topic, int partitions, int perPartition) throws Exception {
        try (KafkaProducer<String, String> producer = producer(bootstrap)) {
            for (int p = 0; p < partitions; p++) {
                for (int i = 0; i < perPartition; i++) producer.send(new ProducerRecord<>(topic, p, "key-" + i, "value-" + i)).get();
            }
        }
    }

    // ---------------------------------------------------------------- test fixtures

    /**
     * Which member owns which partitions, as the members' rebalance listeners report it. A partition
     * reported assigned to one member while another still owns it is recorded as a violation,
     * except for members whose reports arrive late (from another process) — for those only the
     * settled state is meaningful.
     */
    static final class Ownership {
        private final Map<String, Set<TopicPartition>> byMember = new TreeMap<>();
        private final Set<String> reportedLate = new HashSet<>();
        private final List<String> violations = new ArrayList<>();

        synchronized void reportsLate(String member) {
            reportedLate.add(member);
        }

        synchronized void assigned(String member, Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
                for (Map.Entry<String, Set<TopicPartition>> e : byMember.entrySet()) {
                    if (!e.getKey().equals(member) && e.getValue().contains(tp)
                            && !reportedLate.contains(member) && !reportedLate.contains(e.getKey())) {
                        violations.add(tp + " assigned to " + member + " while " + e.getKey() + " owns it");
                    }
                }
            }
            byMember.computeIfAbsent(member, m -> new TreeSet<>(Comparator.comparing(TopicPartition::toString)))
                    .addAll(partitions);
        }

        synchronized void revoked(String member, Collection<TopicPartition> partitions) {
            Set<TopicPartition> owned = byMember.get(member);
            if (owned != null) owned.removeAll(partitions);
        }

        /** The member stopped (closed, or its process died): it owns nothing. */
        synchronized void gone(String member) {
            byMember.remove(member);
        }

        /** True when exactly {@code members} own partitions, each at least one, and each partition has exactly one owner. */
        synchronized boolean eachPartitionOwnedOnceBy(Set<String> members, int partitions) {
            Set<TopicPartition> all = new HashSet<>();
            int total = 0;
            for (Map.Entry<String, Set<TopicPartition>> e : byMember.entrySet()) {
                if (e.getValue().isEmpty()) continue;
                if (!members.contains(e.getKey())) return false;
                all.addAll(e.getValue());
                total += e.getValue().size();
            }
            for (String m : members) if (byMember.getOrDefault(m, Set.of()).isEmpty()) return false;
            return all.size() == partitions && total == partitions;
        }

        synchronized void assertNoPartitionHadTwoOwners() {
            assertTrue(violations.isEmpty(), "partitions with two owners at once: " + violations);
        }

        @Override
        public synchronized String toString() {
            return byMember.toString();
        }
    }

    /** Every (partition, offset) any member consumed, and how many deliveries there were in all. */
    static final class Consumed {
        private final Map<Integer, BitSet> offsets = new HashMap<>();
        private long deliveries;

        synchronized void add(int partition, long offset) {
            offsets.computeIfAbsent(partition, p -> new BitSet()).set(Math.toIntExact(offset));
            deliveries++;
        }

        synchronized long deliveries() {
            return deliveries;
        }

        /** Per partition, the first few offsets below its end never consumed. */
        synchronized Map<TopicPartition, List<Long>> missing(Map<TopicPartition, Long> ends) {
            Map<TopicPartition, List<Long>> missing = new TreeMap<>(Comparator.comparing(TopicPartition::toString));
            ends.forEach((tp, end) -> {
                BitSet seen = offsets.getOrDefault(tp.partition(), new BitSet());
                List<Long> gaps = new ArrayList<>();
                for (int o = seen.nextClearBit(0); o < end && gaps.size() < 10; o = seen.nextClearBit(o + 1)) gaps.add((long) o);
                if (!gaps.isEmpty()) missing.put(tp, gaps);
            });
            return missing;
        }
    }

    /**
     * A group member in its own thread: subscribes, polls, records what it consumed, commits
     * synchronously after each poll, and reports its listener callbacks to {@link Ownership}.
     * {@link #close()} stops the loop and closes the consumer (leaving the group unless static).
     */
    final class Member implements AutoCloseable {
        final String name;
        final AtomicLong records = new AtomicLong();
        /** The member's owned partitions after each listener callback. */
        final List<Set<TopicPartition>> history = new CopyOnWriteArrayList<>();
        final List<Collection<TopicPartition>> revoked = new CopyOnWriteArrayList<>();
        final List<Collection<TopicPartition>> lost = new CopyOnWriteArrayList<>();
        volatile ConsumerGroupMetadata metadata;
        volatile Set<TopicPartition> ownedWhenStopped = Set.of();
        private volatile Set<TopicPartition> owned = Set.of();
        private volatile boolean paused;
        private volatile boolean pauseApplied;
        private volatile boolean stopping;
        private final Thread thread;

        Member(String bootstrap, String group, String name, String topic, Map<String, ?> overrides, Ownership ownership,
               Consumed consumed) {
            this.name = name;
            Properties props = consumerProperties(bootstrap, group, "member-" + name, overrides);
            this.thread = new Thread(() -> run(props, topic, ownership, consumed), "member-" + name);
            thread.start();
        }

        private void run(Properties props, String topic, Ownership ownership, Consumed consumed) {
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
                consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                        if (partitions.isEmpty()) return;
                        ownership.revoked(name, partitions);
                        revoked.add(List.copyOf(partitions));
                        changed(partitions, false);
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                        ownership.assigned(name, partitions);
                        changed(partitions, true);
                    }

                    @Override
                    public void onPartitionsLost(Collection<TopicPartition> partitions) {
                        ownership.revoked(name, partitions);
                        lost.add(List.copyOf(partitions));
                        changed(partitions, false);
                    }
                });
                while (!stopping) {
                    if (paused) {
                        consumer.pause(consumer.assignment());
                        pauseApplied = true;
                    } else {
                        consumer.resume(consumer.paused());
                        pauseApplied = false;
                    }
                    ConsumerRecords<String, String> batch = consumer.poll(Duration.ofMillis(100));
                    metadata = consumer.groupMetadata();
                    if (batch.isEmpty()) continue;
                    for (ConsumerRecord<String, String> r : batch) consumed.add(r.partition(), r.offset());
                    records.addAndGet(batch.count());
                    try {
                        consumer.commitSync();
                    } catch (CommitFailedException | RebalanceInProgressException e) {
                        // the partitions moved on; their new owner consumes these records again
                    }
                }
                ownedWhenStopped = owned;
            } catch (RuntimeException | Error e) {
                failures.add(new AssertionError("member " + name + " failed", e));
            } finally {
                ownership.gone(name);
                owned = Set.of();
            }
        }

        private void changed(Collection<TopicPartition> partitions, boolean added) {
            Set<TopicPartition> next = new HashSet<>(owned);
            if (added) next.addAll(partitions);
            else next.removeAll(partitions);
            owned = Set.copyOf(next);
            history.add(owned);
        }

        Set<TopicPartition> owned() {
            return owned;
        }

        int generation() {
            ConsumerGroupMetadata m = metadata;
            return m == null ? -1 : m.generationId();
        }

        /**
         * Stops handing out records (the member keeps polling, so it stays in the group); returns
         * once the poll under way has been processed and committed.
         */
        void pause() {
            paused = true;
            waitUntil(Duration.ofSeconds(30), () -> "member " + name + " paused", () -> pauseApplied);
        }

        void resume() {
            paused = false;
        }

        @Override
        public void close() throws InterruptedException {
            stopping = true;
            thread.join(TimeUnit.SECONDS.toMillis(60));
            if (thread.isAlive()) failures.add(new AssertionError("member " + name + " did not stop within 60 s"));
        }
    }

    /** Produces keyed records to every partition of a topic, about a thousand a second, until closed. */
    final class ContinuousProducer implements AutoCloseable {
        private final Thread thread;
        private volatile boolean stopping;

        ContinuousProducer(String bootstrap, String topic) {
            this.thread = new Thread(() -> {
                try (KafkaProducer<String, String> producer = producer(bootstrap)) {
                    for (long i = 0; !stopping; i++) {
                        producer.send(new ProducerRecord<>(topic, "key-" + i, "value-" + i), (md, e) -> {
                            if (e != null) failures.add(new AssertionError("send failed", e));
                        });
                        Thread.sleep(1);
                    }
                    producer.flush();
                } catch (InterruptedException e) {
                    failures.add(new AssertionError("producer interrupted", e));
                } catch (RuntimeException e) {
                    failures.add(new AssertionError("producer failed", e));
                }
            }, "producer-" + topic);
            thread.start();
        }

        /** Stops producing; returns once every record sent is acknowledged. Idempotent. */
        @Override
        public void close() throws InterruptedException {
            stopping = true;
            thread.join(TimeUnit.SECONDS.toMillis(60));
            if (thread.isAlive()) throw new AssertionError("producer did not stop within 60 s");
        }
    }

    /**
     * A {@link GroupMemberMain} in its own JVM, started from the test class path. Its reports feed
     * {@link Ownership} and {@link Consumed}; stderr (the client's log) goes to a file under
     * {@code target/group-members/}. {@link #close()} kills it if it is still alive.
     */
    static final class MemberProcess implements AutoCloseable {
        private final String name;
        private final String topic;
        private final Process process;
        private final Thread reader;
        private final Deque<String> tail = new ArrayDeque<>();
        private final Ownership ownership;
        private volatile long commits;

        private MemberProcess(String name, String topic, Process process, Ownership ownership, Consumed consumed) {
            this.name = name;
            this.topic = topic;
            this.process = process;
            this.ownership = ownership;
            ownership.reportsLate(name);
            this.reader = new Thread(() -> read(consumed), "member-process-" + process.pid() + "-output");
            reader.setDaemon(true);
            reader.start();
        }

        static MemberProcess start(String bootstrap, String group, String topic, String name, Ownership ownership,
                                   Consumed consumed) throws IOException {
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElse(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            command.add("-Xmx128m");
            String logging = System.getProperty("java.util.logging.config.file");
            if (logging != null) command.add("-Djava.util.logging.config.file=" + logging);
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(GroupMemberMain.class.getName());
            command.addAll(List.of(bootstrap, group, topic, Long.toString(SESSION_TIMEOUT.toMillis()),
                    Long.toString(HEARTBEAT_INTERVAL.toMillis())));
            Path logDir = Path.of("target", "group-members").toAbsolutePath();
            Files.createDirectories(logDir);
            Path log = logDir.resolve(group + "-" + name + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".log");
            Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
            return new MemberProcess(name, topic, process, ownership, consumed);
        }

        private void read(Consumed consumed) {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (tail) {
                        tail.addLast(line);
                        if (tail.size() > 40) tail.removeFirst();
                    }
                    String[] words = line.split(" ");
                    switch (words[0]) {
                        case "CONSUMED" -> consumed.add(Integer.parseInt(words[1]), Long.parseLong(words[2]));
                        case "COMMITTED" -> commits++;
                        case "ASSIGNED" -> ownership.assigned(name, partitions(words));
                        case "REVOKED", "LOST" -> ownership.revoked(name, partitions(words));
                        default -> { }
                    }
                }
            } catch (IOException e) {
                // the process is gone
            }
        }

        private List<TopicPartition> partitions(String[] words) {
            List<TopicPartition> out = new ArrayList<>();
            if (words.length > 1 && !words[1].isEmpty()) {
                for (String p : words[1].split(",")) out.add(new TopicPartition(topic, Integer.parseInt(p)));
            }
            return out;
        }

        long commits() {
            return commits;
        }

        String outputTail() {
            synchronized (tail) {
                return String.join("\n", tail);
            }
        }

        /** SIGKILL: no LeaveGroup, no more heartbeats. Returns once its last report has been read. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            if (!process.waitFor(30, TimeUnit.SECONDS)) throw new AssertionError("member process " + process.pid() + " survived SIGKILL");
            reader.join(10_000);
            ownership.gone(name);
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) kill();
        }
    }

    /** The system clock, moved forward on demand. */
    static final class MovableClock extends Clock {
        private final AtomicLong offsetMs = new AtomicLong();

        void advance(Duration by) {
            offsetMs.addAndGet(by.toMillis());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long millis() {
            return System.currentTimeMillis() + offsetMs.get();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }
    }
}
