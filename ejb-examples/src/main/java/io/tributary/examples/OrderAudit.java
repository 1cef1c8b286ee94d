package io.tributary.examples;

import io.tributary.api.BatchRecordListener;
import io.tributary.api.TributaryRecord;
import jakarta.annotation.Resource;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * A batch consumer of the same topic in its own group: writes an audit row per record with one
 * JDBC batch per poll, committed with the batch's offsets.
 */
@MessageDriven(activationConfig = {
        @ActivationConfigProperty(propertyName = "topics", propertyValue = OrderService.TOPIC),
        @ActivationConfigProperty(propertyName = "groupId", propertyValue = "order-audit"),
        @ActivationConfigProperty(propertyName = "maxPollRecords", propertyValue = "1000"),
        @ActivationConfigProperty(propertyName = "resourceAdapter", propertyValue = "tributary")})
public class OrderAudit implements BatchRecordListener {
    @Resource(lookup = TributaryResources.DATASOURCE)
    DataSource dataSource;

    @Override
    public void onRecords(List<TributaryRecord> records) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO ORDER_AUDIT (SOURCE_PARTITION, SOURCE_OFFSET, ORDER_ID) VALUES (?, ?, ?)")) {
            for (TributaryRecord r : records) {
                ps.setInt(1, r.partition());
                ps.setLong(2, r.offset());
                ps.setString(3, r.keyAsString());
                ps.addBatch();
            }
            ps.executeBatch();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot audit " + records.size() + " orders: " + e.getMessage(), e);
        }
    }
}
