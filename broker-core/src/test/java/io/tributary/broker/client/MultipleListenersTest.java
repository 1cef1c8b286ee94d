package io.tributary.broker.client;

import io.tributary.broker.Broker;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.MetadataResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every entry of {@code listeners} is bound, each with its own advertised address, and a client
 * is told the addresses of the listener its request came in on (Metadata, DescribeCluster,
 * FindCoordinator), as Kafka does; the Kafka Java client produces on one listener and consumes in
 * a group on the other.
 */
class MultipleListenersTest {
    @TempDir
    Path dataDir;

    private static Map<String, String> twoListeners() {
        return Map.of("listeners", "INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.1:0",
                "listener.security.protocol.map", "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT",
                "advertised.listeners", "INTERNAL://127.0.0.1:0,EXTERNAL://localhost:0",
                "inter.broker.listener.name", "INTERNAL");
    }

    private static void assertAnswersWith(InetSocketAddress listener, String host, int port) throws Exception {
        try (RawKafkaClient raw = RawKafkaClient.connect(listener)) {
            MetadataResponseData metadata = ((MetadataResponse) raw.send(new MetadataRequestData().setTopics(null), (short) 12)).data();
            assertEquals(1, metadata.brokers().size());
            assertEquals(host, metadata.brokers().iterator().next().host(), "Metadata on " + listener);
            assertEquals(port, metadata.brokers().iterator().next().port(), "Metadata on " + listener);
            var cluster = ((DescribeClusterResponse) raw.send(new DescribeClusterRequestData(), (short) 1)).data();
            assertEquals(host, cluster.brokers().iterator().next().host(), "DescribeCluster on " + listener);
            assertEquals(port, cluster.brokers().iterator().next().port(), "DescribeCluster on " + listener);
            var coordinator = ((FindCoordinatorResponse) raw.send(new FindCoordinatorRequestData().setKeyType((byte) 0)
                    .setCoordinatorKeys(List.of("billing")), (short) 4)).data().coordinators().get(0);
            assertEquals(host, coordinator.host(), "FindCoordinator on " + listener);
            assertEquals(port, coordinator.port(), "FindCoordinator on " + listener);
        }
    }

    @Test
    void eachListenerIsBoundAndClientsAreToldTheAddressesOfTheirOwnListener() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, twoListeners())) {
            InetSocketAddress internal = broker.address("INTERNAL");
            InetSocketAddress external = broker.address("EXTERNAL");
            assertNotEquals(internal.getPort(), external.getPort());
            assertEquals("127.0.0.1:" + internal.getPort(), broker.bootstrapServers("INTERNAL"));
            assertEquals("localhost:" + external.getPort(), broker.bootstrapServers("EXTERNAL"));
            assertAnswersWith(internal, "127.0.0.1", internal.getPort());
            assertAnswersWith(external, "localhost", external.getPort());

            Map<String, Object> viaExternal = new HashMap<>();
            viaExternal.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers("EXTERNAL"));
            SaslListenerTest.produce(viaExternal, "invoices", 5);
            Map<String, Object> viaInternal = new HashMap<>();
            viaInternal.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers("INTERNAL"));
            assertEquals(5, SaslListenerTest.consume(viaInternal, "invoices", 5).size(),
                    "a group consumer on the other listener finds its coordinator there and reads everything");
        }
    }

    @Test
    void anAdvertisedListenerThatIsNotAListenerOrAnUnknownInterBrokerListenerIsRefused() {
        Map<String, String> props = new HashMap<>(twoListeners());
        props.put("advertised.listeners", "INTERNAL://127.0.0.1:0,PUBLIC://broker.example:9092");
        props.put("listener.security.protocol.map", "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,PUBLIC:PLAINTEXT");
        ConfigException e = assertThrows(ConfigException.class, () -> TestBroker.start(dataDir, props));
        assertTrue(e.getMessage().contains("PUBLIC is advertised but not among listeners"), e.getMessage());

        Map<String, String> unknown = new HashMap<>(twoListeners());
        unknown.put("inter.broker.listener.name", "REPLICATION");
        e = assertThrows(ConfigException.class, () -> TestBroker.start(dataDir, unknown));
        assertTrue(e.getMessage().contains("inter.broker.listener.name"), e.getMessage());
    }
}
