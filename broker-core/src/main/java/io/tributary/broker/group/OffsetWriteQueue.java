package io.tributary.broker.group;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * The writes to one partition of {@code __consumer_offsets} that are appended but not yet applied
 * to memory, in log order. A write's in-memory effect runs only once its append is acknowledged and
 * every write before it in the log has been applied or has failed; so memory always holds what a
 * prefix of the log's acknowledged writes says, whatever order the acknowledgements arrive in. A
 * write's result completes after its effect, so a client that sees its commit acknowledged reads it
 * back.
 *
 * <p>Thread safety: the queue is guarded by its monitor. Effects and completions run outside it, one
 * at a time and in log order, on the thread that completed the write at the head (a draining flag
 * makes any other thread leave the draining to it).
 */
final class OffsetWriteQueue {
    private final ArrayDeque<Write> writes = new ArrayDeque<>();
    private boolean draining;

    /** One appended write. Its fields are guarded by the queue's monitor. */
    static final class Write {
        private final Runnable effect;
        private final CompletableFuture<Void> result = new CompletableFuture<>();
        private boolean done;
        private Throwable failure;

        private Write(Runnable effect) {
            this.effect = effect;
        }

        /** Completes after the write's effect is in memory, or with the reason its append failed. */
        CompletableFuture<Void> result() {
            return result;
        }
    }

    /** Registers a write whose records were just appended; callers add in log order. */
    synchronized Write add(Runnable effect) {
        Write w = new Write(effect);
        writes.add(w);
        return w;
    }

    /** Records how {@code w}'s append ended ({@code failure} null when acknowledged) and applies what it can. */
    void complete(Write w, Throwable failure) {
        synchronized (this) {
            w.done = true;
            w.failure = failure;
            if (draining) return;
            draining = true;
        }
        while (true) {
            Write head;
            synchronized (this) {
                head = writes.peek();
                if (head == null || !head.done) {
                    draining = false;
                    return;
                }
                writes.poll();
            }
            if (head.failure != null) {
                head.result.completeExceptionally(head.failure);
                continue;
            }
            try {
                head.effect.run();
                head.result.complete(null);
            } catch (RuntimeException e) {
                head.result.completeExceptionally(e);
            }
        }
    }
}
