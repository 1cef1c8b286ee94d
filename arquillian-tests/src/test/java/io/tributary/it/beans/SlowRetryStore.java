package io.tributary.it.beans;

import io.tributary.api.RecordListener;
import io.tributary.api.TributaryRecord;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

/**
 * Fails every record of topic {@value #TOPIC} with an application exception, and waits
 * {@value #BACKOFF_MS} ms (10 minutes) before a redelivery, while its consumer's
 * {@code max.poll.interval.ms} is {@value #MAX_POLL_INTERVAL_MS} ms: a consumer that slept through the
 * backoff would be thrown out of its group after 10 s. Counts every invocation in {@link Deliveries}.
 */
@MessageDriven(activationConfig = {
        @ActivationConfigProperty(propertyName = "topics", propertyValue = SlowRetryStore.TOPIC),
        @ActivationConfigProperty(propertyName = "groupId", propertyValue = SlowRetryStore.TOPIC),
        @ActivationConfigProperty(propertyName = "redeliveryBackoff", propertyValue = "" + SlowRetryStore.BACKOFF_MS),
        @ActivationConfigProperty(propertyName = "redeliveryBackoffMax", propertyValue = "" + SlowRetryStore.BACKOFF_MS),
        @ActivationConfigProperty(propertyName = "consumerProperties",
                propertyValue = "max.poll.interval.ms=" + SlowRetryStore.MAX_POLL_INTERVAL_MS),
        @ActivationConfigProperty(propertyName = "resourceAdapter", propertyValue = "tributary")})
public class SlowRetryStore implements RecordListener {
    public static final String TOPIC = "slow-retry";
    public static final long BACKOFF_MS = 600_000;
    public static final long MAX_POLL_INTERVAL_MS = 10_000;

    @Override
    public void onRecord(TributaryRecord record) {
        Deliveries.attempted(record.topic(), record.partition(), record.offset());
        throw new IllegalArgumentException("cannot process " + record.valueAsString() + " yet");
    }
}
