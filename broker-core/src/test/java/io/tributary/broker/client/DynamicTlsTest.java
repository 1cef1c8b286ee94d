package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.testing.TestCertificates;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A listener's key store swapped at run time with {@code listener.name.<name>.ssl.keystore.*}, as
 * Kafka allows per broker: a client connecting afterwards is shown the new certificate; a key store
 * that cannot be opened is refused and the listener keeps the one it had; the password is never
 * described.
 */
class DynamicTlsTest {
    @TempDir
    Path dataDir;
    @TempDir
    Path certDir;

    /** The subject of the certificate the listener at {@code address} shows a new TLS client. */
    private static String servedSubject(InetSocketAddress address, Path trustStore) throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(trustStore)) {
            trusted.load(in, TestCertificates.PASSWORD.toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(address.getAddress(), address.getPort())) {
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
        }
    }

    private static void alter(Admin admin, ConfigResource resource, Map<String, String> values) throws Exception {
        List<AlterConfigOp> ops = values.entrySet().stream()
                .map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET)).toList();
        Map<ConfigResource, Collection<AlterConfigOp>> changes = Map.of(resource, ops);
        admin.incrementalAlterConfigs(changes).all().get();
    }

    @Test
    void aNewClientSeesTheKeyStoreSetAtRunTime() throws Exception {
        TestCertificates certificates = TestCertificates.create(certDir);
        Path first = certificates.keyStore("first", "CN=first,O=Tributary");
        Path second = certificates.keyStore("second", "CN=second,O=Tributary");
        Map<String, String> props = Map.of("listeners", "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0",
                "ssl.keystore.type", "PKCS12", "ssl.keystore.location", first.toString(),
                "ssl.keystore.password", TestCertificates.PASSWORD);
        ConfigResource node = new ConfigResource(ConfigResource.Type.BROKER, "0");
        try (Broker broker = TestBroker.start(dataDir, props);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers("PLAINTEXT")))) {
            InetSocketAddress ssl = broker.address("SSL");
            assertEquals("CN=first,O=Tributary", servedSubject(ssl, certificates.trustStore()));

            ExecutionException refused = assertThrows(ExecutionException.class, () -> alter(admin, node, Map.of(
                    "listener.name.ssl.ssl.keystore.location", certDir.resolve("missing.p12").toString())));
            assertInstanceOf(InvalidRequestException.class, refused.getCause());
            assertTrue(refused.getCause().getMessage().contains("ssl.keystore.location"), refused.getCause().getMessage());
            assertEquals("CN=first,O=Tributary", servedSubject(ssl, certificates.trustStore()));

            alter(admin, node, Map.of("listener.name.ssl.ssl.keystore.location", second.toString(),
                    "listener.name.ssl.ssl.keystore.password", TestCertificates.PASSWORD));
            assertEquals("CN=second,O=Tributary", servedSubject(ssl, certificates.trustStore()));

            ConfigEntry password = admin.describeConfigs(List.of(node), new DescribeConfigsOptions().includeSynonyms(true))
                    .all().get().get(node).get("listener.name.ssl.ssl.keystore.password");
            assertTrue(password.isSensitive());
            assertNull(password.value());
            assertEquals(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG, password.source());
            password.synonyms().forEach(s -> assertNull(s.value(), s.name()));
        }
    }
}
