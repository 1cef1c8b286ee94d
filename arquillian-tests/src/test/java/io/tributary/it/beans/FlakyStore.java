package io.tributary.it.beans;

import io.tributary.api.RecordListener;
import io.tributary.api.TributaryRecord;
import io.tributary.examples.TributaryResources;
import jakarta.annotation.Resource;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;
import jakarta.ejb.MessageDrivenContext;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Stores every record's value in table FLAKY, then throws for "poison" and calls
 * setRollbackOnly for "rollback-only": those rows and their offsets must roll back each time.
 */
@MessageDriven(activationConfig = {
        @ActivationConfigProperty(propertyName = "topics", propertyValue = "flaky"),
        @ActivationConfigProperty(propertyName = "groupId", propertyValue = "flaky-store"),
        @ActivationConfigProperty(propertyName = "maxRedeliveries", propertyValue = "2"),
        @ActivationConfigProperty(propertyName = "redeliveryBackoff", propertyValue = "100"),
        @ActivationConfigProperty(propertyName = "resourceAdapter", propertyValue = "tributary")})
public class FlakyStore implements RecordListener {
    @Resource(lookup = TributaryResources.DATASOURCE)
    DataSource dataSource;

    @Resource
    MessageDrivenContext context;

    @Override
    public void onRecord(TributaryRecord record) {
        Deliveries.attempted(record.topic(), record.partition(), record.offset());
        try (Connection c = dataSource.getConnection()) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS FLAKY (SOURCE_PARTITION INT, SOURCE_OFFSET BIGINT, VAL VARCHAR(64))");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO FLAKY VALUES (?, ?, ?)")) {
                ps.setInt(1, record.partition());
                ps.setLong(2, record.offset());
                ps.setString(3, record.valueAsString());
                ps.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        if ("poison".equals(record.valueAsString())) throw new IllegalStateException("poison record at offset " + record.offset());
        if ("rollback-only".equals(record.valueAsString())) context.setRollbackOnly();
    }
}
