package io.tributary.bench.mdb.wildfly;

import io.tributary.api.BatchRecordListener;
import io.tributary.api.TributaryRecord;
import jakarta.annotation.Resource;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

import javax.sql.DataSource;
import java.sql.SQLException;
import java.util.List;

/**
 * Tributary, batch: each poll (up to 2 000 records) of topic {@code bench} is one
 * container-managed ({@code REQUIRED}) XA transaction holding the offset rows of its partitions
 * (the adapter's) and one row of {@code BENCH_ROWS} per record, inserted as one JDBC batch. Group
 * {@code bench-batch-c1}, one group member (one thread) for the four partitions.
 */
@MessageDriven(activationConfig = {
        @ActivationConfigProperty(propertyName = "topics", propertyValue = "bench"),
        @ActivationConfigProperty(propertyName = "groupId", propertyValue = "bench-batch-c1"),
        @ActivationConfigProperty(propertyName = "maxPollRecords", propertyValue = "2000"),
        @ActivationConfigProperty(propertyName = "concurrency", propertyValue = "1")})
public class BatchSinkC1 implements BatchRecordListener {
    @Resource(lookup = Rows.DATASOURCE)
    private DataSource rows;

    @Override
    public void onRecords(List<TributaryRecord> records) {
        DeliveryStats stats = DeliveryStats.BATCH_C1;
        stats.started();
        try {
            Rows.insertAll(rows, stats.name(), records);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "Storing " + records.size() + " records from " + records.get(0) + " failed", e);
        }
        stats.delivered(records.size());
    }
}
