package io.tributary.broker.fault;

import io.tributary.broker.testing.Poll;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The cluster's state as a Kafka client sees it, through the Admin client from the test's JVM
 * (the test has no other view into the broker processes): topic creation, leaders, ISRs, high
 * watermarks. Every query is bounded (5 s per request, 10 s per call) and answers "don't know"
 * (null) rather than throwing when the cluster cannot answer, because during a fault it often
 * cannot. Not thread-safe; one test thread asks.
 */
public final class ClusterHealth implements AutoCloseable {
    private final Admin admin;
    private final String topic;
    private final int partitions;
    private final int nodes;

    public ClusterHealth(String bootstrap, String topic, int partitions, int nodes) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "fault-admin");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "50");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        p.put(AdminClientConfig.METADATA_MAX_AGE_CONFIG, "1000");
        this.admin = Admin.create(p);
        this.topic = topic;
        this.partitions = partitions;
        this.nodes = nodes;
    }

    /**
     * Creates the topic (replication factor = node count, {@code min.insync.replicas=2}) once all
     * nodes are registered; retried for up to 60 s while the quorum settles.
     */
    public void createTopic() throws InterruptedException {
        AtomicReference<Throwable> last = new AtomicReference<>();
        Poll.until("topic " + topic + " created", () -> "last error: " + last.get(), Duration.ofSeconds(60),
                Duration.ofMillis(200), () -> {
            try {
                if (admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size() < nodes) return false;
                admin.createTopics(List.of(new NewTopic(topic, partitions, (short) nodes)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get(15, TimeUnit.SECONDS);
                return true;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TopicExistsException) return true;
                last.set(e.getCause());
                return false;
            } catch (TimeoutException e) {
                last.set(e);
                return false;
            }
        });
    }

    /** The partitions of the topic as the cluster describes them now, or null if it cannot say. */
    public List<TopicPartitionInfo> describe() throws InterruptedException {
        try {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
            return d == null ? null : d.partitions();
        } catch (ExecutionException | TimeoutException e) {
            return null;
        }
    }

    /** The id of the leader of {@code partition} now, or -1 if the cluster names none. */
    public int leaderOf(int partition) throws InterruptedException {
        List<TopicPartitionInfo> parts = describe();
        if (parts == null || parts.size() <= partition) return -1;
        Node leader = parts.get(partition).leader();
        return leader == null || leader.isEmpty() ? -1 : leader.id();
    }

    /**
     * True when the description has every partition, each with a leader and every one of its
     * replicas in the ISR, and the cluster lists every node.
     */
    public boolean fullIsr(List<TopicPartitionInfo> parts) throws InterruptedException {
        if (parts == null || parts.size() != partitions) return false;
        for (TopicPartitionInfo p : parts) {
            Node leader = p.leader();
            if (leader == null || leader.isEmpty() || p.isr().size() < p.replicas().size()) return false;
            if (p.replicas().size() < nodes) return false;
        }
        try {
            Collection<Node> live = admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
            return live.size() >= nodes;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    /** Partition to high watermark ({@code OffsetSpec.latest()}), or null if the cluster cannot say. */
    public Map<Integer, Long> highWatermarks() throws InterruptedException {
        Map<TopicPartition, OffsetSpec> query = new HashMap<>();
        for (int p = 0; p < partitions; p++) query.put(new TopicPartition(topic, p), OffsetSpec.latest());
        try {
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> r = admin.listOffsets(query).all()
                    .get(10, TimeUnit.SECONDS);
            Map<Integer, Long> out = new HashMap<>();
            r.forEach((tp, info) -> out.put(tp.partition(), info.offset()));
            return out;
        } catch (ExecutionException | TimeoutException e) {
            return null;
        }
    }

    /** A one-line summary of a description, e.g. {@code p0 leader 1 isr [1, 2]; p1 ...}. */
    public static String summary(List<TopicPartitionInfo> parts) {
        if (parts == null) return "(no answer)";
        List<String> out = new ArrayList<>();
        for (TopicPartitionInfo p : parts) {
            out.add("p" + p.partition() + " leader " + (p.leader() == null || p.leader().isEmpty() ? "none" : p.leader().id())
                    + " isr " + p.isr().stream().map(Node::id).toList());
        }
        return String.join("; ", out);
    }

    @Override
    public void close() {
        admin.close(java.time.Duration.ofSeconds(5));
    }
}
