package io.tributary.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With {@code flush.messages=1} an append returns only after the segment file holding its batch
 * has been forced to disk. Shown with a {@link FileSync} that holds the force until the test lets
 * it go: the append must still be running while the force is held, and the force must have seen
 * the file with the batch in it. A SIGKILL test cannot show this (the page cache outlives the
 * process); this one fails if the append stops waiting for the sync.
 */
class FlushBeforeAppendReturnsTest {
    private static final TopicPartition TP = new TopicPartition("durable", 0);

    @TempDir
    Path tmp;

    private ScheduledExecutorService scheduler;
    private PartitionLog log;

    @BeforeEach
    void startScheduler() {
        scheduler = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void close() throws Exception {
        if (log != null) log.close();
        scheduler.shutdownNow();
    }

    /** Holds every force until released, and records the size of each file it forced. */
    static final class HeldSync implements FileSync {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<Long> forcedSizes = new CopyOnWriteArrayList<>();

        @Override
        public void force(FileChannel channel, File file) throws IOException {
            entered.countDown();
            try {
                if (!release.await(30, TimeUnit.SECONDS)) throw new IOException("test never released the force");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            channel.force(true);
            forcedSizes.add(channel.size());
        }
    }

    private PartitionLog open(Map<String, String> overrides, FileSync sync) throws IOException {
        LogConfig config = LogConfig.brokerDefaults(Map.of()).withOverrides(overrides);
        log = PartitionLog.open(TP, tmp.resolve("durable-0").toFile(), config, false, Clock.systemUTC(), scheduler);
        log.useFileSync(sync);
        return log;
    }

    private static MemoryRecords batch(int n) {
        SimpleRecord[] records = new SimpleRecord[n];
        for (int i = 0; i < n; i++) {
            records[i] = new SimpleRecord(System.currentTimeMillis(), ("k" + i).getBytes(StandardCharsets.UTF_8),
                    ("value-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, records);
    }

    @Test
    void withFlushMessagesOfOneAnAppendReturnsOnlyAfterItsBatchIsForced() throws Exception {
        HeldSync sync = new HeldSync();
        PartitionLog log = open(Map.of("flush.messages", "1"), sync);
        MemoryRecords records = batch(3);
        int batchBytes = records.sizeInBytes();

        CompletableFuture<LogAppendInfo> append = CompletableFuture.supplyAsync(() -> log.append(records, 0, true));
        assertTrue(sync.entered.await(10, TimeUnit.SECONDS), "the append forces the segment file");
        Thread.sleep(300);
        assertFalse(append.isDone(), "the append must not return while the force is still running");
        assertEquals(0, log.highWatermark(), "nor may the batch be readable before it is on disk");

        sync.release.countDown();
        LogAppendInfo info = append.get(10, TimeUnit.SECONDS);
        assertEquals(0, info.firstOffset());
        assertEquals(List.of((long) batchBytes), sync.forcedSizes, "one force, of the file holding the whole batch");
        assertEquals(3, log.highWatermark());
        assertEquals(3, log.recoveryPoint());
    }

    @Test
    void withoutFlushMessagesAnAppendDoesNotWaitForAnySync() throws Exception {
        HeldSync sync = new HeldSync();
        PartitionLog log = open(Map.of(), sync);
        LogAppendInfo info = CompletableFuture.supplyAsync(() -> log.append(batch(3), 0, true)).get(10, TimeUnit.SECONDS);
        assertEquals(2, info.lastOffset());
        assertEquals(1, sync.entered.getCount(), "nothing was forced: the page cache holds the batch");
        sync.release.countDown();
    }
}
