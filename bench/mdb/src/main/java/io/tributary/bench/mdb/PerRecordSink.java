package io.tributary.bench.mdb;

import io.tributary.api.RecordListener;
import io.tributary.api.TributaryRecord;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

/**
 * Per-record delivery, container-managed transaction ({@code REQUIRED}, the default): each record
 * is one JTA transaction holding the partition's offset row. Four group members on the four
 * partitions of {@code bench-single}.
 */
@MessageDriven(activationConfig = {
        @ActivationConfigProperty(propertyName = "topics", propertyValue = "bench-single"),
        @ActivationConfigProperty(propertyName = "groupId", propertyValue = "bench-single"),
        @ActivationConfigProperty(propertyName = "concurrency", propertyValue = "4"),
        @ActivationConfigProperty(propertyName = "resourceAdapter", propertyValue = "tributary")})
public class PerRecordSink implements RecordListener {
    @Override
    public void onRecord(TributaryRecord record) {
        DeliveryStats.SINGLE_C4.started();
        DeliveryStats.SINGLE_C4.delivered(1);
    }
}
