package io.tributary.it.beans;

import io.tributary.api.RecordListener;
import io.tributary.api.TributaryRecord;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

/**
 * A bean whose consumer cannot start: {@code autoOffsetReset=none} and no stored offset, so once
 * topic "receipts" exists every poll fails (NoOffsetForPartitionException) and the adapter restarts
 * the consumer with the outage backoff until an offset row appears. Counts what it is given.
 */
@MessageDriven(activationConfig = {
        @ActivationConfigProperty(propertyName = "topics", propertyValue = "receipts"),
        @ActivationConfigProperty(propertyName = "groupId", propertyValue = "receipt-store"),
        @ActivationConfigProperty(propertyName = "autoOffsetReset", propertyValue = "none"),
        @ActivationConfigProperty(propertyName = "outageBackoff", propertyValue = "500"),
        @ActivationConfigProperty(propertyName = "outageBackoffMax", propertyValue = "1000"),
        @ActivationConfigProperty(propertyName = "resourceAdapter", propertyValue = "tributary")})
public class ReceiptStore implements RecordListener {
    @Override
    public void onRecord(TributaryRecord record) {
        Deliveries.attempted(record.topic(), record.partition(), record.offset());
    }
}
