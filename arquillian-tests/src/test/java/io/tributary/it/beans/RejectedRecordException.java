package io.tributary.it.beans;

/** What {@link RejectingStore} throws for a record it will never accept; named in its {@code nonRetryableExceptions}. */
public class RejectedRecordException extends RuntimeException {
    public RejectedRecordException(String message) {
        super(message);
    }
}
