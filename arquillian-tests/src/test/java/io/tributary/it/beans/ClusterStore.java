package io.tributary.it.beans;

import io.tributary.api.RecordListener;
import io.tributary.api.TributaryRecord;
import jakarta.annotation.Resource;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The consumer group of {@code ClusterIT}, deployed on both servers of the cluster: stores each
 * record of topic {@code cluster} as a row of {@code CLUSTER_ROWS} in the shared database (H2 in
 * server mode), naming the server that stored it (system property {@code tributary.it.server})
 * and the thread (group member) that delivered it. The same JTA datasource holds the group's
 * offsets ({@code offsetDataSource}), so a row and its offset commit together whichever server
 * holds the partition. The table has no unique key: a record stored twice shows as two rows.
 */
@MessageDriven(activationConfig = {
        @ActivationConfigProperty(propertyName = "topics", propertyValue = ClusterStore.TOPIC),
        @ActivationConfigProperty(propertyName = "groupId", propertyValue = ClusterStore.GROUP),
        @ActivationConfigProperty(propertyName = "concurrency", propertyValue = "2"),
        @ActivationConfigProperty(propertyName = "maxPollRecords", propertyValue = "50"),
        @ActivationConfigProperty(propertyName = "offsetDataSource", propertyValue = ClusterStore.DATASOURCE),
        // The topic is created while the group forms; a short metadata age lets the group see its
        // partitions (and rebalance onto them) within seconds rather than Kafka's default 5 minutes.
        @ActivationConfigProperty(propertyName = "consumerProperties", propertyValue = "metadata.max.age.ms=3000"),
        @ActivationConfigProperty(propertyName = "resourceAdapter", propertyValue = "tributary")})
public class ClusterStore implements RecordListener {
    public static final String TOPIC = "cluster";
    public static final String GROUP = "cluster-store";
    /** A server JDBC resource on the shared H2 database (created by the servers' pre-boot command files). */
    public static final String DATASOURCE = "jdbc/tributary-cluster";

    @Resource(lookup = DATASOURCE)
    DataSource dataSource;

    @Override
    public void onRecord(TributaryRecord record) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO CLUSTER_ROWS (RECORD_KEY, SOURCE_PARTITION, SOURCE_OFFSET, "
                     + "SERVER, THREAD) VALUES (?, ?, ?, ?, ?)")) {
            ps.setString(1, record.keyAsString());
            ps.setInt(2, record.partition());
            ps.setLong(3, record.offset());
            ps.setString(4, System.getProperty("tributary.it.server", "?"));
            ps.setString(5, Thread.currentThread().getName());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot store " + record.topic() + "-" + record.partition() + "@"
                    + record.offset() + ": " + e.getMessage(), e);
        }
    }
}
