package io.tributary.broker.group;

import io.tributary.broker.log.AppendOrigin;
import io.tributary.broker.cluster.Replication;
import io.tributary.broker.cluster.StandaloneReplication;
import io.tributary.broker.log.LogAppendInfo;
import io.tributary.broker.topic.TopicManager;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.record.MemoryRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OffsetStoreTest {
    private static final GroupConfig CONFIG = OffsetsLogFixture.CONFIG;
    private static final TopicPartition TP = new TopicPartition("orders", 0);

    @TempDir
    Path dir;

    private OffsetsLogFixture node;
    private TopicManager topics;
    private StandaloneReplication standalone;

    @BeforeEach
    void start() throws Exception {
        node = new OffsetsLogFixture(dir);
        topics = node.topics;
        standalone = node.replication;
    }

    @AfterEach
    void stop() throws Exception {
        node.close();
    }

    private OffsetStore store(Replication replication) {
        return node.offsetStore(replication);
    }

    private static Map<TopicPartition, CommittedOffset> commit(long offset) {
        return Map.of(TP, new CommittedOffset(offset, -1, "", 0));
    }

    @Test
    void concurrentCommitsToOnePartitionLeaveMemoryAsTheLogSays() throws Exception {
        ScheduledExecutorService acks = Executors.newScheduledThreadPool(4);
        OffsetStore store = store(new SlowAcks(standalone, acks));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 10; round++) {
                List<Future<?>> writers = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    long base = round * 1_000_000L + t * 1000L;
                    writers.add(pool.submit(() -> {
                        for (int i = 0; i < 50; i++) store.commit("g", commit(base + i)).join();
                        return null;
                    }));
                }
                for (Future<?> w : writers) w.get(60, TimeUnit.SECONDS);
                OffsetStore replayed = new OffsetStore(topics, CONFIG);
                replayed.load();
                assertEquals(replayed.offsets("g"), store.offsets("g"),
                        "round " + round + ": memory holds the offset the log holds last");
            }
        } finally {
            pool.shutdownNow();
            acks.shutdownNow();
        }
    }

    @Test
    void writesAcknowledgedOutOfOrderAreAppliedInLogOrder() {
        HeldAcks held = new HeldAcks(standalone);
        OffsetStore store = store(held);
        CompletableFuture<Void> first = store.commit("g", commit(10));
        CompletableFuture<Void> second = store.commit("g", commit(20));
        held.release(1);
        assertFalse(second.isDone(), "the later write waits for the earlier one");
        assertTrue(store.offsets("g").isEmpty(), "nothing is visible before it is acknowledged");
        held.release(0);
        first.join();
        second.join();
        assertEquals(20, store.offsets("g").get(TP).offset());
    }

    @Test
    void aFailedWriteIsNotVisibleAndTellsTheClientToFindTheCoordinator() {
        HeldAcks held = new HeldAcks(standalone);
        OffsetStore store = store(held);
        store.commit("g", commit(5));
        held.release(0);
        CompletableFuture<Void> lost = store.commit("g", commit(7));
        held.fail(1, new NotLeaderOrFollowerException("lost leadership"));
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, lost::get);
        assertInstanceOf(NotCoordinatorException.class, e.getCause());
        assertEquals(5, store.offsets("g").get(TP).offset());
    }

    /** The node's own replication, with each append's acknowledgement held until the test releases it. */
    private static final class HeldAcks extends DelegatingReplication {
        private final List<CompletableFuture<LogAppendInfo>> appended = new ArrayList<>();
        private final List<CompletableFuture<LogAppendInfo>> held = new ArrayList<>();

        HeldAcks(Replication delegate) {
            super(delegate);
        }

        @Override
        public synchronized CompletableFuture<LogAppendInfo> appendAsLeader(TopicPartition tp, MemoryRecords records,
                                                                             short acks, AppendOrigin origin, long timeoutMs) {
            appended.add(delegate.appendAsLeader(tp, records, acks, origin, timeoutMs));
            CompletableFuture<LogAppendInfo> h = new CompletableFuture<>();
            held.add(h);
            return h;
        }

        synchronized void release(int i) {
            held.get(i).complete(appended.get(i).join());
        }

        synchronized void fail(int i, RuntimeException e) {
            held.get(i).completeExceptionally(e);
        }
    }

    /**
     * The node's own replication with each commit acknowledged after a random delay of up to 3 ms, on
     * another thread, as followers acknowledge in a cluster: acknowledgements of concurrent writes
     * arrive in any order.
     */
    private static final class SlowAcks extends DelegatingReplication {
        private final ScheduledExecutorService acks;

        SlowAcks(Replication delegate, ScheduledExecutorService acks) {
            super(delegate);
            this.acks = acks;
        }

        @Override
        public CompletableFuture<LogAppendInfo> appendAsLeader(TopicPartition tp, MemoryRecords records, short acks,
                                                               AppendOrigin origin, long timeoutMs) {
            LogAppendInfo info = delegate.appendAsLeader(tp, records, acks, origin, timeoutMs).join();
            CompletableFuture<LogAppendInfo> f = new CompletableFuture<>();
            this.acks.schedule(() -> f.complete(info), java.util.concurrent.ThreadLocalRandom.current().nextInt(3000),
                    TimeUnit.MICROSECONDS);
            return f;
        }
    }
}
