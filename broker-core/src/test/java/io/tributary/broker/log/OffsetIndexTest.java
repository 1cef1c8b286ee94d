package io.tributary.broker.log;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OffsetIndexTest {
    private static final long BASE = 1_000;

    @TempDir
    Path tmp;

    private File indexFile() {
        return tmp.resolve(LogSegment.fileName(BASE, ".index")).toFile();
    }

    @Test
    void lookupReturnsThePositionOfTheGreatestIndexedOffsetAtOrBelowTheTarget() throws IOException {
        try (OffsetIndex index = OffsetIndex.open(indexFile(), BASE)) {
            index.append(BASE + 10, 100);
            index.append(BASE + 20, 200);
            index.append(BASE + 30, 300);

            assertEquals(0, index.lookupPosition(BASE), "below the first entry the scan starts at the file start");
            assertEquals(0, index.lookupPosition(BASE + 9));
            assertEquals(100, index.lookupPosition(BASE + 10));
            assertEquals(100, index.lookupPosition(BASE + 19));
            assertEquals(200, index.lookupPosition(BASE + 20));
            assertEquals(200, index.lookupPosition(BASE + 29));
            assertEquals(300, index.lookupPosition(BASE + 30));
            assertEquals(300, index.lookupPosition(Long.MAX_VALUE));
            assertEquals(0, index.lookupPosition(0), "an offset below the base offset has no entry");
            assertEquals(BASE + 30, index.lastOffset());
        }
    }

    @Test
    void emptyIndexLooksUpToTheStartOfTheSegment() throws IOException {
        try (OffsetIndex index = OffsetIndex.open(indexFile(), BASE)) {
            assertEquals(0, index.entries());
            assertEquals(0, index.lookupPosition(BASE + 123));
            assertEquals(BASE, index.lastOffset());
            assertTrue(index.sanityCheck(BASE - 1, 0));
        }
    }

    @Test
    void entriesAreStoredAsEightByteRelativeOffsetAndPosition() throws IOException {
        try (OffsetIndex index = OffsetIndex.open(indexFile(), BASE)) {
            index.append(BASE + 7, 4096);
            index.flush();
        }
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(indexFile().toPath()));
        assertEquals(OffsetIndex.ENTRY_SIZE, bytes.remaining());
        assertEquals(7, bytes.getInt(), "offset relative to the base offset");
        assertEquals(4096, bytes.getInt(), "byte position in the log file");
    }

    @Test
    void reopeningLoadsEveryEntry() throws IOException {
        int count = 1_000; // well past the initial in-memory capacity
        try (OffsetIndex index = OffsetIndex.open(indexFile(), BASE)) {
            for (int i = 1; i <= count; i++) index.append(BASE + 3L * i, 50 * i);
            index.flush();
        }
        assertEquals((long) count * OffsetIndex.ENTRY_SIZE, indexFile().length());
        try (OffsetIndex index = OffsetIndex.open(indexFile(), BASE)) {
            assertEquals(count, index.entries());
            assertEquals(BASE + 3L * count, index.lastOffset());
            for (int i = 1; i <= count; i++) {
                assertEquals(50 * i, index.lookupPosition(BASE + 3L * i));
                assertEquals(50 * i, index.lookupPosition(BASE + 3L * i + 2));
            }
            assertTrue(index.sanityCheck(BASE + 3L * count, 50 * count + 1));
            // Appends continue after the loaded entries.
            index.append(BASE + 3L * count + 1, 50 * count + 10);
            assertEquals(count + 1, index.entries());
        }
        assertEquals((long) (count + 1) * OffsetIndex.ENTRY_SIZE, indexFile().length());
    }

    @Test
    void reopeningDropsATornTrailingEntry() throws IOException {
        try (OffsetIndex index = OffsetIndex.open(indexFile(), BASE)) {
            index.append(BASE + 1, 10);
            index.append(BASE + 2, 20);
        }
        Files.write(indexFile().toPath(), new byte[] {0, 0, 0}, StandardOpenOption.APPEND);
        try (OffsetIndex index = OffsetIndex.open(indexFile(), BASE)) {
            assertEquals(2, index.entries());
            assertEquals(20, index.lookupPosition(Long.MAX_VALUE));
        }
        assertEquals(2L * OffsetIndex.ENTRY_SIZE, indexFile().length());
    }

    @Test
    void appendRejectsAnOffsetOrPositionThatDoesNotIncrease() throws IOException {
        try (OffsetIndex index = OffsetIndex.open(indexFile(), BASE)) {
            index.append(BASE + 10, 100);
            IllegalStateException sameOffset = assertThrows(IllegalStateException.class, () -> index.append(BASE + 10, 200));
            assertTrue(sameOffset.getMessage().contains(indexFile().toString()), sameOffset.getMessage());
            assertThrows(IllegalStateException.class, () -> index.append(BASE + 5, 200));
            assertThrows(IllegalStateException.class, () -> index.append(BASE + 11, 100));
            assertThrows(IllegalArgumentException.class, () -> index.append(BASE - 1, 200));
            assertEquals(1, index.entries(), "rejected entries are not added");
        }
        assertEquals(OffsetIndex.ENTRY_SIZE, indexFile().length());
    }

    @Test
    void truncateToRemovesEntriesAtAndAboveTheOffset() throws IOException {
        try (OffsetIndex index = OffsetIndex.open(indexFile(), BASE)) {
            for (int i = 1; i <= 5; i++) index.append(BASE + 10L * i, 100 * i);
            index.truncateTo(BASE + 30);
            assertEquals(2, index.entries());
            assertEquals(200, index.lookupPosition(BASE + 45));
            assertEquals(2L * OffsetIndex.ENTRY_SIZE, indexFile().length());
            index.append(BASE + 25, 250);
            assertEquals(250, index.lookupPosition(BASE + 45));
            index.reset();
            assertEquals(0, index.entries());
            assertEquals(0, indexFile().length());
        }
    }

    @Test
    void sanityCheckAcceptsAnIndexThatFitsTheLog() throws IOException {
        try (OffsetIndex index = OffsetIndex.open(indexFile(), BASE)) {
            index.append(BASE + 10, 100);
            index.append(BASE + 20, 200);
            assertTrue(index.sanityCheck(BASE + 20, 201));
            assertTrue(index.sanityCheck(BASE + 99, 10_000));
        }
    }

    @Test
    void sanityCheckFailsWhenAnEntryPointsPastTheLastOffsetOrTheEndOfTheLog() throws IOException {
        try (OffsetIndex index = OffsetIndex.open(indexFile(), BASE)) {
            index.append(BASE + 10, 100);
            index.append(BASE + 20, 200);
            assertFalse(index.sanityCheck(BASE + 19, 10_000), "entry for an offset the log does not hold");
            assertFalse(index.sanityCheck(BASE + 20, 200), "entry at a position at or past the end of the log");
        }
    }

    @Test
    void sanityCheckFailsOnAnIndexFileWhoseEntriesAreNotIncreasing() throws IOException {
        ByteBuffer raw = ByteBuffer.allocate(3 * OffsetIndex.ENTRY_SIZE);
        raw.putInt(10).putInt(100);
        raw.putInt(30).putInt(300);
        raw.putInt(20).putInt(200); // offset goes backwards
        Files.write(indexFile().toPath(), raw.array());
        try (OffsetIndex index = OffsetIndex.open(indexFile(), BASE)) {
            assertEquals(3, index.entries());
            assertFalse(index.sanityCheck(BASE + 100, 10_000));
        }

        raw.clear();
        raw.putInt(10).putInt(300);
        raw.putInt(20).putInt(200); // position goes backwards
        raw.putInt(30).putInt(400);
        Files.write(indexFile().toPath(), raw.array());
        try (OffsetIndex index = OffsetIndex.open(indexFile(), BASE)) {
            assertFalse(index.sanityCheck(BASE + 100, 10_000));
        }
    }

    @Test
    void sanityCheckFailsOnAnIndexFileOfGarbage() throws IOException {
        byte[] garbage = "this is not an offset index, it is text".getBytes(StandardCharsets.US_ASCII);
        Files.write(indexFile().toPath(), Arrays.copyOf(garbage, 32));
        try (OffsetIndex index = OffsetIndex.open(indexFile(), BASE)) {
            assertEquals(4, index.entries());
            assertFalse(index.sanityCheck(BASE + 1_000, 1 << 20));
        }
    }

    @Test
    void segmentIndexIsSparseWithEntriesAtMostEveryIndexIntervalBytes() throws IOException {
        int interval = 1_000;
        File dir = tmp.toFile();
        LogSegment segment = LogSegment.create(dir, BASE, interval, 0);
        try {
            long next = BASE;
            int batches = 200;
            for (int i = 0; i < batches; i++) {
                SimpleRecord[] records = new SimpleRecord[1 + i % 3];
                for (int r = 0; r < records.length; r++) {
                    records[r] = new SimpleRecord(i, ("k" + i).getBytes(StandardCharsets.UTF_8), new byte[100]);
                }
                segment.append(MemoryRecords.withRecords(next, Compression.NONE, records));
                next += records.length;
            }
            OffsetIndex index = segment.offsetIndex();
            int entries = index.entries();
            assertTrue(entries > 0, "a segment larger than index.interval.bytes has index entries");
            assertTrue(entries < batches / 2, "the index is sparse: " + entries + " entries for " + batches + " batches");
            assertTrue(entries <= segment.sizeInBytes() / interval, entries + " entries for " + segment.sizeInBytes() + " bytes");
            assertTrue(index.sanityCheck(segment.lastOffset(), segment.sizeInBytes()));
            // Every offset is still found: the lookup lands at or before the batch holding it.
            for (long offset = BASE; offset < next; offset++) {
                FileRecords.LogOffsetPosition position = segment.translateOffset(offset);
                RecordBatch holder = segment.records().batchesFrom(position.position).iterator().next();
                assertTrue(holder.baseOffset() <= offset && offset <= holder.lastOffset(), "offset " + offset);
                assertTrue(index.lookupPosition(offset) <= position.position);
            }
        } finally {
            segment.close();
        }
    }
}
