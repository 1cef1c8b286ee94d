package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.api.RequestPolicies;
import io.tributary.broker.quota.ThrottlePolicy;
import io.tributary.broker.security.RequestAuthorizer;
import io.tributary.broker.testing.TestCertificates;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malformed TLS handshakes against a mutual-TLS listener: truncated, oversized and out-of-order
 * records, plaintext Kafka frames, seeded random bytes, and handshakes left hanging. Each such
 * connection is closed by the broker (at the latest when Netty's 10 s handshake timeout ends it),
 * no request of any of them reaches the broker (the recording authorizer sees only the real
 * client's principal), and the broker keeps serving a real client while and after they run.
 */
class TlsHandshakeFuzzTest {
    private static final long CLOSE_WITHIN_MS = 20_000;

    @TempDir
    Path dataDir;
    @TempDir
    Path certDir;

    @Test
    void malformedHandshakesAreClosedAuthenticateNoOneAndLeaveTheBrokerServing() throws Exception {
        TestCertificates certificates = TestCertificates.create(certDir);
        Path brokerKeys = certificates.keyStore("broker", "CN=localhost");
        Path aliceKeys = certificates.keyStore("alice", "CN=alice");
        Map<String, String> props = new HashMap<>(Map.of(
                "listeners", "SSL://127.0.0.1:0", "ssl.client.auth", "required",
                "ssl.keystore.location", brokerKeys.toString(), "ssl.keystore.password", TestCertificates.PASSWORD,
                "ssl.truststore.location", certificates.trustStore().toString(),
                "ssl.truststore.password", TestCertificates.PASSWORD));
        Set<KafkaPrincipal> principals = new CopyOnWriteArraySet<>();
        RequestAuthorizer recording = (context, operation, resource) -> {
            principals.add(context.principal());
            return AuthorizationResult.ALLOWED;
        };
        try (Broker broker = TestBroker.start(dataDir, props, new RequestPolicies(recording, ThrottlePolicy.NONE))) {
            String bootstrap = broker.bootstrapServers();
            InetSocketAddress address = new InetSocketAddress("127.0.0.1",
                    Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1)));
            byte[] hello = clientHello(address);

            Map<String, byte[]> attacks = new LinkedHashMap<>();
            attacks.put("a plaintext Kafka ApiVersions request", apiVersionsFrame());
            attacks.put("half a ClientHello", Arrays.copyOf(hello, hello.length / 2));
            attacks.put("a ClientHello's record header only", Arrays.copyOf(hello, 5));
            attacks.put("a record longer than TLS allows", concat(new byte[] {0x16, 0x03, 0x03, 0x48, 0x00}, new byte[512]));
            attacks.put("a ChangeCipherSpec before any hello", new byte[] {0x14, 0x03, 0x03, 0x00, 0x01, 0x01});
            attacks.put("application data before any hello", concat(new byte[] {0x17, 0x03, 0x03, 0x00, 0x20}, new byte[32]));
            attacks.put("an alert before any hello", new byte[] {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28});
            attacks.put("a ClientHello sent twice", concat(hello, hello));
            byte[] corrupted = hello.clone();
            for (int i = 9; i < corrupted.length; i += 7) corrupted[i] ^= 0x5a;
            attacks.put("a ClientHello with corrupted fields", corrupted);
            Random random = new Random(20261206L);
            for (int i = 0; i < 40; i++) {
                byte[] junk = new byte[1 + random.nextInt(4096)];
                random.nextBytes(junk);
                if (i % 2 == 0 && junk.length > 5) {
                    junk[0] = 0x16; // a handshake record header, then noise
                    junk[1] = 0x03;
                    junk[2] = (byte) (1 + random.nextInt(3));
                }
                attacks.put("random bytes #" + i + " (" + junk.length + " bytes)", junk);
            }

            List<Socket> open = new ArrayList<>();
            Map<Socket, String> names = new HashMap<>();
            for (Map.Entry<String, byte[]> a : attacks.entrySet()) {
                Socket s = new Socket();
                s.connect(address, 5_000);
                s.getOutputStream().write(a.getValue());
                s.getOutputStream().flush();
                open.add(s);
                names.put(s, a.getKey());
            }
            // While every one of them is pending, a real client is served.
            produce(broker, certificates, aliceKeys, "while-attacked");

            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WITHIN_MS);
            List<String> notClosed = new ArrayList<>();
            List<String> answeredInPlaintext = new ArrayList<>();
            for (Socket s : open) {
                Reply r = readUntilClosed(s, deadline);
                if (!r.closed()) notClosed.add(names.get(s));
                if (r.firstByte() >= 0 && r.firstByte() != 0x15 && r.firstByte() != 0x16) {
                    answeredInPlaintext.add(names.get(s) + " got first byte " + r.firstByte());
                }
                s.close();
            }
            assertEquals(List.of(), notClosed, "connections the broker left open after " + CLOSE_WITHIN_MS + " ms");
            assertEquals(List.of(), answeredInPlaintext, "anything but a TLS alert or handshake record in answer");

            produce(broker, certificates, aliceKeys, "after-attacks");
            assertEquals(Set.of(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "CN=alice")), principals,
                    "no request of a malformed connection reached the broker");
        }
    }

    private record Reply(boolean closed, int firstByte) {
    }

    /** Reads what the broker sends until it closes the connection or {@code deadlineNanos} passes. */
    private static Reply readUntilClosed(Socket s, long deadlineNanos) throws IOException {
        InputStream in = s.getInputStream();
        int first = -1;
        byte[] buf = new byte[4096];
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            if (left <= 0) return new Reply(false, first);
            s.setSoTimeout((int) Math.max(1, left));
            try {
                int n = in.read(buf);
                if (n < 0) return new Reply(true, first);
                if (first < 0 && n > 0) first = buf[0] & 0xff;
            } catch (SocketTimeoutException e) {
                return new Reply(false, first);
            } catch (IOException reset) {
                return new Reply(true, first);
            }
        }
    }

    private static void produce(Broker broker, TestCertificates certificates, Path keyStore, String value) throws Exception {
        Map<String, Object> c = new HashMap<>();
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        c.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
        c.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, certificates.trustStore().toString());
        c.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);
        c.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, keyStore.toString());
        c.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        try (KafkaProducer<String, String> p = new KafkaProducer<>(c, new StringSerializer(), new StringSerializer())) {
            p.send(new ProducerRecord<>("fuzzed", value)).get(30, TimeUnit.SECONDS);
        }
    }

    /** The bytes a JDK TLS client sends first: its ClientHello record. */
    private static byte[] clientHello(InetSocketAddress address) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, null, null);
        SSLEngine engine = context.createSSLEngine(address.getHostString(), address.getPort());
        engine.setUseClientMode(true);
        engine.beginHandshake();
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] hello = new byte[out.remaining()];
        out.get(hello);
        return hello;
    }

    private static byte[] apiVersionsFrame() {
        RequestHeader header = new RequestHeader(ApiKeys.API_VERSIONS, (short) 3, "fuzz", 1);
        byte[] body = RawKafkaClient.encode(header, new ApiVersionsRequestData().setClientSoftwareName("fuzz")
                .setClientSoftwareVersion("1"), (short) 3);
        return concat(ByteBuffer.allocate(4).putInt(body.length).array(), body);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
