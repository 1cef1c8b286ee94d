package io.tributary.broker.log;

import io.tributary.broker.testing.Batches;
import io.tributary.broker.testing.LogFixture;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static io.tributary.broker.testing.ManualClock.T0;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Leader epochs recorded by appends, and replicated appends on a follower. */
class FollowerLogTest {
    private static final Map<String, String> SMALL_SEGMENTS = Map.of("segment.bytes", "2048", "index.interval.bytes", "200");

    @RegisterExtension
    final LogFixture logs = new LogFixture("ledger", 2);

    /** The replica of ledger-2 in the directory {@code name} ("leader" or "follower"). */
    private PartitionLog open(String name, Map<String, String> overrides, boolean cleanShutdown) throws IOException {
        return logs.open(logs.dir(name), overrides, cleanShutdown);
    }

    /** Records numbered by their offset: key-n, value-n- and 0 to 39 y, timestamp T0 + n. */
    private static Batches records(int count, long firstOffset) {
        return Batches.of(count).numberedFrom(firstOffset).timestamps(n -> T0 + n).paddedValues("value", 'y', 40);
    }

    /** A batch as a leader in {@code epoch} would send it: offsets from {@code base}, epoch stamped. */
    private static MemoryRecords leaderBatch(long base, int epoch, int count) {
        return records(count, base).asLeaderWrote(base, epoch).build();
    }

    /** Appends {@code batches} batches of 1 to 3 records as leader in {@code epoch}. */
    private static void appendAsLeader(PartitionLog log, int epoch, int batches) {
        for (int b = 0; b < batches; b++) {
            long next = log.logEndOffset();
            log.append(records(1 + b % 3, next).build(), epoch, true);
        }
    }

