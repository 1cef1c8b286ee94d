package io.tributary.api;

/**
 * A send or delivery that failed; the message names the topic and, where known, the partition.
 * The subtypes say what failed ({@link SendFailedException} and its subtypes for sends,
 * {@link RecordDeserializationException} for delivered records); the package documentation says
 * which are thrown and which complete a send's stage.
 */
public class TributaryException extends RuntimeException {
    public TributaryException(String message) {
        super(message);
    }

    public TributaryException(String message, Throwable cause) {
        super(message, cause);
    }
}
