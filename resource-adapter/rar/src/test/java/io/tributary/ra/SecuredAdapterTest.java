package io.tributary.ra;

import io.tributary.api.SentRecord;
import io.tributary.api.TributaryConnection;
import io.tributary.api.TributaryConnectionFactory;
import io.tributary.api.TributaryRecord;
import io.tributary.broker.testing.TestCertificates;
import io.tributary.ra.inbound.TributaryActivationSpec;
import io.tributary.ra.outbound.TributaryManagedConnectionFactory;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.ConnectionManager;
import jakarta.resource.spi.ResourceAdapterInternalException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An embedded node whose only listener is mutual TLS: every client the adapter creates (the
 * connection factory's producer, the MDB consumers, the dead-letter producer) connects with the
 * adapter's {@code clientProperties}, and an adapter whose clients could not reach its own node
 * refuses to start. Certificates from {@link TestCertificates}.
 */
class SecuredAdapterTest {
    @TempDir
    Path dir;

    private final InlineWorkManager workManager = new InlineWorkManager();
    private TributaryResourceAdapter ra;
    private TestCertificates certificates;

    @AfterEach
    void stop() throws Exception {
        if (ra == null) return;
        ra.stop();
        assertTrue(workManager.awaitIdle(15_000), "every consumer work returned after the adapter stopped");
        try (Connection c = ra.offsetDatabase().open(); Statement s = c.createStatement()) {
            s.execute("SHUTDOWN");
        }
    }

    @Test
    void connectionFactoriesMdbsAndDeadLettersWorkOverMutualTls() throws Exception {
        certificates = TestCertificates.create(dir);
        String clientSettings = clientTls("app");
        ra = new TributaryResourceAdapter();
        ra.setDataDirectory(dir.resolve("data").toString());
        ra.setBrokerProperties(brokerTls(freePort()) + ";group.initial.rebalance.delay.ms=0;offsets.topic.num.partitions=1");
        ra.setClientProperties(clientSettings);
        ra.start(new TestBootstrapContext(workManager));
        assertTrue(ra.embeddedBroker().config().listeners().get(0).toString().startsWith("SSL://"));
        ra.embeddedBroker().topics().create("secured", 1, (short) 1, Map.of(), 1);

        TributaryManagedConnectionFactory mcf = new TributaryManagedConnectionFactory();
        mcf.setResourceAdapter(ra);
        ConnectionManager pool = (f, info) -> f.createManagedConnection(null, info).getConnection(null, info);
        TributaryConnectionFactory factory = (TributaryConnectionFactory) mcf.createConnectionFactory(pool);
        SentRecord sent;
        try (TributaryConnection connection = factory.getConnection()) {
            sent = connection.send("secured", "k", "hello").toCompletableFuture().get(20, TimeUnit.SECONDS);
            connection.send("secured", "k", "poison").toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
        assertEquals(0, sent.offset());

        List<String> received = new CopyOnWriteArrayList<>();
        FakeEndpointFactory bean = FakeEndpointFactory.records(true, (r, d) -> {
            if (r.valueAsString().equals("poison")) throw new IllegalArgumentException("cannot handle " + r.offset());
            received.add(r.valueAsString());
        });
        TributaryActivationSpec spec = new TributaryActivationSpec();
        spec.setResourceAdapter(ra);
        spec.setTopics("secured");
        spec.setGroupId("secured-view");
        spec.setMaxRedeliveries(0);
        spec.setRedeliveryBackoff(10L);
        spec.setConsumerProperties("heartbeat.interval.ms=100;fetch.max.wait.ms=100");
        ra.endpointActivation(bean, spec);

        List<String> dead = readAll("secured.DLT", clientSettings);
        assertEquals(List.of("poison"), dead, "the dead-letter producer wrote over TLS");
        assertEquals(List.of("hello"), received, "the MDB consumer read over TLS");
        assertEquals(List.of(), bean.protocolErrors());
    }

    @Test
    void anAdapterWhoseClientsCannotReachItsOwnTlsListenerDoesNotStart() throws Exception {
        certificates = TestCertificates.create(dir);
        TributaryResourceAdapter a = new TributaryResourceAdapter();
        a.setDataDirectory(dir.resolve("data").toString());
        a.setBrokerProperties(brokerTls(freePort()));
        ResourceAdapterInternalException e = assertThrows(ResourceAdapterInternalException.class,
                () -> a.start(new TestBootstrapContext(workManager)));
        assertTrue(e.getMessage().contains("security.protocol=SSL"), e.getMessage());
        assertEquals(null, a.embeddedBroker(), "no node left running");
    }

    @Test
    void clientPropertiesFromSystemPropertiesOverrideTheAdapterProperty() throws Exception {
        var settings = io.tributary.ra.config.ClientSettings.of("b:1", "security.protocol=SSL;client.rack=r1",
                props("tributary.client.security.protocol", "SASL_SSL", "other.property", "x",
                        "tributary.client.ssl.key.password", "${tributary.secret.key}", "tributary.secret.key", "k3y"));
        assertEquals("SASL_SSL", settings.securityProtocol());
        assertEquals(Map.of("security.protocol", "SASL_SSL", "client.rack", "r1", "ssl.key.password", "k3y"),
                settings.properties(), "a system property's reference to another (a resolved password alias) is expanded");
        Map<String, Object> config = settings.clientConfig(Map.of("client.rack", "r2"));
        assertEquals("b:1", config.get("bootstrap.servers"));
        assertEquals("r2", config.get("client.rack"), "a factory's or activation's own properties come last");
    }

    private static java.util.Properties props(String... kv) {
        java.util.Properties p = new java.util.Properties();
        for (int i = 0; i < kv.length; i += 2) p.setProperty(kv[i], kv[i + 1]);
        return p;
    }

    private String brokerTls(int port) throws Exception {
        Path keyStore = certificates.keyStore("broker", "CN=broker");
        return "num.io.threads=2;listeners=SSL://127.0.0.1:" + port + ";ssl.keystore.location=" + keyStore
                + ";ssl.keystore.password=" + TestCertificates.PASSWORD + ";ssl.truststore.location=" + certificates.trustStore()
                + ";ssl.truststore.password=" + TestCertificates.PASSWORD + ";ssl.client.auth=required";
    }

    private String clientTls(String name) throws Exception {
        Path keyStore = certificates.keyStore(name, "CN=" + name);
        return "security.protocol=SSL;ssl.truststore.location=" + certificates.trustStore() + ";ssl.truststore.password="
                + TestCertificates.PASSWORD + ";ssl.keystore.location=" + keyStore + ";ssl.keystore.password="
                + TestCertificates.PASSWORD;
    }

    /** The values of a one-partition topic, read over TLS with {@code clientSettings}, once it has one record. */
    private List<String> readAll(String topic, String clientSettings) throws ResourceException {
        Map<String, Object> config = new HashMap<>(io.tributary.ra.config.ConfigProperties.nameValuePairs("test", clientSettings));
        config.put("bootstrap.servers", ra.bootstrapServers());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.isEmpty() && System.nanoTime() < deadline) {
                if (consumer.assignment().isEmpty()) {
                    if (consumer.partitionsFor(topic, Duration.ofSeconds(5)).isEmpty()) continue;
                    consumer.assign(List.of(tp));
                    consumer.seekToBeginning(List.of(tp));
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) values.add(r.value());
            }
            return values;
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
