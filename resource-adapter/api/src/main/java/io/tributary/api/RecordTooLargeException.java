package io.tributary.api;

/**
 * The record is larger than the producer's {@code max.request.size} or the topic's
 * {@code max.message.bytes}; sending it again will fail again.
 */
public class RecordTooLargeException extends SendFailedException {
    public RecordTooLargeException(String topic, Integer partition, String message, Throwable cause) {
        super(topic, partition, message, cause);
    }
}
