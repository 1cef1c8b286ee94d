package io.tributary.broker.log;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The aborted transactions whose abort markers are in one segment, in marker order: the segment's
 * {@code <base>.txnindex} file, in Kafka's layout (per entry: version 0 as a short, producer id,
 * first offset, last offset and last stable offset as longs; 34 bytes).
 *
 * <p>Durability: entries are appended to the file as markers are written and forced to disk with
 * the segment ({@link #flush}); the log regenerates the entries of every segment it rescans at open
 * ({@link #reset}), so a lost tail is rebuilt. {@link #truncateTo} rewrites the file (copy, fsync,
 * rename).
 *
 * <p>Thread safety: mutations come from the owning {@link PartitionLog} under its lock; reads
 * ({@link #collect}) take no lock and see a consistent list.
 */
final class TransactionIndex {
    static final int ENTRY_BYTES = 34;
    private static final short VERSION = 0;

    private final File file;
    private final CopyOnWriteArrayList<AbortedTxn> entries = new CopyOnWriteArrayList<>();
    private FileChannel channel;

    private TransactionIndex(File file) {
        this.file = file;
    }

    /** Opens the index in {@code file}, reading the entries it holds; a torn last entry is ignored. */
    static TransactionIndex open(File file) throws IOException {
        TransactionIndex index = new TransactionIndex(file);
        if (file.exists()) {
            byte[] bytes = Files.readAllBytes(file.toPath());
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            List<AbortedTxn> read = new ArrayList<>();
            while (buf.remaining() >= ENTRY_BYTES) {
                short version = buf.getShort();
                AbortedTxn txn = new AbortedTxn(buf.getLong(), buf.getLong(), buf.getLong(), buf.getLong());
                if (version != VERSION) break;
                read.add(txn);
            }
            index.entries.addAll(read);
            if (read.size() * ENTRY_BYTES != bytes.length) index.rewrite();
        }
        return index;
    }

    /** Creates an empty index in {@code file}, replacing one a removed segment of that name left. */
    static TransactionIndex create(File file) throws IOException {
        Files.deleteIfExists(file.toPath());
        return new TransactionIndex(file);
    }

    void append(AbortedTxn txn) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(ENTRY_BYTES);
        buf.putShort(VERSION).putLong(txn.producerId()).putLong(txn.firstOffset()).putLong(txn.lastOffset())
                .putLong(txn.lastStableOffset()).flip();
        FileChannel ch = channel();
        while (buf.hasRemaining()) ch.write(buf, ch.size());
        entries.add(txn);
    }

    /** The aborted transactions that reach {@code fetchOffset} and start below {@code upperBound}. */
    void collect(long fetchOffset, long upperBound, List<AbortedTxn> into) {
        for (AbortedTxn txn : entries) {
            if (txn.lastOffset() >= fetchOffset && txn.firstOffset() < upperBound) into.add(txn);
        }
    }

    /** Removes the entries whose marker is at or after {@code offset}. */
    void truncateTo(long offset) throws IOException {
        if (entries.stream().noneMatch(t -> t.lastOffset() >= offset)) return;
        entries.removeIf(t -> t.lastOffset() >= offset);
        rewrite();
    }

    /** Removes every entry (before the log regenerates them). */
    void reset() throws IOException {
        if (entries.isEmpty() && !file.exists()) return;
        entries.clear();
        rewrite();
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    List<AbortedTxn> entries() {
        return List.copyOf(entries);
    }

    void flush() throws IOException {
        if (channel != null) channel.force(true);
    }

    void close() throws IOException {
        if (channel != null) channel.close();
        channel = null;
    }

    void delete() throws IOException {
        close();
        Files.deleteIfExists(file.toPath());
    }

    File file() {
        return file;
    }

    private FileChannel channel() throws IOException {
        if (channel == null) {
            channel = FileChannel.open(file.toPath(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        }
        return channel;
    }

    private void rewrite() throws IOException {
        close();
        File tmp = new File(file.getParentFile(), file.getName() + ".tmp");
        ByteBuffer buf = ByteBuffer.allocate(entries.size() * ENTRY_BYTES);
        for (AbortedTxn t : entries) {
            buf.putShort(VERSION).putLong(t.producerId()).putLong(t.firstOffset()).putLong(t.lastOffset())
                    .putLong(t.lastStableOffset());
        }
        buf.flip();
        try (FileChannel out = FileChannel.open(tmp.toPath(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (buf.hasRemaining()) out.write(buf);
            out.force(true);
        }
        Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
