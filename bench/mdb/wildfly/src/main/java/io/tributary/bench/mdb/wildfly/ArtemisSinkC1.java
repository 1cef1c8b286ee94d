package io.tributary.bench.mdb.wildfly;

import jakarta.annotation.Resource;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageListener;

import javax.sql.DataSource;
import java.sql.SQLException;

/**
 * ActiveMQ Artemis (WildFly's embedded broker, through its default resource adapter
 * {@code activemq-ra}), per message: each message of queue {@code bench-c1} is one container-managed
 * ({@code REQUIRED}) XA transaction holding the JMS session's acknowledgement and one row of
 * {@code BENCH_ROWS}. {@code maxSession} 1.
 */
@MessageDriven(activationConfig = {
        @ActivationConfigProperty(propertyName = "destinationLookup", propertyValue = "java:/jms/queue/bench-c1"),
        @ActivationConfigProperty(propertyName = "destinationType", propertyValue = "jakarta.jms.Queue"),
        @ActivationConfigProperty(propertyName = "maxSession", propertyValue = "1")})
public class ArtemisSinkC1 implements MessageListener {
    @Resource(lookup = Rows.DATASOURCE)
    private DataSource rows;

    @Override
    public void onMessage(Message message) {
        DeliveryStats stats = DeliveryStats.ARTEMIS_C1;
        stats.started();
        try {
            Rows.insert(rows, stats.name(), Long.toString(message.getLongProperty(FillResource.SEQUENCE)),
                    message.getBody(byte[].class));
        } catch (JMSException | SQLException e) {
            throw new IllegalStateException("Storing message " + message + " failed", e);
        }
        stats.delivered(1);
    }
}
