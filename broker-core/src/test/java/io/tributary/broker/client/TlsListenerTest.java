package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.api.RequestPolicies;
import io.tributary.broker.quota.ThrottlePolicy;
import io.tributary.broker.security.RequestAuthorizer;
import io.tributary.broker.testing.TestCertificates;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code SSL} listeners with the Kafka Java client, keys and certificates made by {@code keytool}
 * from an authority of the test's own: the client that trusts the authority produces and consumes
 * over TLS, one that does not is refused with Kafka's {@link SslAuthenticationException}; with
 * {@code ssl.client.auth=required} a client without a certificate, or with one the broker does not
 * trust, is refused, and one with a certificate is the principal {@code User:<subject DN>} in every
 * authorization check; a key store with a wrong password stops the start, naming the setting.
 */
class TlsListenerTest {
    @TempDir
    Path dataDir;
    @TempDir
    Path certDir;
    private TestCertificates certificates;
    private Path brokerKeys;

    @BeforeEach
    void certificates() throws Exception {
        certificates = TestCertificates.create(certDir);
        brokerKeys = certificates.keyStore("broker", "CN=localhost,OU=Brokers,O=Tributary");
    }

    private Map<String, String> sslListener(String clientAuth) {
        Map<String, String> props = new HashMap<>(Map.of(
                "listeners", "SSL://127.0.0.1:0",
                "ssl.keystore.type", "PKCS12",
                "ssl.keystore.location", brokerKeys.toString(),
                "ssl.keystore.password", TestCertificates.PASSWORD,
                "ssl.client.auth", clientAuth));
        if (!clientAuth.equals("none")) {
            props.put("ssl.truststore.type", "PKCS12");
            props.put("ssl.truststore.location", certificates.trustStore().toString());
            props.put("ssl.truststore.password", TestCertificates.PASSWORD);
        }
        return props;
    }

    /** Client settings for TLS: trusting the authority, and with {@code keyStore} (or none) as its own certificate. */
    private Map<String, Object> client(Broker broker, Path trustStore, Path keyStore) {
        Map<String, Object> c = new HashMap<>();
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        c.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
        if (trustStore != null) {
            c.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
            c.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, trustStore.toString());
            c.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);
        }
        if (keyStore != null) {
            c.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
            c.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, keyStore.toString());
            c.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);
        }
        return c;
    }

    private static void produce(Map<String, Object> client, String topic, int count) throws Exception {
        Map<String, Object> p = new HashMap<>(client);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < count; i++) producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
        }
    }

    private static List<String> consume(Map<String, Object> client, String topic, int count) {
        Map<String, Object> c = new HashMap<>(client);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) values.add(r.value());
            }
        }
        return values;
    }

    /** What a client gets from the broker when it cannot complete the handshake. */
    private static Throwable refusal(Map<String, Object> client) {
        Map<String, Object> a = new HashMap<>(client);
        a.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        a.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        try (Admin admin = Admin.create(a)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS));
            return e.getCause();
        }
    }

    @Test
    void aClientTrustingTheAuthorityProducesAndConsumesOverTlsAndAnotherIsRefused() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, sslListener("none"))) {
            Map<String, Object> trusting = client(broker, certificates.trustStore(), null);
            produce(trusting, "payments", 20);
            List<String> read = consume(trusting, "payments", 20);
            assertEquals(20, read.size(), "every record read back over TLS");
            assertEquals("v0", read.get(0));
            assertEquals("v19", read.get(19));

            assertInstanceOf(SslAuthenticationException.class, refusal(client(broker, null, null)),
                    "a client that does not trust the broker's authority");
            Path strangerTrust = certificates.selfSigned("stranger", "CN=stranger");
            assertInstanceOf(SslAuthenticationException.class, refusal(client(broker, strangerTrust, null)),
                    "a client trusting another certificate");
            produce(trusting, "payments", 1);
            assertEquals(21, consume(trusting, "payments", 21).size(), "the broker kept serving after the refusals");
        }
    }

    @Test
    void mutualTlsNamesThePrincipalByTheClientCertificateAndRefusesClientsWithoutOne() throws Exception {
        Set<KafkaPrincipal> principals = new CopyOnWriteArraySet<>();
        RequestAuthorizer recording = (context, operation, resource) -> {
            principals.add(context.principal());
            return AuthorizationResult.ALLOWED;
        };
        try (Broker broker = TestBroker.start(dataDir, sslListener("required"),
                new RequestPolicies(recording, ThrottlePolicy.NONE))) {
            Path alice = certificates.keyStore("alice", "CN=alice,OU=Payments,O=Tributary");
            Map<String, Object> withCertificate = client(broker, certificates.trustStore(), alice);
            produce(withCertificate, "ledger", 5);
            assertEquals(5, consume(withCertificate, "ledger", 5).size());
            assertEquals(Set.of(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "CN=alice,OU=Payments,O=Tributary")), principals,
                    "every request of the client was authorized as the subject of its certificate");

            assertInstanceOf(SslAuthenticationException.class, refusal(client(broker, certificates.trustStore(), null)),
                    "a client without a certificate");
            Path mallory = certificates.selfSigned("mallory", "CN=mallory");
            assertInstanceOf(SslAuthenticationException.class, refusal(client(broker, certificates.trustStore(), mallory)),
                    "a client whose certificate the broker does not trust");
            assertFalse(principals.stream().anyMatch(p -> p.getName().contains("mallory")), principals.toString());
        }
    }

    @Test
    void aKeyStoreThatCannotBeOpenedStopsTheStartNamingTheSetting() {
        Map<String, String> wrongPassword = sslListener("none");
        wrongPassword.put("ssl.keystore.password", "not-the-password");
        ConfigException e = assertThrows(ConfigException.class, () -> TestBroker.start(dataDir, wrongPassword));
        assertTrue(e.getMessage().contains("ssl.keystore"), e.getMessage());
        assertFalse(e.getMessage().contains("not-the-password"), "the password is not printed: " + e.getMessage());

        Map<String, String> requiredWithoutTrust = sslListener("none");
        requiredWithoutTrust.put("ssl.client.auth", "required");
        e = assertThrows(ConfigException.class, () -> TestBroker.start(dataDir, requiredWithoutTrust));
        assertTrue(e.getMessage().contains("ssl.truststore.location"), e.getMessage());
    }
}
