package io.tributary.broker.log;

import io.tributary.broker.testing.Batches;
import io.tributary.broker.testing.ManualClock;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Closing the log manager while removed segments wait out {@code file.delete.delay.ms}. */
class LogManagerCloseTest {
    @TempDir
    Path dir;

    @Test
    void closingDoesNotWaitForTheDelayedCloseOfRemovedSegmentsAndLeavesACleanShutdown() throws Exception {
        ManualClock clock = new ManualClock();
        LogManager manager = new LogManager(dir.toFile(), clock);
        PartitionLog log = manager.getOrCreate(new TopicPartition("events", 0), LogConfig.brokerDefaults(Map.of())
                .withOverrides(Map.of("retention.ms", "1000", "file.delete.delay.ms", "60000")));
        log.append(Batches.of(3).timestamp(clock.millis()).build(), 0, true);
        log.roll();
        clock.advance(Duration.ofSeconds(2));
        assertEquals(1, log.applyRetention(), "the old segment is removed; its descriptor closes after 60 s");

        long start = System.nanoTime();
        manager.close();
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertTrue(tookMs < 5_000, "close returned in " + tookMs + " ms, not after the log scheduler's 10 s wait");
        assertTrue(Files.exists(dir.resolve(LogManager.CLEAN_SHUTDOWN_FILE)), "the clean-shutdown marker is written");
    }
}
