package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.api.RequestPolicies;
import io.tributary.broker.quota.ThrottlePolicy;
import io.tributary.broker.security.RequestAuthorizer;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.SaslAuthenticateResponse;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malformed SASL exchanges against a {@code SASL_PLAINTEXT} listener with PLAIN and SCRAM-SHA-256:
 * truncated, empty, oversized and random tokens, steps out of order or repeated, SCRAM messages cut
 * short or with a forged proof, frames cut short, random requests before authentication. None of
 * them authenticates (no SaslAuthenticate is answered with success, no request reaches the broker
 * under any principal but the real client's), each connection is answered with an error or closed,
 * and the broker serves a real client meanwhile and after.
 */
class SaslHandshakeFuzzTest {
    private static final String PLAIN_JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "user_alice=\"alice-secret\";";

    @TempDir
    Path dataDir;

    /** One malformed exchange on a fresh connection; returns true if any SaslAuthenticate succeeded. */
    @FunctionalInterface
    private interface Attack {
        boolean run(RawKafkaClient raw) throws IOException;
    }

    @Test
    void malformedSaslExchangesAuthenticateNoOneAndLeaveTheBrokerServing() throws Exception {
        Map<String, String> props = new HashMap<>();
        props.put("listeners", "SASL_PLAINTEXT://127.0.0.1:0");
        props.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256");
        props.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", PLAIN_JAAS);
        props.put("tributary.sasl.scram.initial.users", "SCRAM-SHA-256=[name=bob,password=bob-secret]");
        Set<KafkaPrincipal> principals = new CopyOnWriteArraySet<>();
        RequestAuthorizer recording = (context, operation, resource) -> {
            principals.add(context.principal());
            return AuthorizationResult.ALLOWED;
        };
        try (Broker broker = TestBroker.start(dataDir, props, new RequestPolicies(recording, ThrottlePolicy.NONE))) {
            InetSocketAddress address = broker.address("SASL_PLAINTEXT");
            Map<String, Attack> attacks = new java.util.LinkedHashMap<>();
            attacks.put("SaslAuthenticate before SaslHandshake", raw -> authenticate(raw, "\0alice\0alice-secret"));
            attacks.put("a Metadata request before authentication", raw -> {
                raw.sendFrame(RawKafkaClient.encode(raw.header(ApiKeys.METADATA, (short) 12),
                        new MetadataRequestData().setTopics(null), (short) 12));
                return false;
            });
            attacks.put("PLAIN with an empty token", raw -> handshake(raw, "PLAIN") && authenticate(raw, ""));
            attacks.put("PLAIN with a token cut before the password", raw -> handshake(raw, "PLAIN") && authenticate(raw, "\0alice"));
            attacks.put("PLAIN without separators", raw -> handshake(raw, "PLAIN") && authenticate(raw, "alicealice-secret"));
            attacks.put("PLAIN with the wrong password", raw -> handshake(raw, "PLAIN") && authenticate(raw, "\0alice\0alice-secreT"));
            attacks.put("PLAIN with a password prefix", raw -> handshake(raw, "PLAIN") && authenticate(raw, "\0alice\0alice-"));
            attacks.put("PLAIN with an authorization id for another user",
                    raw -> handshake(raw, "PLAIN") && authenticate(raw, "admin\0alice\0wrong"));
            attacks.put("PLAIN with a token of 400 KB", raw -> handshake(raw, "PLAIN") && authenticate(raw, "\0alice\0" + "x".repeat(400_000)));
            attacks.put("two handshakes", raw -> handshake(raw, "PLAIN") && handshake(raw, "PLAIN") && authenticate(raw, "\0alice\0alice-secret"));
            attacks.put("an unknown mechanism, then a PLAIN token", raw -> handshake(raw, "NOPE") || authenticate(raw, "\0alice\0alice-secret"));
            attacks.put("SCRAM: client-final before client-first", raw -> handshake(raw, "SCRAM-SHA-256")
                    && authenticate(raw, "c=biws,r=abc,p=" + "A".repeat(44)));
            attacks.put("SCRAM: a client-first without a nonce", raw -> handshake(raw, "SCRAM-SHA-256") && authenticate(raw, "n,,n=bob"));
            attacks.put("SCRAM: a garbage client-first", raw -> handshake(raw, "SCRAM-SHA-256") && authenticate(raw, "\u0001\u0002==,,"));
            attacks.put("SCRAM: a forged proof", raw -> handshake(raw, "SCRAM-SHA-256")
                    && scramWithForgedProof(raw));
            attacks.put("SCRAM: the client-first twice", raw -> handshake(raw, "SCRAM-SHA-256")
                    && authenticate(raw, "n,,n=bob,r=fuzzfuzzfuzz") | authenticate(raw, "n,,n=bob,r=fuzzfuzzfuzz"));
            attacks.put("a frame cut short, then the client gone", raw -> {
                raw.sendRaw(ByteBuffer.allocate(14).putInt(100).putShort((short) 36).putShort((short) 1).putInt(7).putShort((short) 0).array());
                raw.close();
                return false;
            });
            Random random = new Random(20261206L);
            for (int i = 0; i < 30; i++) {
                byte[] body = new byte[1 + random.nextInt(300)];
                random.nextBytes(body);
                if (i % 3 == 0 && body.length >= 4) { // a SaslAuthenticate header with a random body
                    body[0] = 0;
                    body[1] = (byte) ApiKeys.SASL_AUTHENTICATE.id;
                }
                boolean afterHandshake = i % 2 == 0;
                attacks.put("random frame #" + i + (afterHandshake ? " after a PLAIN handshake" : ""), raw -> {
                    if (afterHandshake && !handshake(raw, "PLAIN")) return false;
                    raw.sendFrame(body);
                    return false;
                });
            }

            List<String> authenticated = new ArrayList<>();
            List<String> leftOpen = new ArrayList<>();
            for (Map.Entry<String, Attack> a : attacks.entrySet()) {
                try (RawKafkaClient raw = RawKafkaClient.connect(address)) {
                    boolean succeeded;
                    try {
                        succeeded = a.getValue().run(raw);
                    } catch (IOException closed) {
                        succeeded = false;
                    }
                    if (succeeded) authenticated.add(a.getKey());
                    if (!closedOrRefusesRequests(raw)) leftOpen.add(a.getKey());
                }
            }
            assertEquals(List.of(), authenticated, "exchanges that authenticated");
            assertEquals(List.of(), leftOpen, "connections that were served a request after a malformed exchange");

            SaslListenerTest.produce(SaslListenerTest.client(broker.bootstrapServers("SASL_PLAINTEXT"), "SASL_PLAINTEXT",
                    "SCRAM-SHA-256", "bob", "bob-secret"), "after-fuzz", 3);
            SaslListenerTest.produce(SaslListenerTest.client(broker.bootstrapServers("SASL_PLAINTEXT"), "SASL_PLAINTEXT",
                    "PLAIN", "alice", "alice-secret"), "after-fuzz", 3);
            assertEquals(Set.of(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "bob"), new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "alice")),
                    principals, "only the real clients' requests reached the broker");
        }
    }

    /** True when the handshake for {@code mechanism} was accepted. */
    private static boolean handshake(RawKafkaClient raw, String mechanism) throws IOException {
        AbstractResponse r = raw.send(new SaslHandshakeRequestData().setMechanism(mechanism), (short) 1);
        return r.errorCounts().keySet().stream().allMatch(e -> e == org.apache.kafka.common.protocol.Errors.NONE);
    }

    /** True when the token was accepted as the end of a successful authentication. */
    private static boolean authenticate(RawKafkaClient raw, String token) throws IOException {
        SaslAuthenticateResponse r = (SaslAuthenticateResponse) raw.send(new SaslAuthenticateRequestData()
                .setAuthBytes(token.getBytes(StandardCharsets.UTF_8)), (short) 2);
        return r.data().errorCode() == 0 && r.data().authBytes().length == 0;
    }

    /** A valid client-first for bob, then a client-final with the server's nonce and a proof of zeros. */
    private static boolean scramWithForgedProof(RawKafkaClient raw) throws IOException {
        SaslAuthenticateResponse first = (SaslAuthenticateResponse) raw.send(new SaslAuthenticateRequestData()
                .setAuthBytes("n,,n=bob,r=fuzznonce".getBytes(StandardCharsets.UTF_8)), (short) 2);
        if (first.data().errorCode() != 0) return false;
        String serverFirst = new String(first.data().authBytes(), StandardCharsets.UTF_8);
        String nonce = serverFirst.split(",")[0].substring(2);
        String proof = java.util.Base64.getEncoder().encodeToString(new byte[32]);
        return authenticate(raw, "c=biws,r=" + nonce + ",p=" + proof);
    }

    /**
     * Whether the broker closed the connection, or refuses a Metadata request on it by closing it
     * (false when it answers the request, or keeps the connection open without answering).
     */
    private static boolean closedOrRefusesRequests(RawKafkaClient raw) {
        try {
            raw.sendFrame(RawKafkaClient.encode(raw.header(ApiKeys.METADATA, (short) 12),
                    new MetadataRequestData().setTopics(null), (short) 12));
            return raw.closedByBroker();
        } catch (IOException e) {
            return e.getMessage() == null || !e.getMessage().startsWith("Expected the broker to close");
        }
    }
}
