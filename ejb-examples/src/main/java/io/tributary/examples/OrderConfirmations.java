package io.tributary.examples;

import io.tributary.api.BatchRecordListener;
import io.tributary.api.SentRecord;
import io.tributary.api.TributaryConnection;
import io.tributary.api.TributaryConnectionFactory;
import io.tributary.api.TributaryRecord;
import jakarta.annotation.Resource;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Consume, store and send in one transaction: for every valid order of a poll, a row in
 * {@code ORDER_CONFIRMATIONS} and a confirmation (the order, keyed by its id) on
 * {@code orders.confirmed}, committed with the batch's offsets. Rows, confirmations and offsets
 * commit together or not at all, so after any crash or rollback every order is confirmed exactly
 * once — in the table and to every {@code read_committed} consumer of {@code orders.confirmed}.
 * Orders with a negative amount are not confirmed ({@link OrderStore} rejects them), and an order
 * id already confirmed is not confirmed again (the same order placed twice), so no record fails
 * the whole batch.
 */
@MessageDriven(activationConfig = {
        @ActivationConfigProperty(propertyName = "topics", propertyValue = OrderService.TOPIC),
        @ActivationConfigProperty(propertyName = "groupId", propertyValue = "order-confirmations"),
        @ActivationConfigProperty(propertyName = "maxPollRecords", propertyValue = "500"),
        @ActivationConfigProperty(propertyName = "resourceAdapter", propertyValue = "tributary")})
public class OrderConfirmations implements BatchRecordListener {
    public static final String TOPIC = "orders.confirmed";

    @Resource(lookup = TributaryResources.FACTORY)
    TributaryConnectionFactory factory;

    @Resource(lookup = TributaryResources.DATASOURCE)
    DataSource dataSource;

    @Override
    public void onRecords(List<TributaryRecord> records) {
        List<CompletableFuture<SentRecord>> sent = new ArrayList<>(records.size());
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO ORDER_CONFIRMATIONS (ORDER_ID, CUSTOMER, AMOUNT_CENTS, "
                     + "SOURCE_PARTITION, SOURCE_OFFSET) SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS "
                     + "(SELECT 1 FROM ORDER_CONFIRMATIONS WHERE ORDER_ID = ?)");
             TributaryConnection out = factory.getConnection()) {
            for (TributaryRecord r : records) {
                Order order = r.valueAs(Order.class);
                if (order.getAmountCents() < 0) continue;
                ps.setString(1, order.getId());
                ps.setString(2, order.getCustomer());
                ps.setLong(3, order.getAmountCents());
                ps.setInt(4, r.partition());
                ps.setLong(5, r.offset());
                ps.setString(6, order.getId());
                if (ps.executeUpdate() == 1) sent.add(out.sendObject(TOPIC, order.getId(), order).toCompletableFuture());
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot confirm " + records.size() + " orders: " + e.getMessage(), e);
        }
        for (CompletableFuture<SentRecord> f : sent) f.join();
    }
}
