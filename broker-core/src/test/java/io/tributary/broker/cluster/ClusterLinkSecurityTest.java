package io.tributary.broker.cluster;

import io.tributary.broker.Broker;
import io.tributary.broker.BrokerConfig;
import io.tributary.broker.testing.TestCertificates;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The settings of the cluster link: off by default; with {@code cluster.link.security.protocol=SSL}
 * the {@code cluster.link.ssl.*} settings win over {@code ssl.*}; every misconfiguration (no store,
 * a missing file, a wrong password, an unknown TLS version, a plaintext first listener in a
 * cluster) stops the node's start with an error naming the setting the operator wrote, never the
 * password, and before the data directory is touched.
 */
class ClusterLinkSecurityTest {
    private static final String PASSWORD = TestCertificates.PASSWORD;
    @TempDir
    static Path certDir;
    private static TestCertificates certificates;
    private static Path nodeKeys;

    @TempDir
    Path dataDir;

    @BeforeAll
    static void certificates() throws Exception {
        certificates = TestCertificates.create(certDir);
        nodeKeys = certificates.keyStore("node-1", "CN=node-1,O=Tributary");
    }

    private static Map<String, String> secured() {
        Map<String, String> m = new HashMap<>();
        m.put("cluster.link.security.protocol", "SSL");
        m.put("ssl.keystore.type", "PKCS12");
        m.put("ssl.keystore.location", nodeKeys.toString());
        m.put("ssl.keystore.password", PASSWORD);
        m.put("ssl.truststore.type", "PKCS12");
        m.put("ssl.truststore.location", certificates.trustStore().toString());
        m.put("ssl.truststore.password", PASSWORD);
        return m;
    }

    private static ConfigException refused(Map<String, String> props) {
        return assertThrows(ConfigException.class, () -> new ClusterLinkTls(ClusterLinkSecurity.from(props), 1));
    }

    @Test
    void plaintextByDefault() {
        assertFalse(ClusterLinkSecurity.from(Map.of()).enabled());
        assertFalse(ClusterConfig.from(Map.of("controller.quorum.voters", "1@127.0.0.1:7801"), 1).link().enabled());
        assertFalse(ClusterLinkSecurity.from(Map.of("cluster.link.security.protocol", "plaintext")).enabled());
    }

    @Test
    void theListenersKeyMaterialIsUsedUnlessTheLinkHasItsOwn() {
        ClusterLinkSecurity shared = ClusterLinkSecurity.from(secured());
        assertTrue(shared.enabled());
        assertEquals("ssl.keystore.location", shared.keystore().location().name());
        assertEquals(nodeKeys.toString(), shared.keystore().location().value());
        assertEquals(java.util.List.of("TLSv1.2", "TLSv1.3"), shared.enabledProtocols());
        assertNotNull(new ClusterLinkTls(shared, 1).jgroupsSockets(2000));

        Map<String, String> own = secured();
        own.put("cluster.link.ssl.truststore.location", "/elsewhere/link-truststore.p12");
        own.put("cluster.link.ssl.enabled.protocols", "TLSv1.3");
        ClusterLinkSecurity link = ClusterLinkSecurity.from(own);
        assertEquals("cluster.link.ssl.truststore.location", link.truststore().location().name());
        assertEquals("/elsewhere/link-truststore.p12", link.truststore().location().value());
        assertEquals("ssl.truststore.password", link.truststore().password().name());
        assertEquals(java.util.List.of("TLSv1.3"), link.enabledProtocols());
        assertFalse(link.toString().contains(PASSWORD), link.toString());
    }

