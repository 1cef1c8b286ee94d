package io.tributary.broker.metrics;

import org.junit.jupiter.api.Test;

import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JmxReporterTest {
    private static final MetricName STATE = MetricName.of("kafka.server", "KafkaServer", "BrokerState");

    @Test
    void quotaGaugesAreAttributesOfOneMBeanPerClientGroupAsKafkaNamesThem() throws Exception {
        MBeanServer server = MBeanServerFactory.newMBeanServer();
        MetricRegistry registry = new MetricRegistry();
        registry.gauge(STATE, () -> 3);
        try (JmxReporter reporter = JmxReporter.start(server, registry, STATE).orElseThrow()) {
            MetricName produce = MetricName.of("kafka.server", "Produce", "byte-rate").with("user", "alice")
                    .with("client-id", "app");
            AtomicLong throttle = new AtomicLong(7);
            registry.gauge(produce, () -> 1048576);
            registry.gauge(MetricName.of("kafka.server", "Produce", "throttle-time").with("user", "alice")
                    .with("client-id", "app"), throttle::get);
            ObjectName kafkaName = new ObjectName("kafka.server:type=Produce,user=alice,client-id=app");
            assertEquals(1048576.0, server.getAttribute(kafkaName, "byte-rate"));
            assertEquals(7.0, server.getAttribute(kafkaName, "throttle-time"));
            assertEquals(2, server.getMBeanInfo(kafkaName).getAttributes().length);
            assertFalse(server.isRegistered(new ObjectName("kafka.server:type=Produce,name=byte-rate,user=alice,client-id=app")));
            // Yammer-style metrics keep their own MBean with name=.
            registry.gauge(MetricName.of("kafka.server", "ReplicaManager", "LeaderCount"), () -> 2);
            assertEquals(2L, server.getAttribute(new ObjectName("kafka.server:type=ReplicaManager,name=LeaderCount"), "Value"));

            registry.remove(produce);
            assertTrue(server.isRegistered(kafkaName), "one attribute is left");
            registry.removeIf(n -> n.type().equals("Produce"));
            assertFalse(server.isRegistered(kafkaName), "gone with its last attribute");
            registry.gauge(MetricName.of("kafka.server", "LeaderReplication", "byte-rate"), () -> 5);
            assertEquals(5.0, server.getAttribute(new ObjectName("kafka.server:type=LeaderReplication"), "byte-rate"));
        }
        assertEquals(0, server.queryNames(new ObjectName("kafka.server:*"), null).size(), "close unregisters everything");
    }
}
