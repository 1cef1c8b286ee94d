package io.tributary.api;

/**
 * The cluster refused the adapter's principal the right to write to the topic (or to use the
 * transactional id of a JTA transaction's Kafka transaction): an ACL is missing.
 */
public class AuthorizationFailedException extends SendFailedException {
    public AuthorizationFailedException(String topic, Integer partition, String message, Throwable cause) {
        super(topic, partition, message, cause);
    }
}
