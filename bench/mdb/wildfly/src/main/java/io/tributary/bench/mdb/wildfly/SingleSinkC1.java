package io.tributary.bench.mdb.wildfly;

import io.tributary.api.RecordListener;
import io.tributary.api.TributaryRecord;
import jakarta.annotation.Resource;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

import javax.sql.DataSource;
import java.sql.SQLException;

/**
 * Tributary, per record: each record of topic {@code bench} is one container-managed
 * ({@code REQUIRED}) XA transaction holding the partition's offset row (the adapter's) and one row
 * of {@code BENCH_ROWS}. Group {@code bench-single-c1}, one group member (one thread) for the
 * four partitions.
 */
@MessageDriven(activationConfig = {
        @ActivationConfigProperty(propertyName = "topics", propertyValue = "bench"),
        @ActivationConfigProperty(propertyName = "groupId", propertyValue = "bench-single-c1"),
        @ActivationConfigProperty(propertyName = "concurrency", propertyValue = "1")})
public class SingleSinkC1 implements RecordListener {
    @Resource(lookup = Rows.DATASOURCE)
    private DataSource rows;

    @Override
    public void onRecord(TributaryRecord record) {
        DeliveryStats stats = DeliveryStats.SINGLE_C1;
        stats.started();
        try {
            Rows.insert(rows, stats.name(), record.partition() + ":" + record.offset(), record.value());
        } catch (SQLException e) {
            throw new IllegalStateException("Storing " + record + " failed", e);
        }
        stats.delivered(1);
    }
}
