package io.tributary.broker.cluster;

import io.tributary.broker.testing.SuiteTags;
import io.tributary.broker.testing.Poll;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The node coordinating a group stops while two real consumers are members: the leader of the
 * group's {@code __consumer_offsets} partition moves, the new leader loads the group's membership
 * from that partition, and the consumers carry on there in the same generation, with the same
 * member ids and partitions — no member is told {@code UNKNOWN_MEMBER_ID} or
 * {@code ILLEGAL_GENERATION}, none loses or gives up partitions, and their commits go on.
 */
@Tag(SuiteTags.PROCESS)
class GroupCoordinatorFailoverTest {
    private static final String TOPIC = "events";
    private static final String GROUP = "billing";

    @TempDir
    Path dir;

    @Test
    @Timeout(240)
    void membersKeepTheirGenerationAndPartitionsWhenTheCoordinatorsNodeStops() throws Exception {
        try (ClusterHarness cluster = new ClusterHarness(dir, 3, Map.of())) {
            cluster.startAll();
            String bootstrap = cluster.bootstrap();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
                 KafkaProducer<String, String> producer = producer(bootstrap)) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 4, (short) 3)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get();
                for (int i = 0; i < 400; i++) producer.send(new ProducerRecord<>(TOPIC, "k" + i, "v" + i));
                producer.flush();

                try (Member one = new Member(bootstrap, "one")) {
                    Poll.until("member one consuming", Duration.ofMillis(60_000), () -> one.commits.get() > 0);
                    try (Member two = new Member(bootstrap, "two")) { // joins later: a second generation
                        stopTheCoordinatorUnder(cluster, admin, producer, one, two);
                    }
                }
            }
        }
    }

    private static void stopTheCoordinatorUnder(ClusterHarness cluster, Admin admin, KafkaProducer<String, String> producer,
                                                Member one, Member two) throws Exception {
        Poll.until("both members consuming in one generation", Duration.ofMillis(60_000), () ->
                one.generation.get() > 0 && one.generation.get() == two.generation.get()
                        && !one.assigned.isEmpty() && !two.assigned.isEmpty()
                        && one.assigned.size() + two.assigned.size() == 4
                        && one.commits.get() > 0 && two.commits.get() > 0);
        ConsumerGroupDescription before = describe(admin);
        int generation = one.generation.get();
        Set<String> memberIds = memberIds(before);
        Set<TopicPartition> oneOwns = Set.copyOf(one.assigned);
        String callbacksBefore = callbacks(one, two);
        assertEquals(GroupState.STABLE, before.groupState());
        assertEquals(2, memberIds.size());
        assertTrue(generation >= 2, "generation " + generation);

        int coordinator = before.coordinator().id();
        one.failures.clear(); // a commit refused while two joined: the ordinary rebalance, not the failover
        two.failures.clear();
        cluster.stop(coordinator);
        long oneCommits = one.commits.get();
        long twoCommits = two.commits.get();
        for (int i = 400; i < 800; i++) producer.send(new ProducerRecord<>(TOPIC, "k" + i, "v" + i));
        producer.flush();

        Poll.until("both members committing through the new coordinator", Duration.ofMillis(90_000), () ->
                one.commits.get() > oneCommits + 2 && two.commits.get() > twoCommits + 2);
        ConsumerGroupDescription after = describe(admin);
        assertNotEquals(coordinator, after.coordinator().id(), "the group moved to another node");
        assertEquals(generation, one.generation.get(), "the generation went on, it did not restart");
        assertEquals(generation, two.generation.get());
        assertEquals(GroupState.STABLE, after.groupState());
        assertEquals(memberIds, memberIds(after), "the same members, loaded at the new coordinator");
        assertEquals(oneOwns, Set.copyOf(one.assigned));
        assertEquals(List.of(), one.failures, "commit failures of member one since the stop");
        assertEquals(List.of(), two.failures, "commit failures of member two since the stop");
        assertEquals(callbacksBefore, callbacks(one, two),
                "rebalance callbacks (revoked, lost, assigned) of both members: none since the stop");
    }

    private static String callbacks(Member one, Member two) {
        return List.of(one.revoked.get(), one.lost.get(), one.assignedCalls.get(),
                two.revoked.get(), two.lost.get(), two.assignedCalls.get()).toString();
    }

    private static ConsumerGroupDescription describe(Admin admin) throws Exception {
        return admin.describeConsumerGroups(List.of(GROUP)).all().get().get(GROUP);
    }

    private static Set<String> memberIds(ConsumerGroupDescription group) {
        return group.members().stream().map(MemberDescription::consumerId).collect(Collectors.toCollection(TreeSet::new));
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    /**
     * A consumer polling and committing on its own thread, counting its rebalance callbacks and
     * keeping the generation it is in and the commits that failed for good.
     */
    private static final class Member implements AutoCloseable, ConsumerRebalanceListener {
        final AtomicInteger generation = new AtomicInteger(-1);
        final Set<TopicPartition> assigned = ConcurrentHashMap.newKeySet();
        final AtomicInteger revoked = new AtomicInteger();
        final AtomicInteger lost = new AtomicInteger();
        final AtomicInteger assignedCalls = new AtomicInteger();
        final AtomicLong commits = new AtomicLong();
        final List<String> failures = new CopyOnWriteArrayList<>();
        private final KafkaConsumer<String, String> consumer;
        private final Thread thread;
        private volatile boolean running = true;

        Member(String bootstrap, String name) {
            Properties c = new Properties();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            c.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
            c.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
            c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            this.consumer = new KafkaConsumer<>(c);
            this.thread = new Thread(this::run, "test-member-" + name);
            thread.start();
        }

        private void run() {
            consumer.subscribe(List.of(TOPIC), this);
            while (running) {
                consumer.poll(Duration.ofMillis(200));
                generation.set(consumer.groupMetadata().generationId());
                if (consumer.assignment().isEmpty()) continue;
                try {
                    consumer.commitSync(Duration.ofSeconds(5));
                    commits.incrementAndGet();
                } catch (RetriableException e) {
                    // the coordinator is moving: try again on the next round
                } catch (RuntimeException e) {
                    failures.add(e.toString());
                }
            }
            consumer.close(Duration.ofSeconds(5));
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            revoked.incrementAndGet();
            assigned.removeAll(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            assignedCalls.incrementAndGet();
            assigned.addAll(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            lost.incrementAndGet();
            assigned.removeAll(partitions);
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(30_000);
        }
    }
}
