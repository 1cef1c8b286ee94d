package io.tributary.broker.cluster;

import io.tributary.broker.testing.Poll;
import io.tributary.broker.testing.SuiteTags;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jgroups.JChannel;
import org.jgroups.protocols.FORK;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.protocols.raft.REDIRECT;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The interleaving that lost acknowledged records: a returning replica catches up with the leader,
 * the leader proposes it back into the ISR, and the controller makes it leader (it is the preferred
 * replica) as soon as that commits. Between the proposal and the election the old leader must not
 * acknowledge anything the returning replica does not hold: it counts the proposed member in the
 * high watermark while the proposal is pending (Kafka's maximal ISR).
 *
 * <p>The window is held open on purpose: the Raft traffic of all nodes is dropped (so the
 * expansion stays pending), the returning node's fetches are dropped (so it falls behind), and
 * records are sent to the old leader. Then Raft resumes, the expansion commits, the returning node
 * is elected from its own log end, and every acknowledged record must still be on every replica.
 */
@Tag(SuiteTags.PROCESS)
@Tag(SuiteTags.CRASH)
class IsrExpansionElectionTest {
    static final String TOPIC = NetworkPartitionTest.TOPIC;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void nothingIsAcknowledgedThatAReplicaBeingAddedToTheIsrLacks() throws Exception {
        try (ClusterHarness cluster = new ClusterHarness(dir, 3, Map.of("replica.lag.time.max.ms", "1500",
                "cluster.request.timeout.ms", "3000"))) {
            cluster.startAll();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 3)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get();
            }
            TopicPartition tp = new TopicPartition(TOPIC, 0);
            int preferred = cluster.leaderOf(tp);
            List<Integer> others = new ArrayList<>();
            for (int id = 1; id <= 3; id++) if (id != preferred) others.add(id);
            List<String> acknowledged = Collections.synchronizedList(new ArrayList<>());

            // The preferred replica drops out: another node leads, without it in the ISR.
            var discards = NetworkPartitionTest.isolate(cluster, preferred, others);
            Poll.until("a new leader without node " + preferred + " in the ISR", Duration.ofSeconds(30), () ->
                    state(cluster, others.get(0), tp).map(s -> s.hasLeader() && s.leader() != preferred
                            && !s.isr().contains(preferred)).orElse(false));
            int leader = state(cluster, others.get(0), tp).orElseThrow().leader();
            String leaderBootstrap = cluster.node(leader).bootstrapServers();
            acknowledged.addAll(NetworkPartitionTest.send(NetworkPartitionTest.producer(leaderBootstrap), "before-", 100));

            // It comes back and learns the metadata, but cannot fetch yet.
            HeaderFilter fetchesOfReturning = HeaderFilter.insertBelow(channel(cluster, preferred), FORK.class, FORK.class);
            NetworkPartitionTest.heal(cluster, discards);
            ReplicaManager returning = cluster.node(preferred).cluster().orElseThrow().replicas();
            Poll.until("node " + preferred + " following node " + leader, Duration.ofSeconds(30),
                    () -> returning.fetchingFrom(tp) == leader);

            // The quorum stops committing; the returning node catches up, and the leader proposes it back.
            List<HeaderFilter> raftStopped = new ArrayList<>();
            for (int id = 1; id <= 3; id++) raftStopped.add(HeaderFilter.insertBelow(channel(cluster, id), RAFT.class,
                    RAFT.class, REDIRECT.class));
            fetchesOfReturning.passing = true;
            ReplicaManager leading = cluster.node(leader).cluster().orElseThrow().replicas();
            Poll.until("node " + leader + " proposing node " + preferred + " back into the ISR", Duration.ofSeconds(30),
                    () -> leading.pendingIsr(tp).map(isr -> isr.contains(preferred)).orElse(false));
            fetchesOfReturning.passing = false;
            long returningEnd = cluster.node(preferred).logs().get(tp).orElseThrow().logEndOffset();

            // Records sent now reach the leader and the third replica, not the returning one.
            List<String> duringWindow = Collections.synchronizedList(new ArrayList<>());
            KafkaProducer<String, String> producer = NetworkPartitionTest.producer(leaderBootstrap);
            for (int i = 0; i < 20; i++) {
                String v = "window-" + i;
                producer.send(new ProducerRecord<>(TOPIC, 0, "k", v), (md, e) -> {
                    if (e == null) {
                        acknowledged.add(v);
                        if (cluster.node(preferred).logs().get(tp).orElseThrow().logEndOffset() <= md.offset()) {
                            duringWindow.add(v + "@" + md.offset());
                        }
                    }
                });
            }
            Thread.sleep(2_000);
            assertEquals(returningEnd, cluster.node(preferred).logs().get(tp).orElseThrow().logEndOffset(),
                    "the returning node fetched nothing while its fetches were dropped");
            assertEquals(List.of(), new ArrayList<>(duringWindow),
                    "records acknowledged while node " + preferred + ", being added to the ISR, did not hold them");

            // The quorum resumes: the expansion commits and the preferred replica is elected.
            for (HeaderFilter f : raftStopped) f.passing = true;
            fetchesOfReturning.passing = true;
            Poll.until("node " + preferred + " leading again", Duration.ofSeconds(60), () ->
                    state(cluster, preferred, tp).map(s -> s.leader() == preferred).orElse(false));
            producer.flush();
            producer.close();
            acknowledged.addAll(NetworkPartitionTest.send(NetworkPartitionTest.producer(cluster.bootstrap()), "after-", 50));

            cluster.awaitFullIsr(TOPIC);
            cluster.awaitConverged(tp);
            for (int id = 1; id <= 3; id++) {
                List<String> values = ReplicaLogs.values(cluster.node(id).logs().get(tp).orElseThrow());
                assertEquals(values.size(), new HashSet<>(values).size(), "duplicates on node " + id);
                List<String> missing = new ArrayList<>(acknowledged);
                missing.removeAll(values);
                assertTrue(missing.isEmpty(), "acknowledged records missing on node " + id + ": " + missing);
            }
        }
    }

    private static java.util.Optional<PartitionRegistration> state(ClusterHarness cluster, int id, TopicPartition tp) {
        return cluster.node(id).cluster().orElseThrow().quorum().image().partition(tp);
    }

    private static JChannel channel(ClusterHarness cluster, int id) {
        return cluster.node(id).cluster().orElseThrow().quorum().channel().channel();
    }
}
