package io.tributary.it.beans;

import io.tributary.api.RecordListener;
import io.tributary.api.TributaryRecord;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

/**
 * Accepts every record of topic {@value #TOPIC} but the one valued "reject", for which it throws
 * {@link RejectedRecordException}, named in {@code nonRetryableExceptions}: that record must go to
 * the dead-letter topic at its first failure although {@code maxRedeliveries} allows three more.
 * Counts every invocation in {@link Deliveries}.
 */
@MessageDriven(activationConfig = {
        @ActivationConfigProperty(propertyName = "topics", propertyValue = RejectingStore.TOPIC),
        @ActivationConfigProperty(propertyName = "groupId", propertyValue = RejectingStore.TOPIC),
        @ActivationConfigProperty(propertyName = "nonRetryableExceptions", propertyValue = "io.tributary.it.beans.RejectedRecordException"),
        @ActivationConfigProperty(propertyName = "maxRedeliveries", propertyValue = "3"),
        @ActivationConfigProperty(propertyName = "redeliveryBackoff", propertyValue = "100"),
        @ActivationConfigProperty(propertyName = "resourceAdapter", propertyValue = "tributary")})
public class RejectingStore implements RecordListener {
    public static final String TOPIC = "rejecting";

    @Override
    public void onRecord(TributaryRecord record) {
        Deliveries.attempted(record.topic(), record.partition(), record.offset());
        if ("reject".equals(record.valueAsString())) {
            throw new RejectedRecordException("record at offset " + record.offset() + " is rejected for good");
        }
    }
}