    @Test
    void anUnknownProtocolIsRefused() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ClusterLinkSecurity.from(Map.of("cluster.link.security.protocol", "SASL_SSL")));
        assertTrue(e.getMessage().contains("cluster.link.security.protocol"), e.getMessage());
    }

    @Test
    void missingStoresAreNamed() {
        Map<String, String> noKeys = secured();
        noKeys.remove("ssl.keystore.location");
        ConfigException e = assertThrows(ConfigException.class, () -> ClusterLinkSecurity.from(noKeys));
        assertTrue(e.getMessage().contains("cluster.link.ssl.keystore.location"), e.getMessage());

        Map<String, String> noTrust = secured();
        noTrust.remove("ssl.truststore.location");
        e = assertThrows(ConfigException.class, () -> ClusterLinkSecurity.from(noTrust));
        assertTrue(e.getMessage().contains("cluster.link.ssl.truststore.location"), e.getMessage());

        Map<String, String> noFile = secured();
        noFile.put("cluster.link.ssl.keystore.location", "/no/such/node.p12");
        e = refused(noFile);
        assertTrue(e.getMessage().contains("cluster.link.ssl.keystore.location"), e.getMessage());
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void aWrongPasswordIsNamedAndNeverShown() {
        Map<String, String> wrongStore = secured();
        wrongStore.put("ssl.truststore.password", "not-the-password");
        ConfigException e = refused(wrongStore);
        assertTrue(e.getMessage().contains("ssl.truststore.password"), e.getMessage());
        assertFalse(e.getMessage().contains("not-the-password"), e.getMessage());

        Map<String, String> wrongLinkStore = secured();
        wrongLinkStore.put("cluster.link.ssl.keystore.password", "not-the-password");
        e = refused(wrongLinkStore);
        assertTrue(e.getMessage().contains("cluster.link.ssl.keystore.password"), e.getMessage());
        assertFalse(e.getMessage().contains("not-the-password"), e.getMessage());

        Map<String, String> wrongKey = secured();
        wrongKey.put("cluster.link.ssl.key.password", "not-the-password");
        e = refused(wrongKey);
        assertTrue(e.getMessage().contains("cluster.link.ssl.key.password"), e.getMessage());
    }

    @Test
    void anUnknownTlsVersionIsNamed() {
        Map<String, String> props = secured();
        props.put("cluster.link.ssl.enabled.protocols", "TLSv9");
        ConfigException e = refused(props);
        assertTrue(e.getMessage().contains("cluster.link.ssl.enabled.protocols"), e.getMessage());
    }

    @Test
    void anUnknownCipherSuiteIsNamed() {
        Map<String, String> props = secured();
        props.put("cluster.link.ssl.cipher.suites", "TLS_NO_SUCH_SUITE");
        ConfigException e = refused(props);
        assertTrue(e.getMessage().contains("cluster.link.ssl.cipher.suites"), e.getMessage());
    }

    @Test
    void aKeyStoreWithoutKeyAndATrustStoreWithoutCertificateAreNamed() throws Exception {
        Map<String, String> trustAsKeys = secured();
        trustAsKeys.put("cluster.link.ssl.keystore.location", certificates.trustStore().toString());
        ConfigException e = refused(trustAsKeys);
        assertTrue(e.getMessage().contains("cluster.link.ssl.keystore.location"), e.getMessage());
        assertTrue(e.getMessage().contains("no private key"), e.getMessage());

        Path empty = certDir.resolve("empty.p12");
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        store.load(null, null);
        try (var out = java.nio.file.Files.newOutputStream(empty)) {
            store.store(out, PASSWORD.toCharArray());
        }
        Map<String, String> emptyTrust = secured();
        emptyTrust.put("ssl.truststore.location", empty.toString());
        e = refused(emptyTrust);
        assertTrue(e.getMessage().contains("ssl.truststore.location"), e.getMessage());
        assertTrue(e.getMessage().contains("no certificate"), e.getMessage());
    }

    @Test
    void aNodeWithABadLinkStopsAtStartBeforeItsDataDirectoryIsTouched() {
        File data = new File(dataDir.toFile(), "node-1");
        Map<String, String> props = secured();
        props.put("node.id", "1");
        props.put("log.dirs", data.getAbsolutePath());
        props.put("controller.quorum.voters", "1@127.0.0.1:0,2@127.0.0.1:1");
        props.put("listeners", "SSL://127.0.0.1:0");
        props.put("ssl.keystore.password", "not-the-password");
        ConfigException e = assertThrows(ConfigException.class, () -> Broker.start(new BrokerConfig(props)));
        assertTrue(e.getMessage().contains("ssl.keystore.password"), e.getMessage());
        assertFalse(data.exists(), "the data directory was not created");
    }

    @Test
    void aSecuredClusterNeedsAnSslListenerForRequestsBetweenBrokers() {
        File data = new File(dataDir.toFile(), "node-1");
        Map<String, String> props = secured();
        props.put("node.id", "1");
        props.put("log.dirs", data.getAbsolutePath());
        props.put("controller.quorum.voters", "1@127.0.0.1:0,2@127.0.0.1:1");
        props.put("listeners", "PLAINTEXT://127.0.0.1:0");
        ConfigException e = assertThrows(ConfigException.class, () -> Broker.start(new BrokerConfig(props)));
        assertTrue(e.getMessage().contains("cluster.link.security.protocol"), e.getMessage());
        assertTrue(e.getMessage().contains("PLAINTEXT://127.0.0.1:0"), e.getMessage());
        assertFalse(data.exists(), "the data directory was not created");
    }
}
