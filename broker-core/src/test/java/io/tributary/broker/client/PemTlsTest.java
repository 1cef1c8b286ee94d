package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.api.RequestPolicies;
import io.tributary.broker.cluster.ClusterLinkSecurity;
import io.tributary.broker.cluster.ClusterLinkTls;
import io.tributary.broker.quota.ThrottlePolicy;
import io.tributary.broker.security.RequestAuthorizer;
import io.tributary.broker.testing.TestCertificates;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Key and trust stores in PEM, as Kafka reads them ({@code ssl.keystore.type=PEM}, KIP-651): a PEM
 * key file and chain, an encrypted key given inline with {@code ssl.key.password},
 * trusted certificates given inline for mutual TLS, the Kafka Java client on PEM too; the settings
 * that break Kafka's PEM rules stop the start naming the setting and printing no key or password;
 * the cluster link reads PEM files too.
 */
class PemTlsTest {
    private static final String KEY_PASSWORD = "pem-key-secret";
    @TempDir
    Path dataDir;
    @TempDir
    static Path certDir;
    /** Made once for the class: keytool runs are the slow part. */
    private static TestCertificates.PemFiles plainBroker;
    private static TestCertificates.PemFiles encryptedBroker;
    private static TestCertificates.PemFiles alice;

    @BeforeAll
    static void certificates() throws Exception {
        TestCertificates certificates = TestCertificates.create(certDir);
        plainBroker = certificates.pem("broker", "CN=localhost,O=Tributary", null);
        encryptedBroker = certificates.pem("node-1", "CN=localhost,OU=Nodes,O=Tributary", KEY_PASSWORD);
        alice = certificates.pem("alice", "CN=alice,OU=Payments,O=Tributary", null);
    }

    private static Map<String, Object> pemClient(Broker broker, String trustedPem) {
        Map<String, Object> c = new HashMap<>();
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        c.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
        c.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM");
        c.put(SslConfigs.SSL_TRUSTSTORE_CERTIFICATES_CONFIG, trustedPem);
        return c;
    }

    private static void roundTrip(Map<String, Object> client, String topic, int count) throws Exception {
        SaslListenerTest.produce(client, topic, count);
        List<String> values = SaslListenerTest.consume(client, topic, count);
        assertEquals(count, values.size(), "every record read back over TLS");
        assertEquals("v" + (count - 1), values.get(count - 1));
    }

    @Test
    void aPemKeyFileServesTlsToAClientTrustingThePemAuthority() throws Exception {
        TestCertificates.PemFiles broker = plainBroker;
        // One file with the key and its chain, as Kafka reads ssl.keystore.location for PEM.
        Path keyAndChain = certDir.resolve("broker-all.pem");
        Files.writeString(keyAndChain, Files.readString(broker.key()) + Files.readString(broker.chain()));
        Map<String, String> props = Map.of(
                "listeners", "SSL://127.0.0.1:0",
                "ssl.keystore.type", "PEM",
                "ssl.keystore.location", keyAndChain.toString());
        try (Broker b = TestBroker.start(dataDir, props)) {
            roundTrip(pemClient(b, Files.readString(broker.authority())), "pem-file", 10);
        }
    }

