package io.tributary.broker.http;

import io.tributary.broker.Broker;
import io.tributary.broker.client.TestBroker;
import io.tributary.broker.testing.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * An {@code https://} REST listener with {@code ssl.client.auth=required}: the client certificate
 * is the principal ({@code User:} its subject), the same ACLs apply as on the Kafka listener, and a
 * client without a certificate the broker trusts does not get through the handshake.
 */
class RestApiMutualTlsTest {
    private static final String ADMIN = "CN=admin,OU=Operations,O=Tributary";
    private static final String ALICE = "CN=alice,OU=Payments,O=Tributary";

    @TempDir
    Path dir;

    @Test
    void theClientCertificateIsThePrincipalAndTheAclsApply() throws Exception {
        TestCertificates certificates = TestCertificates.create(Files.createDirectories(dir.resolve("certs")));
        Path brokerKeys = certificates.keyStore("broker", "CN=localhost,OU=Brokers,O=Tributary");
        Map<String, String> props = new HashMap<>();
        props.put("listeners", "SSL://127.0.0.1:0");
        props.put("ssl.keystore.type", "PKCS12");
        props.put("ssl.keystore.location", brokerKeys.toString());
        props.put("ssl.keystore.password", TestCertificates.PASSWORD);
        props.put("ssl.truststore.type", "PKCS12");
        props.put("ssl.truststore.location", certificates.trustStore().toString());
        props.put("ssl.truststore.password", TestCertificates.PASSWORD);
        props.put("ssl.client.auth", "required");
        props.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        props.put("super.users", "User:" + ADMIN);
        props.put("http.listeners", "https://127.0.0.1:0");
        try (Broker broker = TestBroker.start(dir.resolve("data"), props)) {
            var address = broker.httpAddresses().get(0);
            String topics = "/v3/clusters/" + broker.clusterId() + "/topics";
            RestClient admin = new RestClient(address, tls(certificates, certificates.keyStore("admin", ADMIN)));
            RestClient alice = new RestClient(address, tls(certificates, certificates.keyStore("alice", ALICE)));

            RestClient.Answer created = admin.post(topics, "{\"topic_name\": \"guarded\"}");
            assertEquals(201, created.status(), created.body());
            assertEquals(200, admin.post(topics + "/guarded/records", "{\"value\": {\"data\": 1}}").status());

            RestClient.Answer denied = alice.post(topics, "{\"topic_name\": \"hers\"}");
            assertEquals(403, denied.status(), denied.body());
            assertEquals(40301L, denied.json().get("error_code"));
            assertEquals(403, alice.get(topics + "/guarded").status());
            assertFalse(alice.get(topics).body().contains("guarded"));

            RestClient noCertificate = new RestClient(address, tls(certificates, null));
            assertThrows(IOException.class, () -> noCertificate.get(topics), "no client certificate: no handshake");
            RestClient untrusted = new RestClient(address, tls(certificates, certificates.selfSigned("mallory", "CN=mallory")));
            assertThrows(IOException.class, () -> untrusted.get(topics), "a certificate no authority signed: no handshake");
        }
    }

    /** Trusting the test authority, presenting the key in {@code keyStore} (none when null). */
    private static SSLContext tls(TestCertificates certificates, Path keyStore) throws Exception {
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(load(certificates.trustStore()));
        KeyManagerFactory keys = null;
        if (keyStore != null) {
            keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(load(keyStore), TestCertificates.PASSWORD.toCharArray());
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
    }

    private static KeyStore load(Path store) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, TestCertificates.PASSWORD.toCharArray());
        }
        return ks;
    }
}
