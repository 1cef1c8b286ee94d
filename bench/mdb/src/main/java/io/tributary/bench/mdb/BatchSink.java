package io.tributary.bench.mdb;

import io.tributary.api.BatchRecordListener;
import io.tributary.api.TributaryRecord;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

import java.util.List;

/**
 * Batch delivery, container-managed transaction ({@code REQUIRED}): each poll (up to 2 000
 * records) is one JTA transaction holding the offset rows of its partitions. Four group members on
 * the four partitions of {@code bench-batch}.
 */
@MessageDriven(activationConfig = {
        @ActivationConfigProperty(propertyName = "topics", propertyValue = "bench-batch"),
        @ActivationConfigProperty(propertyName = "groupId", propertyValue = "bench-batch"),
        @ActivationConfigProperty(propertyName = "maxPollRecords", propertyValue = "2000"),
        @ActivationConfigProperty(propertyName = "concurrency", propertyValue = "4"),
        @ActivationConfigProperty(propertyName = "resourceAdapter", propertyValue = "tributary")})
public class BatchSink implements BatchRecordListener {
    @Override
    public void onRecords(List<TributaryRecord> records) {
        DeliveryStats.BATCH_C4.started();
        DeliveryStats.BATCH_C4.delivered(records.size());
    }
}
