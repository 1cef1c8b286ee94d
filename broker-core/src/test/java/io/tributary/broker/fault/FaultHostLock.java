package io.tributary.broker.fault;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * One fault-injection run per host at a time. Runs share what they change: the iptables chain
 * {@link NetworkFaults#CHAIN} (a starting run deletes whatever it finds of it) and the node
 * addresses 127.0.0.11-13 its rules match, so a second run, e.g. another {@code mvn verify} in
 * another checkout, would cut or heal the first one's links. The lock is an exclusive lock on
 * {@value #FILE}; the kernel releases it when the JVM exits, however it exits, so a crashed run
 * never leaves it held.
 */
public final class FaultHostLock implements AutoCloseable {
    public static final String FILE = "/tmp/tributary-fault-injection.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private FaultHostLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock, waiting up to {@code patience} for a run that holds it; fails after that. */
    public static FaultHostLock acquire(Duration patience) throws IOException, InterruptedException {
        FileChannel channel = FileChannel.open(Path.of(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        long deadline = System.nanoTime() + patience.toNanos();
        boolean told = false;
        while (true) {
            FileLock lock = channel.tryLock();
            if (lock != null) return new FaultHostLock(channel, lock);
            if (!told) {
                System.out.println("FaultHostLock: another fault-injection run holds " + FILE + "; waiting up to "
                        + patience.toMinutes() + " min");
                told = true;
            }
            if (System.nanoTime() > deadline) {
                channel.close();
                throw new IllegalStateException("another fault-injection run has held " + FILE + " for more than "
                        + patience.toMinutes() + " min; two runs on one host would cut each other's links");
            }
            Thread.sleep(1000);
        }
    }

    @Override
    public void close() throws IOException {
        lock.release();
        channel.close();
    }
}
