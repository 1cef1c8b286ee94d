package io.tributary.broker.network;

import java.util.ArrayList;
import java.util.List;

/**
 * The broker-wide bounds on requests read from the network, Kafka's {@code queued.max.requests}
 * and {@code queued.max.request.bytes}: a request counts as queued from the moment its length
 * prefix is read until an I/O thread starts on it, and its body's bytes count from that moment
 * until its response is written (or the connection closes). A connection whose next request does
 * not fit stops reading from its socket ({@link ReadGate#NO_MEMORY}) and waits here; as requests
 * are answered the waiting connections are woken and try again. So the memory that request
 * bodies take stays bounded however many clients send at once, and the rest queues in the
 * clients and the kernel's socket buffers (the backpressure Kafka gives).
 *
 * <p>As Kafka's request memory pool, the byte bound is not strict: a request is admitted while
 * fewer than {@code maxBytes} are in use, so one request larger than what is left (up to
 * {@code socket.request.max.bytes}) still goes through and the pool cannot be starved by it.
 *
 * <p>Thread safety: one lock (this object's monitor) guards the counters and the waiters; it is
 * never held across I/O, and waiters run after it is released.
 */
public final class RequestQueueLimits {
    private final int maxRequests;
    private final long maxBytes;
    private int requests;
    private long bytes;
    private List<Runnable> waiters = new ArrayList<>();
    /** When the bounds last became full ({@link System#nanoTime}), or -1 while there is room. */
    private long depletedSince = -1;
    private long depletedNanos;

    /**
     * @param maxRequests {@code queued.max.requests}, at least 1
     * @param maxBytes    the bytes of request bodies held at most, at least 1
     */
    public RequestQueueLimits(int maxRequests, long maxBytes) {
        if (maxRequests < 1) throw new IllegalArgumentException("queued.max.requests must be at least 1, got " + maxRequests);
        if (maxBytes < 1) throw new IllegalArgumentException("queued.max.request.bytes must be positive, got " + maxBytes);
        this.maxRequests = maxRequests;
        this.maxBytes = maxBytes;
    }

    /**
     * Admits a request of {@code size} bytes, or, when the bounds are reached, keeps
     * {@code waiter} to run once some room is freed (it must then ask again) and returns false.
     */
    public boolean admit(int size, Runnable waiter) {
        synchronized (this) {
            if (requests < maxRequests && bytes < maxBytes) {
                requests++;
                bytes += size;
                return true;
            }
            if (depletedSince < 0) depletedSince = System.nanoTime();
            waiters.add(waiter);
            return false;
        }
    }

    /** An admitted request has left the queue: an I/O thread has started on it. */
    public void dequeued() {
        List<Runnable> wake;
        synchronized (this) {
            requests--;
            wake = takeWaiters();
        }
        wake.forEach(Runnable::run);
    }

    /** The body of an admitted request, {@code size} bytes, is no longer held. */
    public void released(int size) {
        List<Runnable> wake;
        synchronized (this) {
            bytes -= size;
            wake = takeWaiters();
        }
        wake.forEach(Runnable::run);
    }

    /** Under the lock. */
    private List<Runnable> takeWaiters() {
        if (requests >= maxRequests || bytes >= maxBytes) return List.of();
        if (depletedSince >= 0) {
            depletedNanos += System.nanoTime() - depletedSince;
            depletedSince = -1;
        }
        if (waiters.isEmpty()) return List.of();
        List<Runnable> wake = waiters;
        waiters = new ArrayList<>();
        return wake;
    }

    public synchronized int queuedRequests() {
        return requests;
    }

    public synchronized long usedBytes() {
        return bytes;
    }

    /** Bytes still free below the bound; negative while one large request has gone past it. */
    public synchronized long availableBytes() {
        return maxBytes - bytes;
    }

    /**
     * The byte bound when {@code queued.max.request.bytes} is -1: two fifths of the memory the JVM
     * allows for direct buffers ({@code -XX:MaxDirectMemorySize}, by default the maximum heap),
     * which request bodies are read into; the rest is left for socket reads, TLS and responses.
     */
    public static long defaultMaxBytes() {
        return Math.max(1, io.netty.util.internal.PlatformDependent.maxDirectMemory() * 2 / 5);
    }

    public long maxBytes() {
        return maxBytes;
    }

    public int maxRequests() {
        return maxRequests;
    }

    /** How long, in all, connections have had to wait because the bounds were reached. */
    public synchronized long depletedMillis() {
        long nanos = depletedNanos + (depletedSince >= 0 ? System.nanoTime() - depletedSince : 0);
        return nanos / 1_000_000;
    }
}
