package io.tributary.broker.cluster;

import io.tributary.broker.client.RawKafkaClient;
import io.tributary.broker.testing.Poll;
import io.tributary.broker.testing.SuiteTags;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.DescribeClientQuotasResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three nodes: a client quota set through node 1 (AlterClientQuotas committed by the metadata
 * quorum) is listed by every node and enforced by another node that leads the partition a client
 * produces to; that node, restarted, still has it, and the partition's leader enforces it.
 */
@Tag(SuiteTags.PROCESS)
class ClusterClientQuotaTest {
    @TempDir
    Path dir;

    /** The quota, as node {@code n} itself lists it. */
    private static String quotasOf(ClusterHarness cluster, int n) throws IOException {
        try (RawKafkaClient client = RawKafkaClient.connect(cluster.node(n).address())) {
            DescribeClientQuotasResponse r = (DescribeClientQuotasResponse) client.send(
                    new DescribeClientQuotasRequestData().setStrict(false), (short) 1);
            return r.data().entries().toString();
        }
    }

    /** The throttle time node {@code leader} answers a 64 KiB produce of the raw client with. */
    private static int produceThrottle(ClusterHarness cluster, int leader, int partition) throws IOException {
        try (RawKafkaClient client = RawKafkaClient.connect(cluster.node(leader).address())) {
            ProduceRequestData request = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(10_000);
            request.topicData().add(new ProduceRequestData.TopicProduceData().setName("q").setPartitionData(List.of(
                    new ProduceRequestData.PartitionProduceData().setIndex(partition).setRecords(
                            MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(System.currentTimeMillis(), null, new byte[64 * 1024]))))));
            ProduceResponse r = (ProduceResponse) client.send(request, (short) 9);
            r.data().responses().forEach(t -> t.partitionResponses().forEach(p ->
                    assertEquals(Errors.NONE.code(), p.errorCode(), "produce to node " + leader + ": " + p.errorMessage())));
            return r.throttleTimeMs();
        }
    }

    /** As {@link #produceThrottle}, but -1 when the node no longer leads the partition. */
    private static int produceThrottleOrNegative(ClusterHarness cluster, int leader, int partition) {
        try {
            return produceThrottle(cluster, leader, partition);
        } catch (AssertionError e) {
            if (String.valueOf(e.getMessage()).contains("not the leader")) return -1;
            throw e;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static int leaderOf(Admin admin, int partition) throws Exception {
        return admin.describeTopics(List.of("q")).allTopicNames().get().get("q").partitions().get(partition).leader().id();
    }

    @Test
    void aQuotaSetThroughOneNodeIsEnforcedByAnotherAndSurvivesARestart() throws Exception {
        try (ClusterHarness cluster = new ClusterHarness(dir, 3, Map.of())) {
            cluster.startAll();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.node(1).bootstrapServers()))) {
                // Three partitions led by different nodes: the quota is set through node 1 and enforced by
                // the leader of a partition that node 1 does not lead.
                admin.createTopics(List.of(new NewTopic("q", 3, (short) 3))).all().get();
                cluster.awaitFullIsr("q");
                int partition = -1;
                for (int p = 0; p < 3 && partition < 0; p++) if (leaderOf(admin, p) != 1) partition = p;
                assertTrue(partition >= 0, "a partition is led by another node than node 1");
                int leader = leaderOf(admin, partition);
                assertEquals(0, produceThrottle(cluster, leader, partition), "no quota yet");
                admin.alterClientQuotas(List.of(new ClientQuotaAlteration(
                        new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, RawKafkaClient.CLIENT_ID)),
                        List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 1024.0))))).all().get();
                for (int n = 1; n <= 3; n++) {
                    int node = n;
                    Poll.until("node " + node + " lists the quota", Duration.ofSeconds(20),
                            () -> quotasOf(cluster, node).contains("producer_byte_rate"));
                }
                assertTrue(produceThrottle(cluster, leader, partition) > 0, "node " + leader + " throttles the client over its quota");

                cluster.stop(leader);
                cluster.start(leader);
                int restarted = leader;
                Poll.until("restarted node " + restarted + " lists the quota", Duration.ofSeconds(30),
                        () -> quotasOf(cluster, restarted).contains("producer_byte_rate"));
                cluster.awaitFullIsr("q");
                // Leadership may still move (the preferred leader takes its partitions back): ask again until
                // the node asked leads the partition when it answers.
                int[] throttle = {0};
                int[] now = {0};
                int p = partition;
                Poll.until("a produce to the partition's leader after the restart", Duration.ofSeconds(30), () -> {
                    now[0] = leaderOf(admin, p);
                    throttle[0] = produceThrottleOrNegative(cluster, now[0], p);
                    return throttle[0] >= 0;
                });
                assertTrue(throttle[0] > 0, "node " + now[0] + " throttles the client after the restart");
            }
        }
    }
}
