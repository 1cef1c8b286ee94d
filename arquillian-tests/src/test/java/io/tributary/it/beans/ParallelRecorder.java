package io.tributary.it.beans;

import io.tributary.api.RecordListener;
import io.tributary.api.TributaryRecord;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

/** Records which thread handled which record and when; each delivery takes about 10 ms. */
@MessageDriven(activationConfig = {
        @ActivationConfigProperty(propertyName = "topics", propertyValue = "parallel"),
        @ActivationConfigProperty(propertyName = "groupId", propertyValue = "parallel-recorder"),
        @ActivationConfigProperty(propertyName = "concurrency", propertyValue = "4"),
        @ActivationConfigProperty(propertyName = "maxPollRecords", propertyValue = "20"),
        @ActivationConfigProperty(propertyName = "resourceAdapter", propertyValue = "tributary")})
public class ParallelRecorder implements RecordListener {
    @Override
    public void onRecord(TributaryRecord record) {
        long start = System.nanoTime();
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Deliveries.PARALLEL.add(new Deliveries.Seen(record.topic(), record.partition(), record.offset(),
                Thread.currentThread().getName(), start, System.nanoTime()));
    }
}
