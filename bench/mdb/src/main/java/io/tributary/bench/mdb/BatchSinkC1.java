package io.tributary.bench.mdb;

import io.tributary.api.BatchRecordListener;
import io.tributary.api.TributaryRecord;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

import java.util.List;

/** As {@link BatchSink}, with one group member (one thread) for the four partitions. */
@MessageDriven(activationConfig = {
        @ActivationConfigProperty(propertyName = "topics", propertyValue = "bench-batch"),
        @ActivationConfigProperty(propertyName = "groupId", propertyValue = "bench-batch-c1"),
        @ActivationConfigProperty(propertyName = "maxPollRecords", propertyValue = "2000"),
        @ActivationConfigProperty(propertyName = "concurrency", propertyValue = "1"),
        @ActivationConfigProperty(propertyName = "resourceAdapter", propertyValue = "tributary")})
public class BatchSinkC1 implements BatchRecordListener {
    @Override
    public void onRecords(List<TributaryRecord> records) {
        DeliveryStats.BATCH_C1.started();
        DeliveryStats.BATCH_C1.delivered(records.size());
    }
}
