package io.tributary.api;

/** A send or delivery that failed; the message names the topic and, where known, the partition. */
public class TributaryException extends RuntimeException {
    public TributaryException(String message) {
        super(message);
    }

    public TributaryException(String message, Throwable cause) {
        super(message, cause);
    }
}
