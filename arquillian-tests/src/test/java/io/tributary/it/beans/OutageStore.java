package io.tributary.it.beans;

import io.tributary.api.RecordListener;
import io.tributary.api.TributaryRecord;
import jakarta.annotation.Resource;
import jakarta.annotation.sql.DataSourceDefinition;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Stores one row per record of topic {@value #TOPIC} (primary key the record's key, so a second
 * delivery of a stored record fails) in a database server of its own, an H2 TCP server that
 * the test stops and starts again ({@link #DATASOURCE}, an XA datasource). The offsets are in the
 * same database ({@code offsetDataSource}), so a row and its offset commit together: the
 * production setup of "offsets in the application's database". The pool needs no validation
 * setting: Payara Micro evicts a pooled connection that fails to enlist in a transaction (RAR7132)
 * and opens new ones once the server is back.
 *
 * <p>One consumer ({@code concurrency} 1): with two, their first look-ups of this
 * {@code java:global} datasource raced on Payara Micro 6.2025.10 while it created the pool (RAR6030,
 * "No pool by name"), the injection into the first bean instance failed (MDB00050), and that
 * delivery completed without the bean: its offset committed without its row.
 */
@DataSourceDefinition(name = OutageStore.DATASOURCE,
        className = "org.h2.jdbcx.JdbcDataSource",
        url = "jdbc:h2:tcp://127.0.0.1:" + OutageStore.PORT + "/outage",
        user = "sa", password = "outage")
@MessageDriven(activationConfig = {
        @ActivationConfigProperty(propertyName = "topics", propertyValue = OutageStore.TOPIC),
        @ActivationConfigProperty(propertyName = "groupId", propertyValue = OutageStore.TOPIC),
        @ActivationConfigProperty(propertyName = "offsetDataSource", propertyValue = OutageStore.DATASOURCE),
        @ActivationConfigProperty(propertyName = "outageBackoff", propertyValue = "500"),
        @ActivationConfigProperty(propertyName = "outageBackoffMax", propertyValue = "4000"),
        @ActivationConfigProperty(propertyName = "resourceAdapter", propertyValue = "tributary")})
public class OutageStore implements RecordListener {
    public static final String TOPIC = "outage-orders";
    /** Global: the adapter looks {@code offsetDataSource} up from its own threads, outside the application. */
    public static final String DATASOURCE = "java:global/jdbc/failure-paths-outage";
    /** The H2 TCP server's port on 127.0.0.1 (the test starts it before deploying). */
    public static final int PORT = 19121;
    public static final String TABLE = "OUTAGE_ROWS";

    @Resource(lookup = DATASOURCE)
    DataSource dataSource;

    @Override
    public void onRecord(TributaryRecord record) {
        Deliveries.attempted(record.topic(), record.partition(), record.offset());
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE + " (ID, SOURCE_PARTITION, SOURCE_OFFSET) VALUES (?, ?, ?)")) {
            ps.setString(1, record.keyAsString());
            ps.setInt(2, record.partition());
            ps.setLong(3, record.offset());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot store " + record.topic() + "-" + record.partition() + "@" + record.offset()
                    + ": " + e.getMessage(), e);
        }
    }
}
