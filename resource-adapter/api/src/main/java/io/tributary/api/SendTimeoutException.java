package io.tributary.api;

/**
 * The record was not acknowledged in time: within the timeout given to the send, or within the
 * producer's {@code delivery.timeout.ms} (or {@code max.block.ms} waiting for the topic's
 * metadata). Outside a JTA transaction the record may still be stored later (a send in flight
 * cannot be called back); inside one, the transaction does not commit it (prepare fails).
 */
public class SendTimeoutException extends SendFailedException {
    public SendTimeoutException(String topic, Integer partition, String message, Throwable cause) {
        super(topic, partition, message, cause);
    }
}
