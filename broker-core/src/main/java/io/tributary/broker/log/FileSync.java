package io.tributary.broker.log;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * How a segment's log file is made durable: {@link #FORCE}, {@code FileChannel.force(true)} (fsync),
 * unless a test substitutes one that observes or delays the force ({@link LogManager#useFileSync},
 * {@link PartitionLog#useFileSync}) to show what waits for it, e.g. that with
 * {@code flush.messages=1} an append, and so its acknowledgement, does not complete before the
 * batch's bytes are on disk. A substitute must still call {@code channel.force(true)} before it
 * returns normally: the log's durability promises assume it did.
 *
 * <p>Implementations are called by the thread that flushes (an append, the scheduler) and must be
 * thread-safe.
 */
@FunctionalInterface
public interface FileSync {
    FileSync FORCE = (channel, file) -> channel.force(true);

    /** Forces {@code channel}, open on {@code file}, to the storage device. */
    void force(FileChannel channel, File file) throws IOException;
}
