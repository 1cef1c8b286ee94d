package io.tributary.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeaderEpochCacheTest {
    private static final TopicPartition TP = new TopicPartition("ledger", 1);

    @TempDir
    File dir;

    private LeaderEpochCache cache(int... epochAndStart) {
        LeaderEpochCache cache = LeaderEpochCache.open(TP, dir);
        for (int i = 0; i < epochAndStart.length; i += 2) cache.assign(epochAndStart[i], epochAndStart[i + 1]);
        return cache;
    }

    private static List<EpochEntry> entries(int... epochAndStart) {
        EpochEntry[] out = new EpochEntry[epochAndStart.length / 2];
        for (int i = 0; i < out.length; i++) out[i] = new EpochEntry(epochAndStart[2 * i], epochAndStart[2 * i + 1]);
        return List.of(out);
    }

    @Test
    void assignAddsOnlyNewerEpochsAndKeepsBothSequencesIncreasing() {
        LeaderEpochCache cache = cache();
        assertEquals(OptionalInt.empty(), cache.latestEpoch());
        cache.assign(0, 0);
        cache.assign(0, 5);
        cache.assign(2, 10);
        cache.assign(1, 20);
        cache.assign(2, 30);
        assertEquals(entries(0, 0, 2, 10), cache.entries(), "epochs at or below the latest are ignored");
        assertEquals(OptionalInt.of(2), cache.latestEpoch());
        assertThrows(IllegalArgumentException.class, () -> cache.assign(-1, 40));
        assertThrows(IllegalArgumentException.class, () -> cache.assign(3, -1));
    }

    @Test
    void assignWithAStartNotAboveTheLatestDropsTheConflictingEntries() {
        LeaderEpochCache cache = cache(1, 0, 2, 10, 3, 20);
        cache.assign(4, 15);
        assertEquals(entries(1, 0, 2, 10, 4, 15), cache.entries());
        cache.assign(5, 10);
        assertEquals(entries(1, 0, 5, 10), cache.entries(), "an entry starting at the same offset is replaced");
        cache.assign(6, 10);
        assertEquals(entries(1, 0, 6, 10), cache.entries());
        cache.assign(7, 0);
        assertEquals(entries(7, 0), cache.entries());
    }

    @Test
    void endOffsetForAnswersLikeKafka() {
        LeaderEpochCache cache = cache(2, 0, 4, 10, 7, 25);
        long leo = 40;
        assertEquals(new EpochEndOffset(7, 40), cache.endOffsetFor(7, leo), "the latest epoch ends at the log end");
        assertEquals(new EpochEndOffset(4, 25), cache.endOffsetFor(4, leo));
        assertEquals(new EpochEndOffset(4, 25), cache.endOffsetFor(5, leo), "an unknown epoch maps to the largest below it");
        assertEquals(new EpochEndOffset(4, 25), cache.endOffsetFor(6, leo));
        assertEquals(new EpochEndOffset(2, 10), cache.endOffsetFor(2, leo));
        assertEquals(new EpochEndOffset(2, 10), cache.endOffsetFor(3, leo));
        assertEquals(EpochEndOffset.UNDEFINED, cache.endOffsetFor(1, leo), "below the first epoch");
        assertEquals(EpochEndOffset.UNDEFINED, cache.endOffsetFor(8, leo), "above the latest epoch");
        assertEquals(EpochEndOffset.UNDEFINED, cache.endOffsetFor(EpochEndOffset.UNDEFINED_EPOCH, leo));
        assertTrue(cache.endOffsetFor(1, leo).isUndefined());
    }

    @Test
    void endOffsetForIsUndefinedWithoutEpochs() {
        LeaderEpochCache cache = cache();
        assertEquals(new EpochEndOffset(-1, -1), cache.endOffsetFor(0, 10));
        assertEquals(new EpochEndOffset(-1, -1), cache.endOffsetFor(3, 0));
    }

    @Test
    void truncateFromEndRemovesEntriesStartingAtOrAfterTheOffset() {
        LeaderEpochCache cache = cache(2, 0, 4, 10, 7, 25);
        cache.truncateFromEnd(26);
        assertEquals(entries(2, 0, 4, 10, 7, 25), cache.entries());
        cache.truncateFromEnd(25);
        assertEquals(entries(2, 0, 4, 10), cache.entries());
        assertEquals(new EpochEndOffset(4, 18), cache.endOffsetFor(4, 18));
        cache.truncateFromEnd(0);
        assertEquals(List.of(), cache.entries());
    }

    @Test
    void truncateFromStartClampsTheEntryCoveringTheNewStart() {
        LeaderEpochCache cache = cache(2, 0, 4, 10, 7, 25);
        cache.truncateFromStart(0);
        assertEquals(entries(2, 0, 4, 10, 7, 25), cache.entries());
        cache.truncateFromStart(12);
        assertEquals(entries(4, 12, 7, 25), cache.entries());
        cache.truncateFromStart(25);
        assertEquals(entries(7, 25), cache.entries());
        cache.truncateFromStart(30);
        assertEquals(entries(7, 30), cache.entries());

        LeaderEpochCache later = cache();
        later.truncateFromEnd(0);
        later.assign(3, 50);
        later.truncateFromStart(40);
        assertEquals(entries(3, 50), later.entries(), "a start below the first entry changes nothing");
    }

    @Test
    void everyChangeIsCheckpointedAndReloaded() throws IOException {
        LeaderEpochCache cache = cache(0, 0, 3, 17, 5, 42);
        cache.truncateFromStart(5);
        cache.truncateFromEnd(42);
        assertEquals(entries(0, 5, 3, 17), cache.entries());

        File file = new File(dir, LeaderEpochCache.FILE_NAME);
        assertEquals("0\n2\n0 5\n3 17\n", Files.readString(file.toPath(), StandardCharsets.UTF_8),
                "Kafka's checkpoint format: version, count, one 'epoch offset' line per entry");
        assertFalse(new File(dir, LeaderEpochCache.FILE_NAME + ".tmp").exists());

        LeaderEpochCache reloaded = LeaderEpochCache.open(TP, dir);
        assertTrue(reloaded.loadedFromCheckpoint());
        assertEquals(entries(0, 5, 3, 17), reloaded.entries());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "garbage", "0\n2\n1 0\n", "0\n2\n3 10\n2 20\n", "0\n2\n1 10\n2 10\n", "7\n0\n",
            "0\n1\n1 x\n", "0\n1\n1 5\n9 9\n"})
    void unreadableCheckpointIsReportedSoTheLogRebuildsIt(String content) throws IOException {
        Files.writeString(new File(dir, LeaderEpochCache.FILE_NAME).toPath(), content, StandardCharsets.UTF_8);
        LeaderEpochCache cache = LeaderEpochCache.open(TP, dir);
        assertFalse(cache.loadedFromCheckpoint());
        assertEquals(List.of(), cache.entries());

        cache.rebuild(entries(0, 0, 2, 8, 1, 9, 4, 12));
        assertEquals(entries(0, 0, 2, 8, 4, 12), cache.entries(), "rebuild applies the entries as assign would");
        assertTrue(LeaderEpochCache.open(TP, dir).loadedFromCheckpoint());
    }

    @Test
    void missingCheckpointIsReportedSoTheLogRebuildsIt() {
        LeaderEpochCache cache = LeaderEpochCache.open(TP, dir);
        assertFalse(cache.loadedFromCheckpoint());
        assertEquals(List.of(), cache.entries());
    }
}
