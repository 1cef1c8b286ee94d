package io.tributary.api;

/**
 * A record that was not stored: what a send's {@code CompletionStage} completes exceptionally
 * with. The cause is the Kafka client's exception. The subtypes name the failures an application
 * may want to treat apart; any other failure (the adapter stopped, a broker error the producer
 * gave up on, a Kafka transaction that failed) is this type itself.
 */
public class SendFailedException extends TributaryException {
    private final String topic;
    private final Integer partition;

    public SendFailedException(String topic, Integer partition, String message, Throwable cause) {
        super(message, cause);
        this.topic = topic;
        this.partition = partition;
    }

    /** The topic the record was sent to. */
    public String topic() {
        return topic;
    }

    /** The partition the record was sent to, or null when the partitioner was to choose. */
    public Integer partition() {
        return partition;
    }
}
