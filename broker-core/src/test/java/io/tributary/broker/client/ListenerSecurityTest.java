package io.tributary.broker.client;

import io.tributary.broker.testing.SuiteTags;
import io.tributary.broker.Broker;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A SASL listener without a mechanism this broker offers (Kafka's default {@code GSSAPI} is not
 * offered), or a TLS listener without a key store, is refused at start, with an error naming it, and
 * never served as plaintext; so is a protocol {@code listener.security.protocol.map} does not know and
 * an advertised listener that is not among the listeners. A listener under another name that maps to
 * {@code PLAINTEXT} is served.
 */
@Tag(SuiteTags.PROCESS)
class ListenerSecurityTest {
    @TempDir
    Path dataDir;

    @Test
    void aBrokerProcessAskedForSaslWithoutMechanismsExitsWithTheListenerNamedAndNeverAnswersOnItsPort() throws Exception {
        int port = freePort();
        String listener = "SASL_PLAINTEXT://127.0.0.1:" + port;
        AtomicInteger connections = new AtomicInteger();
        AtomicInteger probes = new AtomicInteger();
        BrokerProcess.Exit exit = BrokerProcess.runExpectingExit(dataDir, Map.of("listeners", listener), () -> {
            probes.incrementAndGet();
            if (connects(port)) connections.incrementAndGet();
        });
        assertNotEquals(0, exit.code(), exit.output());
        assertTrue(exit.output().contains("Invalid configuration"), exit.output());
        assertTrue(exit.output().contains(listener), "the listener is named: " + exit.output());
        assertTrue(exit.output().contains("SASL mechanism GSSAPI of listener " + listener + " is not offered"), exit.output());
        assertTrue(probes.get() > 0, "the port was probed while the process ran");
        assertEquals(0, connections.get(), "nothing ever accepted a connection on " + port);
        assertFalse(connects(port));
        assertFalse(Files.exists(dataDir.resolve("meta")), "the data directory was not touched");
    }

    @Test
    void anEmbeddedBrokerRefusesUnconfiguredSaslListenersAndSslWithoutKeyStoreBeforeBindingAnything() throws Exception {
        int sslPort = freePort();
        ConfigException noKeyStore = assertThrows(ConfigException.class,
                () -> TestBroker.start(dataDir, Map.of("listeners", "SSL://127.0.0.1:" + sslPort)));
        assertTrue(noKeyStore.getMessage().contains("SSL://127.0.0.1:" + sslPort), noKeyStore.getMessage());
        assertTrue(noKeyStore.getMessage().contains("ssl.keystore.location"), noKeyStore.getMessage());
        assertFalse(connects(sslPort));
        for (String protocol : new String[] {"SASL_SSL", "SASL_PLAINTEXT"}) {
            int port = freePort();
            ConfigException e = assertThrows(ConfigException.class,
                    () -> TestBroker.start(dataDir, Map.of("listeners", protocol + "://127.0.0.1:" + port)));
            assertTrue(e.getMessage().contains(protocol + "://127.0.0.1:" + port), e.getMessage());
            assertFalse(connects(port));
        }
        int port = freePort();
        ConfigException e = assertThrows(ConfigException.class, () -> TestBroker.start(dataDir, Map.of(
                "listeners", "INTERNAL://127.0.0.1:" + port,
                "listener.security.protocol.map", "INTERNAL:SASL_PLAINTEXT")));
        assertTrue(e.getMessage().contains("INTERNAL://127.0.0.1:" + port), e.getMessage());
        assertFalse(connects(port));
        e = assertThrows(ConfigException.class, () -> TestBroker.start(dataDir, Map.of(
                "listeners", "PLAINTEXT://127.0.0.1:0", "advertised.listeners", "SASL_SSL://broker.example:9093")));
        assertTrue(e.getMessage().contains("advertised.listeners"), e.getMessage());
    }

    @Test
    void anUnknownProtocolInTheProtocolMapIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> TestBroker.start(dataDir, Map.of(
                "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SECURE:KERBEROS_OVER_PIGEONS")));
        assertTrue(e.getMessage().contains("listener.security.protocol.map"), e.getMessage());
        assertTrue(e.getMessage().contains("KERBEROS_OVER_PIGEONS"), e.getMessage());
        e = assertThrows(ConfigException.class,
                () -> TestBroker.start(dataDir, Map.of("listeners", "EXTERNAL://127.0.0.1:0")));
        assertTrue(e.getMessage().contains("listener EXTERNAL has no security protocol"), e.getMessage());
    }

    @Test
    void aListenerUnderAnotherNameMappedToPlaintextIsServed() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, Map.of("listeners", "client://127.0.0.1:0",
                "listener.security.protocol.map", "CLIENT:PLAINTEXT"));
             RawKafkaClient client = RawKafkaClient.connect(broker.address())) {
            ApiVersionsResponse r = (ApiVersionsResponse) client.send(new ApiVersionsRequestData()
                    .setClientSoftwareName("test").setClientSoftwareVersion("1"), (short) 3);
            assertEquals(Errors.NONE.code(), r.data().errorCode());
        }
    }

    private static boolean connects(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
