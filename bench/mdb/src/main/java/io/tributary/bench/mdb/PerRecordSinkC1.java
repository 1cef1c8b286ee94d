package io.tributary.bench.mdb;

import io.tributary.api.RecordListener;
import io.tributary.api.TributaryRecord;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

/** As {@link PerRecordSink}, with one group member (one thread) for the four partitions. */
@MessageDriven(activationConfig = {
        @ActivationConfigProperty(propertyName = "topics", propertyValue = "bench-single"),
        @ActivationConfigProperty(propertyName = "groupId", propertyValue = "bench-single-c1"),
        @ActivationConfigProperty(propertyName = "concurrency", propertyValue = "1"),
        @ActivationConfigProperty(propertyName = "resourceAdapter", propertyValue = "tributary")})
public class PerRecordSinkC1 implements RecordListener {
    @Override
    public void onRecord(TributaryRecord record) {
        DeliveryStats.SINGLE_C1.started();
        DeliveryStats.SINGLE_C1.delivered(1);
    }
}
