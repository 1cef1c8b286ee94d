package io.tributary.broker.log;

import io.tributary.broker.log.ProducerStateManager.BatchMetadata;
import io.tributary.broker.log.ProducerStateManager.CompletedTxn;
import io.tributary.broker.log.ProducerStateManager.ProducerSnapshotEntry;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.zip.CRC32C;

/**
 * A partition's producer state as of one offset, in {@code <offset>.snapshot} in the partition's
 * directory: every producer's epoch, coordinator epoch, open transaction and last batches, and
 * the completed transactions whose markers were not yet below the high watermark. Opening a log
 * restores the latest snapshot at or below its end and replays only the batches after it.
 *
 * <p>Layout: a version (int, 1), the CRC-32C (int) of everything after it, then the producers and
 * the completed transactions, counted. A file that fails its CRC or cannot be read is ignored, and
 * the log falls back to an older snapshot or to replaying the whole log.
 *
 * <p>Durability: written to a temporary file, fsynced, renamed. Stateless and thread-safe; the
 * owning {@link PartitionLog} writes and deletes snapshots under its lock.
 */
final class ProducerStateSnapshot {
    static final String SUFFIX = ".snapshot";
    private static final int VERSION = 1;

    /** What a snapshot holds. */
    record Contents(List<ProducerSnapshotEntry> producers, List<CompletedTxn> unreplicated) {
    }

    private ProducerStateSnapshot() {
    }

    static File file(File dir, long offset) {
        return new File(dir, LogSegment.fileName(offset, SUFFIX));
    }

    /** The offsets of the snapshots in {@code dir}, ascending. */
    static TreeSet<Long> offsets(File dir) {
        TreeSet<Long> out = new TreeSet<>();
        File[] files = dir.listFiles();
        if (files == null) return out;
        for (File f : files) {
            String name = f.getName();
            if (!name.endsWith(SUFFIX)) continue;
            try {
                out.add(Long.parseLong(name.substring(0, name.length() - SUFFIX.length())));
            } catch (NumberFormatException ignored) {
                // not a snapshot of ours
            }
        }
        return out;
    }

    static void write(File dir, long offset, Contents contents) throws IOException {
        int size = 4;
        for (ProducerSnapshotEntry p : contents.producers()) size += 8 + 2 + 4 + 8 + 8 + 4 + p.batches().size() * 32;
        size += 4 + contents.unreplicated().size() * 25;
        ByteBuffer body = ByteBuffer.allocate(size);
        body.putInt(contents.producers().size());
        for (ProducerSnapshotEntry p : contents.producers()) {
            body.putLong(p.producerId()).putShort(p.epoch()).putInt(p.coordinatorEpoch()).putLong(p.lastTimestamp())
                    .putLong(p.currentTxnFirstOffset()).putInt(p.batches().size());
            for (BatchMetadata b : p.batches()) {
                body.putInt(b.firstSeq()).putInt(b.lastSeq()).putLong(b.firstOffset()).putLong(b.lastOffset())
                        .putLong(b.timestamp());
            }
        }
        body.putInt(contents.unreplicated().size());
        for (CompletedTxn t : contents.unreplicated()) {
            body.putLong(t.producerId()).putLong(t.firstOffset()).putLong(t.lastOffset()).put((byte) (t.aborted() ? 1 : 0));
        }
        body.flip();
        CRC32C crc = new CRC32C();
        crc.update(body.duplicate());
        ByteBuffer header = ByteBuffer.allocate(8).putInt(VERSION).putInt((int) crc.getValue()).flip();
        File target = file(dir, offset);
        File tmp = new File(dir, target.getName() + ".tmp");
        try (FileChannel out = FileChannel.open(tmp.toPath(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (header.hasRemaining()) out.write(header);
            while (body.hasRemaining()) out.write(body);
            out.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(tmp.toPath()); // a full disk: what was written of it frees its space again
            throw e;
        }
        Files.move(tmp.toPath(), target.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The snapshot at {@code offset}, empty when it is missing, torn or corrupt. */
    static Optional<Contents> read(File dir, long offset) {
        try {
            ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file(dir, offset).toPath()));
            if (buf.remaining() < 8 || buf.getInt() != VERSION) return Optional.empty();
            int expected = buf.getInt();
            CRC32C crc = new CRC32C();
            crc.update(buf.duplicate());
            if ((int) crc.getValue() != expected) return Optional.empty();
            int n = buf.getInt();
            List<ProducerSnapshotEntry> producers = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                long pid = buf.getLong();
                short epoch = buf.getShort();
                int coordinatorEpoch = buf.getInt();
                long lastTimestamp = buf.getLong();
                long txnFirst = buf.getLong();
                int batches = buf.getInt();
                List<BatchMetadata> list = new ArrayList<>(batches);
                for (int b = 0; b < batches; b++) {
                    list.add(new BatchMetadata(buf.getInt(), buf.getInt(), buf.getLong(), buf.getLong(), buf.getLong()));
                }
                producers.add(new ProducerSnapshotEntry(pid, epoch, coordinatorEpoch, lastTimestamp, txnFirst, list));
            }
            int m = buf.getInt();
            List<CompletedTxn> unreplicated = new ArrayList<>(m);
            for (int i = 0; i < m; i++) {
                unreplicated.add(new CompletedTxn(buf.getLong(), buf.getLong(), buf.getLong(), buf.get() == 1));
            }
            return Optional.of(new Contents(producers, unreplicated));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static void delete(File dir, long offset) throws IOException {
        Files.deleteIfExists(file(dir, offset).toPath());
    }
}
