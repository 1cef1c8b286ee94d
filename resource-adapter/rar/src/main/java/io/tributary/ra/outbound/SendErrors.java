package io.tributary.ra.outbound;

import io.tributary.api.AuthorizationFailedException;
import io.tributary.api.OutgoingRecord;
import io.tributary.api.RecordTooLargeException;
import io.tributary.api.SendFailedException;
import io.tributary.api.SendTimeoutException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * The one translation of a failed send into the API's error model (the package documentation of
 * {@code io.tributary.api}): the Kafka client's exception becomes the {@link SendFailedException}
 * subtype an application can tell apart, naming the topic and partition, with the client's
 * exception as cause. Stateless and thread-safe.
 */
final class SendErrors {
    private SendErrors() {
    }

    /** The exception a send of {@code r} completes with when the producer reports {@code error}. */
    static SendFailedException failed(OutgoingRecord r, String context, Throwable error) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (e instanceof SendFailedException s) return s;
        String message = "Send to " + where(r) + context + " failed: " + e.getMessage();
        if (e instanceof TimeoutException) return new SendTimeoutException(r.topic(), r.partition(), message, e);
        if (e instanceof org.apache.kafka.common.errors.RecordTooLargeException || e instanceof RecordBatchTooLargeException) {
            return new RecordTooLargeException(r.topic(), r.partition(), message, e);
        }
        if (e instanceof AuthorizationException) return new AuthorizationFailedException(r.topic(), r.partition(), message, e);
        return new SendFailedException(r.topic(), r.partition(), message, e);
    }

    /**
     * {@code send} limited to {@code timeout} (none when null): after it, the returned future
     * completes with a {@link SendTimeoutException}. The send itself goes on.
     */
    static CompletableFuture<io.tributary.api.SentRecord> limit(CompletableFuture<io.tributary.api.SentRecord> send,
                                                                OutgoingRecord r, Duration timeout) {
        if (timeout == null) return send;
        CompletableFuture<io.tributary.api.SentRecord> limited = new CompletableFuture<>();
        send.whenComplete((ok, error) -> {
            if (error != null) limited.completeExceptionally(error);
            else limited.complete(ok);
        });
        long ms = timeout.toMillis();
        // A no-op when the send completed first.
        CompletableFuture.delayedExecutor(ms, TimeUnit.MILLISECONDS).execute(() -> limited.completeExceptionally(
                new SendTimeoutException(r.topic(), r.partition(), "Send to " + where(r) + " was not acknowledged within "
                        + ms + " ms", null)));
        return limited;
    }

    static void checkTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("A send timeout must be positive, got " + timeout);
        }
    }

    private static String where(OutgoingRecord r) {
        return r.topic() + (r.partition() == null ? "" : "-" + r.partition());
    }
}
