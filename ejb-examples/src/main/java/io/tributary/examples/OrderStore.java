package io.tributary.examples;

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
 * Stores each order once: the insert and the record's offset commit in the same transaction, so
 * a crash or a rollback never loses an order or stores it twice. A failing order is retried three
 * times, then lands on {@code orders.DLT}. Three consumers share the topic's partitions (six in the
 * README's run), so orders of different partitions are stored in parallel, each partition in order.
 */
@MessageDriven(activationConfig = {
        @ActivationConfigProperty(propertyName = "topics", propertyValue = OrderService.TOPIC),
        @ActivationConfigProperty(propertyName = "groupId", propertyValue = "order-store"),
        @ActivationConfigProperty(propertyName = "maxRedeliveries", propertyValue = "3"),
        @ActivationConfigProperty(propertyName = "redeliveryBackoff", propertyValue = "200"),
        @ActivationConfigProperty(propertyName = "concurrency", propertyValue = "3"),
        @ActivationConfigProperty(propertyName = "resourceAdapter", propertyValue = "tributary")})
public class OrderStore implements RecordListener {
    @Resource(lookup = TributaryResources.DATASOURCE)
    DataSource dataSource;

    @Override
    public void onRecord(TributaryRecord record) {
        Order order = record.valueAs(Order.class);
        if (order.getAmountCents() < 0) {
            throw new IllegalArgumentException("Order " + order.getId() + " has a negative amount");
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO ORDERS (ID, CUSTOMER, AMOUNT_CENTS, SOURCE_PARTITION, "
                     + "SOURCE_OFFSET) VALUES (?, ?, ?, ?, ?)")) {
            ps.setString(1, order.getId());
            ps.setString(2, order.getCustomer());
            ps.setLong(3, order.getAmountCents());
            ps.setInt(4, record.partition());
            ps.setLong(5, record.offset());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot store order " + order.getId() + ": " + e.getMessage(), e);
        }
    }
}
