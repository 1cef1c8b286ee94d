package io.tributary.ra;

import io.tributary.broker.testing.TestCertificates;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/**
 * {@link TransactionalSendTest} with the embedded node listening on mutual TLS only: the pooled
 * transactional producers, the branch log, and recovery (its Admin calls, its branch-log reads and
 * the EndTxn it sends itself) all connect with the adapter's {@code clientProperties}.
 */
class TransactionalSendOverTlsTest extends TransactionalSendTest {
    @TempDir
    static Path certificateDir;
    private static TestCertificates certificates;
    private static Path brokerKeyStore;
    private static Path clientKeyStore;

    @BeforeAll
    static void createCertificates() throws Exception {
        certificates = TestCertificates.create(certificateDir);
        brokerKeyStore = certificates.keyStore("broker", "CN=broker");
        clientKeyStore = certificates.keyStore("payments-app", "CN=payments-app");
    }

    @Override
    protected String listenerProperties(int port) {
        return "listeners=SSL://127.0.0.1:" + port + ";ssl.client.auth=required;ssl.keystore.location=" + brokerKeyStore
                + ";ssl.keystore.password=" + TestCertificates.PASSWORD + ";ssl.truststore.location="
                + certificates.trustStore() + ";ssl.truststore.password=" + TestCertificates.PASSWORD;
    }

    @Override
    protected String clientProperties() {
        return "security.protocol=SSL;ssl.truststore.location=" + certificates.trustStore() + ";ssl.truststore.password="
                + TestCertificates.PASSWORD + ";ssl.keystore.location=" + clientKeyStore + ";ssl.keystore.password="
                + TestCertificates.PASSWORD;
    }
}
