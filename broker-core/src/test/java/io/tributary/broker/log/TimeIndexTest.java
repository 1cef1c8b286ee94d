package io.tributary.broker.log;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimeIndexTest {
    private static final long BASE = 500;

    @TempDir
    Path tmp;

    private File indexFile() {
        return tmp.resolve(LogSegment.fileName(BASE, ".timeindex")).toFile();
    }

    @Test
    void lookupReturnsTheOffsetOfTheLastEntryWithASmallerTimestamp() throws IOException {
        try (TimeIndex index = TimeIndex.open(indexFile(), BASE)) {
            index.maybeAppend(1_000, BASE + 5);
            index.maybeAppend(2_000, BASE + 10);
            index.maybeAppend(3_000, BASE + 20);

            assertEquals(BASE, index.lookup(500), "before every entry the scan starts at the base offset");
            assertEquals(BASE, index.lookup(1_000), "an entry with the same timestamp may hold the first match");
            assertEquals(BASE + 5, index.lookup(1_001));
            assertEquals(BASE + 5, index.lookup(2_000));
            assertEquals(BASE + 10, index.lookup(2_500));
            assertEquals(BASE + 20, index.lookup(3_001));
            assertEquals(BASE + 20, index.lookup(Long.MAX_VALUE));
        }
    }

    @Test
    void emptyIndexLooksUpToTheBaseOffset() throws IOException {
        try (TimeIndex index = TimeIndex.open(indexFile(), BASE)) {
            assertEquals(0, index.entries());
            assertEquals(BASE, index.lookup(12_345));
            assertTrue(index.sanityCheck(BASE - 1));
        }
    }

    @Test
    void entriesAreStoredAsTwelveByteTimestampAndRelativeOffset() throws IOException {
        try (TimeIndex index = TimeIndex.open(indexFile(), BASE)) {
            index.maybeAppend(1_700_000_000_000L, BASE + 42);
            index.flush();
        }
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(indexFile().toPath()));
        assertEquals(TimeIndex.ENTRY_SIZE, bytes.remaining());
        assertEquals(1_700_000_000_000L, bytes.getLong());
        assertEquals(42, bytes.getInt());
    }

    @Test
    void appendSkipsTimestampsThatDoNotGrow() throws IOException {
        try (TimeIndex index = TimeIndex.open(indexFile(), BASE)) {
            index.maybeAppend(2_000, BASE + 1);
            index.maybeAppend(2_000, BASE + 2);
            index.maybeAppend(1_500, BASE + 3);
            assertEquals(1, index.entries());
            index.maybeAppend(2_001, BASE + 4);
            assertEquals(2, index.entries());
        }
        assertEquals(2L * TimeIndex.ENTRY_SIZE, indexFile().length());
    }

    @Test
    void appendRejectsAnOffsetThatGoesBackwardsOrBelowTheBase() throws IOException {
        try (TimeIndex index = TimeIndex.open(indexFile(), BASE)) {
            index.maybeAppend(1_000, BASE + 10);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> index.maybeAppend(2_000, BASE + 9));
            assertTrue(e.getMessage().contains(indexFile().toString()), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> index.maybeAppend(3_000, BASE - 1));
            assertEquals(1, index.entries());
        }
    }

    @Test
    void reopeningLoadsEveryEntry() throws IOException {
        int count = 300;
        try (TimeIndex index = TimeIndex.open(indexFile(), BASE)) {
            for (int i = 1; i <= count; i++) index.maybeAppend(10_000L + 10L * i, BASE + 2L * i);
            index.flush();
        }
        Files.write(indexFile().toPath(), new byte[] {1, 2, 3, 4, 5}, StandardOpenOption.APPEND); // torn entry
        try (TimeIndex index = TimeIndex.open(indexFile(), BASE)) {
            assertEquals(count, index.entries());
            for (int i = 1; i <= count; i++) {
                assertEquals(BASE + 2L * i, index.lookup(10_000L + 10L * i + 1));
            }
            assertTrue(index.sanityCheck(BASE + 2L * count));
        }
        assertEquals((long) count * TimeIndex.ENTRY_SIZE, indexFile().length());
    }

    @Test
    void truncateToRemovesEntriesAtAndAboveTheOffset() throws IOException {
        try (TimeIndex index = TimeIndex.open(indexFile(), BASE)) {
            index.maybeAppend(1_000, BASE + 10);
            index.maybeAppend(2_000, BASE + 20);
            index.maybeAppend(3_000, BASE + 30);
            index.truncateTo(BASE + 20);
            assertEquals(1, index.entries());
            assertEquals(BASE + 10, index.lookup(5_000));
            index.maybeAppend(1_500, BASE + 15);
            assertEquals(2, index.entries());
            index.reset();
            assertEquals(0, index.entries());
        }
        assertEquals(0, indexFile().length());
    }

    @Test
    void sanityCheckFailsWhenAnEntryPointsPastTheLastOffset() throws IOException {
        try (TimeIndex index = TimeIndex.open(indexFile(), BASE)) {
            index.maybeAppend(1_000, BASE + 10);
            assertTrue(index.sanityCheck(BASE + 10));
            assertFalse(index.sanityCheck(BASE + 9));
        }
    }

    @Test
    void sanityCheckFailsOnAnIndexFileWhoseTimestampsDecrease() throws IOException {
        ByteBuffer raw = ByteBuffer.allocate(2 * TimeIndex.ENTRY_SIZE);
        raw.putLong(2_000).putInt(1);
        raw.putLong(1_000).putInt(2);
        Files.write(indexFile().toPath(), raw.array());
        try (TimeIndex index = TimeIndex.open(indexFile(), BASE)) {
            assertEquals(2, index.entries());
            assertFalse(index.sanityCheck(BASE + 100));
        }
    }

    @Test
    void segmentLookupByTimestampFindsTheFirstRecordAtOrAfterTheTimeEvenWithOutOfOrderTimestamps() throws IOException {
        LogSegment segment = LogSegment.create(tmp.toFile(), BASE, 200, 0);
        try {
            Random random = new Random(7);
            List<long[]> written = new ArrayList<>(); // {offset, timestamp}
            long next = BASE;
            for (int b = 0; b < 150; b++) {
                SimpleRecord[] records = new SimpleRecord[1 + random.nextInt(4)];
                for (int r = 0; r < records.length; r++) {
                    // Mostly increasing, with producers' clocks occasionally behind.
                    long ts = 10_000 + 10L * b + random.nextInt(40) - 20;
                    records[r] = new SimpleRecord(ts, null, new byte[30]);
                    written.add(new long[] {next + r, ts});
                }
                segment.append(MemoryRecords.withRecords(next, Compression.NONE, records));
                next += records.length;
            }
            assertTrue(segment.timeIndex().entries() > 1, "the time index has entries to use");
            assertTrue(segment.timeIndex().sanityCheck(segment.lastOffset()));
            for (long target = 9_950; target <= 11_550; target += 3) {
                long expected = -1;
                for (long[] w : written) {
                    if (w[1] >= target) {
                        expected = w[0];
                        break;
                    }
                }
                FileRecords.TimestampAndOffset found = segment.findOffsetByTimestamp(target, BASE);
                if (expected < 0) {
                    assertNull(found, "no record at or after " + target);
                } else {
                    assertEquals(expected, found.offset, "first offset with timestamp >= " + target);
                    assertTrue(found.timestamp >= target);
                }
            }
        } finally {
            segment.close();
        }
    }
}
