package io.tributary.broker.group;

import io.tributary.broker.testing.ManualClock;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The group coordinator over a real offsets log: the membership it writes there is loaded by
 * another coordinator over the same log (a restart, or a new leader of the offsets partition), with
 * the generation and the members, and the members carry on without rejoining.
 */
class GroupCoordinatorLoadTest {
    private static final GroupConfig CONFIG = OffsetsLogFixture.CONFIG;
    private static final String GROUP = "billing";

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(1_000_000);
    private OffsetsLogFixture node;
    private final List<GroupCoordinator> coordinators = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        node = new OffsetsLogFixture(dir);
    }

    @AfterEach
    void stop() throws Exception {
        coordinators.forEach(GroupCoordinator::close);
        node.close();
    }

    private GroupCoordinator coordinator() {
        OffsetStore store = node.offsetStore(node.replication);
        GroupCoordinator c = new GroupCoordinator(CONFIG, store, clock);
        coordinators.add(c);
        return c;
    }

    @Test
    void anotherCoordinatorLoadsTheGenerationAndMembersFromTheOffsetsLog() throws Exception {
        GroupCoordinator first = coordinator();
        first.start();
        String a = first.join(joinRequest(""), "client-a", "/10.0.0.1", (short) 9).get(5, TimeUnit.SECONDS).memberId();
        JoinGroupResponseData aJoined = first.join(joinRequest(a), "client-a", "/10.0.0.1", (short) 9).get(5, TimeUnit.SECONDS);
        assertEquals(1, aJoined.generationId());
        String b = first.join(joinRequest(""), "client-b", "/10.0.0.2", (short) 9).get(5, TimeUnit.SECONDS).memberId();
        CompletableFuture<JoinGroupResponseData> bJoin = first.join(joinRequest(b), "client-b", "/10.0.0.2", (short) 9);
        CompletableFuture<JoinGroupResponseData> aRejoin = first.join(joinRequest(a), "client-a", "/10.0.0.1", (short) 9);
        assertEquals(2, bJoin.get(5, TimeUnit.SECONDS).generationId());
        assertEquals(a, aRejoin.get(5, TimeUnit.SECONDS).leader());
        CompletableFuture<SyncGroupResponseData> bSync = first.sync(syncRequest(b, 2, Map.of()));
        SyncGroupResponseData aSync = first.sync(syncRequest(a, 2, Map.of(a, new byte[]{1}, b, new byte[]{2})))
                .get(5, TimeUnit.SECONDS);
        assertArrayEquals(new byte[]{1}, aSync.assignment());
        assertArrayEquals(new byte[]{2}, bSync.get(5, TimeUnit.SECONDS).assignment());
        GroupCoordinator.GroupSummary before = first.describe(GROUP).orElseThrow();
        first.close();

        TopicPartition partition = new TopicPartition(OffsetStore.TOPIC, first.offsets().partitionFor(GROUP));
        assertTrue(groupMetadataRecords(partition) >= 1, "the membership is in " + partition);

        clock.advanceMillis(5_000);
        GroupCoordinator second = coordinator();
        second.start();
        GroupCoordinator.GroupSummary after = second.describe(GROUP).orElseThrow();
        assertEquals("Stable", after.state());
        assertEquals("range", after.protocol());
        assertEquals(List.of(a, b), after.members().stream().map(GroupCoordinator.MemberSummary::memberId).toList());
        assertEquals(List.of("client-a", "client-b"), after.members().stream().map(GroupCoordinator.MemberSummary::clientId).toList());
        assertEquals(List.of("/10.0.0.1", "/10.0.0.2"), after.members().stream().map(GroupCoordinator.MemberSummary::clientHost).toList());
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(before.members().get(i).assignment(), after.members().get(i).assignment());
            assertArrayEquals(before.members().get(i).metadata(), after.members().get(i).metadata());
        }
        assertEquals(Errors.NONE, second.heartbeat(GROUP, a, null, 2), "the loaded generation goes on");
        assertEquals(Errors.NONE, second.heartbeat(GROUP, b, null, 2));
        assertEquals(Errors.NONE, second.validateCommit(GROUP, b, null, 2));
        SyncGroupResponseData again = second.sync(syncRequest(b, 2, Map.of())).get(5, TimeUnit.SECONDS);
        assertArrayEquals(new byte[]{2}, again.assignment());

        second.unloadGroupsOf(partition.partition());
        assertTrue(second.describe(GROUP).isEmpty(), "unloaded");
        second.loadGroupsOf(partition.partition());
        assertEquals(Errors.NONE, second.heartbeat(GROUP, a, null, 2), "reloaded as the new leader of the partition");
    }

    @Test
    void aDeletedGroupIsNotLoadedAgain() throws Exception {
        GroupCoordinator first = coordinator();
        first.start();
        String a = first.join(joinRequest(""), "client-a", "/10.0.0.1", (short) 9).get(5, TimeUnit.SECONDS).memberId();
        first.join(joinRequest(a), "client-a", "/10.0.0.1", (short) 9).get(5, TimeUnit.SECONDS);
        first.sync(syncRequest(a, 1, Map.of(a, new byte[]{1}))).get(5, TimeUnit.SECONDS);
        assertEquals(List.of(Errors.NONE), first.leave(GROUP, List.<String[]>of(new String[]{a, null})));
        assertEquals(Errors.NONE, first.delete(GROUP));
        first.close();

        GroupCoordinator second = coordinator();
        second.start();
        assertTrue(second.describe(GROUP).isEmpty());
    }

    private long groupMetadataRecords(TopicPartition tp) {
        var log = node.logs.get(tp).orElseThrow();
        long count = 0;
        for (RecordBatch batch : log.read(log.logStartOffset(), 1 << 20, true,
                io.tributary.broker.log.FetchIsolation.LOG_END).records().batches()) {
            for (Record r : batch) {
                if (r.hasKey() && GroupMetadataCodec.isGroupMetadataKey(r.key())) count++;
            }
        }
        return count;
    }

    private static JoinGroupRequestData joinRequest(String memberId) {
        byte[] subscription = Utils.toArray(ConsumerProtocol.serializeSubscription(
                new ConsumerPartitionAssignor.Subscription(List.of("orders"))));
        JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(subscription));
        return new JoinGroupRequestData().setGroupId(GROUP).setMemberId(memberId).setProtocolType("consumer")
                .setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(30_000).setProtocols(protocols);
    }

    private static SyncGroupRequestData syncRequest(String memberId, int generation, Map<String, byte[]> assignment) {
        SyncGroupRequestData req = new SyncGroupRequestData().setGroupId(GROUP).setMemberId(memberId).setGenerationId(generation);
        assignment.forEach((id, bytes) -> req.assignments().add(
                new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(id).setAssignment(bytes)));
        return req;
    }
}
