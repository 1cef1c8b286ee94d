package io.tributary.broker.network;

import io.tributary.broker.metrics.RequestMetrics;

/**
 * When one request passed each stage of its way through a connection, for
 * {@link RequestMetrics#record}: handed to the I/O executor, taken by an I/O thread, returned by
 * the processor, completed, taken back by the event loop, written to the socket.
 *
 * <p>Thread safety: each stage's time is written by the thread holding the request at that stage
 * and read only by the later ones; every hand-off between them (the executor, the future's
 * completion, the event loop's task queue) orders the writes before the reads.
 */
final class RequestTiming {
    private final RequestMetrics metrics;
    private final short apiKey;
    private final short version;
    private final long handedOff;
    long started;
    long handled;
    long completed;
    long responseTaken;

    RequestTiming(RequestMetrics metrics, short apiKey, short version, long handedOff) {
        this.metrics = metrics;
        this.apiKey = apiKey;
        this.version = version;
        this.handedOff = handedOff;
    }

    /** Records the request, its response written (or, with no response, dropped) at {@code sent}. */
    void sent(long sent) {
        long start = started == 0 ? handedOff : started;
        long handledAt = handled == 0 ? start : handled;
        long completedAt = completed == 0 ? handledAt : completed;
        long taken = responseTaken == 0 ? completedAt : responseTaken;
        metrics.record(apiKey, version, start - handedOff, handledAt - start, completedAt - handledAt,
                taken - completedAt, sent - taken, sent - handedOff);
    }
}
