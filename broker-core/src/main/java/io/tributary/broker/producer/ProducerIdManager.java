package io.tributary.broker.producer;

import io.tributary.broker.log.AtomicFile;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/**
 * Hands out producer ids that are never reused, across restarts and across the nodes of a
 * cluster: an id is the node id in the bits above {@value #COUNTER_BITS} and a per-node counter
 * below. Counter values are reserved in blocks of {@value #BLOCK_SIZE} and the end of the
 * reserved block is written (fsynced, renamed) to {@code <data>/meta/producer-ids} before any id
 * of the block is given out.
 *
 * <p>Thread-safe: {@link #nextId()} is synchronized.
 */
public final class ProducerIdManager {
    static final int BLOCK_SIZE = 1000;
    static final int COUNTER_BITS = 40;
    /** The largest node id whose producer ids stay positive. */
    public static final int MAX_NODE_ID = (1 << (63 - COUNTER_BITS)) - 1;

    private final File file;
    private final long prefix;
    private long next;
    private long blockEnd;

    public ProducerIdManager(File dataDir, int nodeId) throws IOException {
        if (nodeId < 0 || nodeId > MAX_NODE_ID) {
            throw new IllegalArgumentException("node.id " + nodeId + " is outside 0.." + MAX_NODE_ID);
        }
        this.prefix = (long) nodeId << COUNTER_BITS;
        File meta = new File(dataDir, "meta");
        Files.createDirectories(meta.toPath());
        this.file = new File(meta, "producer-ids");
        long reserved = 0;
        if (file.exists()) {
            String text = Files.readString(file.toPath(), StandardCharsets.UTF_8).trim();
            if (!text.isEmpty()) reserved = Long.parseLong(text);
        }
        this.next = reserved;
        this.blockEnd = reserved;
    }

    public synchronized long nextId() throws IOException {
        if (next >= blockEnd) {
            long end = next + BLOCK_SIZE;
            AtomicFile.write(file, Long.toString(end).getBytes(StandardCharsets.UTF_8));
            blockEnd = end;
        }
        return prefix | next++;
    }
}