    @Test
    void anEncryptedInlineKeyAndInlineTrustedCertificatesGiveMutualTlsWithTheCertificateSubjectAsPrincipal() throws Exception {
        TestCertificates.PemFiles broker = encryptedBroker;
        assertTrue(Files.readString(broker.key()).contains("BEGIN ENCRYPTED PRIVATE KEY"), "the key is encrypted");
        Map<String, String> props = Map.of(
                "listeners", "SSL://127.0.0.1:0",
                "ssl.keystore.type", "PEM",
                "ssl.keystore.key", Files.readString(broker.key()),
                "ssl.keystore.certificate.chain", Files.readString(broker.chain()),
                "ssl.key.password", KEY_PASSWORD,
                "ssl.truststore.type", "PEM",
                "ssl.truststore.certificates", Files.readString(broker.authority()),
                "ssl.client.auth", "required");
        Set<KafkaPrincipal> principals = new CopyOnWriteArraySet<>();
        RequestAuthorizer recording = (context, operation, resource) -> {
            principals.add(context.principal());
            return AuthorizationResult.ALLOWED;
        };
        try (Broker b = TestBroker.start(dataDir, props, new RequestPolicies(recording, ThrottlePolicy.NONE))) {
            Map<String, Object> client = pemClient(b, Files.readString(alice.authority()));
            client.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PEM");
            client.put(SslConfigs.SSL_KEYSTORE_KEY_CONFIG, Files.readString(alice.key()));
            client.put(SslConfigs.SSL_KEYSTORE_CERTIFICATE_CHAIN_CONFIG, Files.readString(alice.chain()));
            roundTrip(client, "pem-inline", 5);
            assertEquals(Set.of(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "CN=alice,OU=Payments,O=Tributary")), principals);
        }
    }

    @Test
    void pemSettingsThatBreakKafkasRulesStopTheStartNamingTheSettingWithoutPrintingSecrets() throws Exception {
        TestCertificates.PemFiles broker = encryptedBroker;
        String key = Files.readString(broker.key());
        String chain = Files.readString(broker.chain());
        Map<String, String> base = Map.of("listeners", "SSL://127.0.0.1:0", "ssl.keystore.type", "PEM",
                "ssl.keystore.key", key, "ssl.keystore.certificate.chain", chain, "ssl.key.password", KEY_PASSWORD);

        assertRefused(with(base, "ssl.key.password", "not-the-key-password"), "ssl.keystore.key", "not-the-key-password");
        assertRefused(without(base, "ssl.key.password"), "ssl.keystore.key", null);
        assertRefused(without(base, "ssl.keystore.certificate.chain"), "ssl.keystore.certificate.chain", null);
        assertRefused(with(base, "ssl.keystore.password", "store-secret"), "ssl.keystore.password", "store-secret");
        assertRefused(with(base, "ssl.keystore.type", "PKCS12"), "ssl.keystore.type", null);
        assertRefused(with(base, "ssl.keystore.location", broker.key().toString()), "ssl.keystore.location", null);
        assertRefused(with(base, "ssl.keystore.certificate.chain", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"),
                "ssl.keystore.key", null);
    }

    private void assertRefused(Map<String, String> props, String setting, String secret) {
        ConfigException e = assertThrows(ConfigException.class, () -> TestBroker.start(dataDir, props).close());
        assertTrue(e.getMessage().contains(setting), "names " + setting + ": " + e.getMessage());
        assertFalse(e.getMessage().contains("PRIVATE KEY"), "no key material printed: " + e.getMessage());
        if (secret != null) assertFalse(e.getMessage().contains(secret), "no password printed: " + e.getMessage());
    }

    @Test
    void theClusterLinkReadsPemFilesAndRefusesInlinePemItCannotUse() throws Exception {
        TestCertificates.PemFiles node = encryptedBroker;
        Path keyAndChain = certDir.resolve("node-1-all.pem");
        Files.writeString(keyAndChain, Files.readString(node.key()) + Files.readString(node.chain()));
        Map<String, String> props = Map.of(
                ClusterLinkSecurity.PROTOCOL, "SSL",
                "cluster.link.ssl.keystore.type", "PEM",
                "cluster.link.ssl.keystore.location", keyAndChain.toString(),
                "cluster.link.ssl.key.password", KEY_PASSWORD,
                "cluster.link.ssl.truststore.type", "PEM",
                "cluster.link.ssl.truststore.location", node.authority().toString());
        new ClusterLinkTls(ClusterLinkSecurity.from(props), 1);

        ConfigException wrongPassword = assertThrows(ConfigException.class, () ->
                new ClusterLinkTls(ClusterLinkSecurity.from(with(props, "cluster.link.ssl.key.password", "wrong-one")), 1));
        assertTrue(wrongPassword.getMessage().contains("cluster.link.ssl.keystore.location"), wrongPassword.getMessage());
        assertFalse(wrongPassword.getMessage().contains("wrong-one"), wrongPassword.getMessage());

        Map<String, String> inline = new HashMap<>(Map.of(ClusterLinkSecurity.PROTOCOL, "SSL", "ssl.keystore.type", "PEM",
                "ssl.keystore.key", Files.readString(node.key()), "ssl.keystore.certificate.chain", Files.readString(node.chain()),
                "ssl.truststore.location", node.authority().toString(), "ssl.truststore.type", "PEM"));
        ConfigException e = assertThrows(ConfigException.class, () -> ClusterLinkSecurity.from(inline));
        assertTrue(e.getMessage().contains("cluster.link.ssl.keystore.location"), e.getMessage());
    }

    private static Map<String, String> with(Map<String, String> base, String key, String value) {
        Map<String, String> m = new HashMap<>(base);
        m.put(key, value);
        return m;
    }

    private static Map<String, String> without(Map<String, String> base, String key) {
        Map<String, String> m = new HashMap<>(base);
        m.remove(key);
        return m;
    }
}