    /** The bytes of a read result, as a follower would receive them. */
    private static MemoryRecords copy(Records records) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(records.sizeInBytes());
        if (records instanceof FileRecords file) {
            file.readInto(buffer, 0);
        } else {
            buffer.put(((MemoryRecords) records).buffer().duplicate());
            buffer.flip();
        }
        return MemoryRecords.readableRecords(buffer);
    }

    /** Every byte of every segment of a log, in order. */
    private static byte[] allBytes(PartitionLog log) throws IOException {
        var out = new java.io.ByteArrayOutputStream();
        for (LogSegment segment : log.segments()) out.write(Files.readAllBytes(segment.records().file().toPath()));
        return out.toByteArray();
    }

    /** Replicates everything the leader has beyond the follower's log end, in fetches of {@code maxBytes}. */
    private static void replicate(PartitionLog leader, PartitionLog follower, int maxBytes) throws IOException {
        while (follower.logEndOffset() < leader.logEndOffset()) {
            LogReadResult fetched = leader.read(follower.logEndOffset(), maxBytes, true, FetchIsolation.LOG_END);
            assertTrue(fetched.sizeInBytes() > 0);
            follower.appendAsFollower(copy(fetched.records()));
        }
    }

    @Test
    void leaderAppendsRecordTheirEpochInTheCacheAndTheBatches() throws IOException {
        PartitionLog log = open("leader", SMALL_SEGMENTS, false);
        assertEquals(OptionalInt.empty(), log.latestEpoch());
        assertEquals(Optional.empty(), log.endOffsetForEpoch(0));
        appendAsLeader(log, 0, 5);
        long epoch3Start = log.logEndOffset();
        appendAsLeader(log, 3, 4);
        long epoch5Start = log.logEndOffset();
        appendAsLeader(log, 5, 2);

        assertEquals(List.of(new EpochEntry(0, 0), new EpochEntry(3, epoch3Start), new EpochEntry(5, epoch5Start)),
                log.leaderEpochCache().entries());
        assertEquals(OptionalInt.of(5), log.latestEpoch());
        assertEquals(Optional.of(new EpochEndOffset(0, epoch3Start)), log.endOffsetForEpoch(0));
        assertEquals(Optional.of(new EpochEndOffset(3, epoch5Start)), log.endOffsetForEpoch(4));
        assertEquals(Optional.of(new EpochEndOffset(5, log.logEndOffset())), log.endOffsetForEpoch(5));
        assertEquals(Optional.empty(), log.endOffsetForEpoch(6));

        for (LogSegment segment : log.segments()) {
            for (RecordBatch batch : segment.records().batches()) {
                int expected = batch.baseOffset() >= epoch5Start ? 5 : batch.baseOffset() >= epoch3Start ? 3 : 0;
                assertEquals(expected, batch.partitionLeaderEpoch(), "epoch of the batch at " + batch.baseOffset());
            }
        }
    }

    @Test
    void assignEpochStartOffsetMarksANewLeaderBeforeItWrites() throws IOException {
        PartitionLog log = open("leader", Map.of(), false);
        appendAsLeader(log, 1, 3);
        long end = log.logEndOffset();
        log.assignEpochStartOffset(4);
        assertEquals(Optional.of(new EpochEndOffset(1, end)), log.endOffsetForEpoch(1));
        assertEquals(Optional.of(new EpochEndOffset(4, end)), log.endOffsetForEpoch(4));
        appendAsLeader(log, 4, 1);
        assertEquals(List.of(new EpochEntry(1, 0), new EpochEntry(4, end)), log.leaderEpochCache().entries());
    }

    @ParameterizedTest(name = "checkpoint {0}")
    @ValueSource(strings = {"missing", "corrupt", "stale"})
    void epochCacheIsRebuiltOrRepairedFromTheLogOnOpen(String damage) throws Exception {
        PartitionLog log = open("leader", SMALL_SEGMENTS, false);
        appendAsLeader(log, 0, 6);
        appendAsLeader(log, 2, 6);
        appendAsLeader(log, 7, 6);
        List<EpochEntry> expected = log.leaderEpochCache().entries();
        long end = log.logEndOffset();
        logs.close(log);

        File checkpoint = new File(log.dir(), LeaderEpochCache.FILE_NAME);
        switch (damage) {
            case "missing" -> Files.delete(checkpoint.toPath());
            case "corrupt" -> Files.writeString(checkpoint.toPath(), "0\n3\n0 0\n2 x");
            // Entries beyond the log end (an epoch assigned but never written, or a lost tail).
            default -> Files.writeString(checkpoint.toPath(), Files.readString(checkpoint.toPath())
                    .replaceFirst("^0\n3\n", "0\n5\n") + "8 " + end + "\n9 " + (end + 10) + "\n");
        }
        PartitionLog reopened = open("leader", SMALL_SEGMENTS, true);
        assertEquals(expected, reopened.leaderEpochCache().entries());
        assertEquals(expected, LeaderEpochCache.open(logs.tp(), reopened.dir()).entries(), "the repaired cache is checkpointed");
    }

    @Test
    void deletingSegmentsMovesTheFirstEpochStart() throws IOException {
        PartitionLog log = open("leader", SMALL_SEGMENTS, false);
        appendAsLeader(log, 1, 10);
        long epoch2Start = log.logEndOffset();
        appendAsLeader(log, 2, 30);
        long start = log.deleteRecordsBefore(epoch2Start - 2);
        assertEquals(List.of(new EpochEntry(1, start), new EpochEntry(2, epoch2Start)), log.leaderEpochCache().entries());
        log.deleteRecordsBefore(epoch2Start + 5);
        assertEquals(List.of(new EpochEntry(2, epoch2Start + 5)), log.leaderEpochCache().entries());
    }

    @Test
    void followerAppendKeepsTheLeadersBytesOffsetsAndEpochs() throws IOException {
        PartitionLog leader = open("leader", SMALL_SEGMENTS, false);
        PartitionLog follower = open("follower", SMALL_SEGMENTS, false);
        follower.setHighWatermarkFollowsLogEnd(false);
        appendAsLeader(leader, 0, 10);
        appendAsLeader(leader, 2, 15);
        leader.append(records(5, leader.logEndOffset()).compressed(Compression.gzip().build()).build(), 2, true);
        appendAsLeader(leader, 3, 10);

        replicate(leader, follower, 700);

        assertEquals(leader.logEndOffset(), follower.logEndOffset());
        assertArrayEquals(allBytes(leader), allBytes(follower), "the follower stores the leader's batches unchanged");
        assertEquals(leader.leaderEpochCache().entries(), follower.leaderEpochCache().entries());
        assertEquals(0, follower.highWatermark(), "a replicated append does not move the high watermark");
        follower.updateHighWatermark(leader.logEndOffset());

        for (long offset = 0; offset < leader.logEndOffset(); offset++) {
            Record fromLeader = firstRecordAt(leader, offset);
            Record fromFollower = firstRecordAt(follower, offset);
            assertEquals(offset, fromFollower.offset());
            assertEquals(fromLeader.timestamp(), fromFollower.timestamp());
            assertEquals(Utils.utf8(fromLeader.value()), Utils.utf8(fromFollower.value()));
        }

        logs.close(follower);
        PartitionLog reopened = open("follower", SMALL_SEGMENTS, false);
        assertEquals(leader.logEndOffset(), reopened.logEndOffset());
        assertEquals(leader.leaderEpochCache().entries(), reopened.leaderEpochCache().entries());
    }

    private static Record firstRecordAt(PartitionLog log, long offset) {
        LogReadResult result = log.read(offset, 1, true);
        for (RecordBatch batch : result.records().batches()) {
            for (Record record : batch) if (record.offset() >= offset) return record;
        }
        throw new AssertionError("no record at " + offset + " in " + log);
    }

    @Test
    void followerAppendBelowTheLogEndIsRejectedWithTheOffsets() throws IOException {
        PartitionLog follower = open("follower", Map.of(), false);
        follower.appendAsFollower(leaderBatch(0, 1, 5));

        UnexpectedAppendOffsetException e = assertThrows(UnexpectedAppendOffsetException.class,
                () -> follower.appendAsFollower(leaderBatch(3, 1, 4)));
        assertEquals(logs.tp(), e.topicPartition());
        assertEquals(5, e.expectedOffset());
        assertEquals(3, e.firstOffset());
        assertEquals(6, e.lastOffset());
        assertTrue(e.getMessage().contains(logs.tp().toString()), e.getMessage());
        assertThrows(UnexpectedAppendOffsetException.class, () -> follower.appendAsFollower(leaderBatch(0, 1, 1)));
        assertEquals(5, follower.logEndOffset());

        follower.appendAsFollower(leaderBatch(5, 1, 2));
        assertEquals(7, follower.logEndOffset());
    }

    @Test
    void followerAcceptsAGapThatCompactionLeftInTheLeadersLog() throws IOException {
        PartitionLog follower = open("follower", Map.of(), false);
        follower.appendAsFollower(leaderBatch(0, 1, 5));
        follower.appendAsFollower(leaderBatch(9, 1, 2));
        assertEquals(11, follower.logEndOffset());
        assertEquals(9, firstRecordAt(follower, 5).offset(), "a read in the gap starts at the next record");
    }

    @Test
    void followerAppendRejectsBatchesOutOfOrderInOneAppend() throws IOException {
        PartitionLog follower = open("follower", Map.of(), false);
        ByteBuffer both = ByteBuffer.allocate(1024);
        both.put(leaderBatch(4, 1, 3).buffer()).put(leaderBatch(5, 1, 3).buffer()).flip();
        assertThrows(CorruptRecordException.class, () -> follower.appendAsFollower(MemoryRecords.readableRecords(both)));
        assertEquals(0, follower.logEndOffset());
    }

    @ParameterizedTest(name = "damage at byte {0}")
    @ValueSource(ints = {20, 70, 110})
    void followerAppendRejectsACorruptBatch(int position) throws IOException {
        PartitionLog follower = open("follower", Map.of(), false);
        MemoryRecords good = leaderBatch(0, 1, 3);
        byte[] bytes = Utils.toArray(good.buffer().duplicate());
        bytes[position] ^= 0x5A;
        MemoryRecords damaged = MemoryRecords.readableRecords(ByteBuffer.wrap(bytes));
        CorruptRecordException e = assertThrows(CorruptRecordException.class, () -> follower.appendAsFollower(damaged));
        assertTrue(e.getMessage().contains(logs.tp().toString()), e.getMessage());
        assertEquals(0, follower.logEndOffset());
        assertEquals(0, follower.size());
        assertEquals(OptionalInt.empty(), follower.latestEpoch());
        follower.appendAsFollower(good);
        assertEquals(3, follower.logEndOffset());
    }

    @Test
    void followerAppendIgnoresThePartialBatchASizeLimitedFetchEndsWith() throws IOException {
        PartitionLog follower = open("follower", Map.of(), false);
        MemoryRecords first = leaderBatch(0, 1, 3);
        MemoryRecords second = leaderBatch(3, 1, 4);
        ByteBuffer fetched = ByteBuffer.allocate(first.sizeInBytes() + second.sizeInBytes() - 9);
        fetched.put(first.buffer());
        fetched.put(second.buffer().limit(second.sizeInBytes() - 9)).flip();

        LogAppendInfo info = follower.appendAsFollower(MemoryRecords.readableRecords(fetched));
        assertEquals(0, info.firstOffset());
        assertEquals(2, info.lastOffset());
        assertEquals(3, follower.logEndOffset());
        assertEquals(first.sizeInBytes(), follower.size(), "only the complete batch is stored");

        ByteBuffer onlyPartial = ByteBuffer.wrap(Utils.toArray(second.buffer()), 0, 30).slice();
        LogAppendInfo nothing = follower.appendAsFollower(MemoryRecords.readableRecords(onlyPartial));
        assertEquals(0, nothing.recordCount());
        assertEquals(-1, nothing.firstOffset());
        assertEquals(3, follower.logEndOffset());
        assertEquals(0, follower.appendAsFollower(MemoryRecords.EMPTY).recordCount());

        follower.appendAsFollower(second);
        assertEquals(7, follower.logEndOffset());
    }

    @Test
    void followerAppendUpdatesProducerStateSoALaterLeaderRecognisesRetries() throws IOException {
        PartitionLog follower = open("follower", Map.of(), false);
        follower.appendAsFollower(records(2, 0).idempotent(77L, (short) 0, 0).asLeaderWrote(0L, 4).build());

        // The follower becomes leader and the producer retries its batch.
        LogAppendInfo retry = follower.append(records(2, 0).idempotent(77L, (short) 0, 0).build(), 5, true);
        assertTrue(retry.duplicate());
        assertEquals(0, retry.firstOffset());
        assertEquals(1, retry.lastOffset());
        LogAppendInfo next = follower.append(records(1, 2).idempotent(77L, (short) 0, 2).build(), 5, true);
        assertFalse(next.duplicate());
        assertEquals(2, next.firstOffset());
    }

    @Test
    void followerAppendHonoursFlushMessages() throws IOException {
        PartitionLog follower = open("follower", Map.of("flush.messages", "1"), false);
        follower.appendAsFollower(leaderBatch(0, 1, 3));
        assertEquals(3, follower.recoveryPoint(), "flushed before the append returns");
    }

    @Test
    void followerAppendInTheDefaultModeExposesWhatItAppends() throws IOException {
        PartitionLog follower = open("follower", Map.of(), false);
        follower.appendAsFollower(leaderBatch(0, 1, 3));
        assertEquals(3, follower.highWatermark(), "a single-replica log's high watermark is its log end");
    }
}
