package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.api.RequestPolicies;
import io.tributary.broker.quota.ThrottlePolicy;
import io.tributary.broker.security.RequestAuthorizer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SASL/OAUTHBEARER with signed JWTs, as Kafka's broker validates them: an identity provider of the
 * test's own (an RSA key, its JWKS in a file the broker reads through
 * {@code sasl.oauthbearer.jwks.endpoint.url}), and the Kafka Java client getting its token with
 * Kafka's {@code OAuthBearerLoginCallbackHandler}. A valid token authenticates as {@code User:<sub>};
 * a token signed by another key, an expired one and one for another audience are refused with
 * Kafka's {@link SaslAuthenticationException}; a listener without a JWKS, or with Kafka's unsecured
 * validator, does not start.
 */
class OAuthBearerTest {
    private static final String AUDIENCE = "tributary";
    private static final String ISSUER = "https://idp.example.test";
    /** The clients' token files (each must be allowed by URL). */
    private static final List<String> TOKEN_FILES = List.of("alice", "forged", "expired", "elsewhere");
    @TempDir
    static Path idp;
    @TempDir
    Path dataDir;
    private static RsaJsonWebKey signingKey;
    private static Path jwks;

    @BeforeAll
    static void identityProvider() throws Exception {
        signingKey = RsaJwkGenerator.generateJwk(2048);
        signingKey.setKeyId("idp-key-1");
        jwks = idp.resolve("jwks.json");
        Files.writeString(jwks, new JsonWebKeySet(signingKey).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY));
        // Kafka 4 reads OAuth URLs and files only where the JVM allows it, broker and clients alike.
        List<String> allowed = new ArrayList<>(List.of(jwks.toUri().toString()));
        for (String client : TOKEN_FILES) allowed.add(idp.resolve(client + ".jwt").toUri().toString());
        System.setProperty("org.apache.kafka.sasl.oauthbearer.allowed.urls", String.join(",", allowed));
    }

    private static String token(RsaJsonWebKey key, String subject, String audience, long expiresInSeconds) throws Exception {
        JwtClaims claims = new JwtClaims();
        claims.setSubject(subject);
        claims.setIssuer(ISSUER);
        claims.setAudience(audience);
        claims.setIssuedAtToNow();
        NumericDate expiry = NumericDate.now();
        expiry.addSeconds(expiresInSeconds);
        claims.setExpirationTime(expiry);
        claims.setClaim("scope", "kafka");
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key.getPrivateKey());
        jws.setKeyIdHeaderValue(key.getKeyId());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        return jws.getCompactSerialization();
    }

    private Map<String, String> listener() {
        Map<String, String> props = new HashMap<>();
        props.put("listeners", "SASL_PLAINTEXT://127.0.0.1:0");
        props.put("sasl.enabled.mechanisms", "OAUTHBEARER");
        props.put("sasl.oauthbearer.jwks.endpoint.url", jwks.toUri().toString());
        props.put("sasl.oauthbearer.expected.audience", AUDIENCE);
        props.put("sasl.oauthbearer.expected.issuer", ISSUER);
        props.put("listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;");
        return props;
    }

    /** A client that gets {@code jwt} from a token file, as Kafka's login callback handler reads it. */
    private static Map<String, Object> client(Broker broker, String jwt, String name) throws Exception {
        Path tokenFile = idp.resolve(name + ".jwt");
        Files.writeString(tokenFile, jwt);
        Map<String, Object> c = new HashMap<>();
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        c.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        c.put(SaslConfigs.SASL_MECHANISM, "OAUTHBEARER");
        c.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;");
        c.put(SaslConfigs.SASL_LOGIN_CALLBACK_HANDLER_CLASS,
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler");
        c.put(SaslConfigs.SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL, tokenFile.toUri().toString());
        return c;
    }

    @Test
    void aValidTokenAuthenticatesAsItsSubjectAndProducesAndConsumes() throws Exception {
        Set<KafkaPrincipal> principals = new CopyOnWriteArraySet<>();
        RequestAuthorizer recording = (context, operation, resource) -> {
            principals.add(context.principal());
            return AuthorizationResult.ALLOWED;
        };
        try (Broker broker = TestBroker.start(dataDir, listener(), new RequestPolicies(recording, ThrottlePolicy.NONE))) {
            Map<String, Object> alice = client(broker, token(signingKey, "alice", AUDIENCE, 600), "alice");
            SaslListenerTest.produce(alice, "tokens", 5);
            List<String> values = SaslListenerTest.consume(alice, "tokens", 5);
            assertEquals(List.of("v0", "v1", "v2", "v3", "v4"), values);
            assertEquals(Set.of(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "alice")), principals,
                    "every request was authorized as the token's subject");
        }
    }

    @Test
    void forgedExpiredAndMisaddressedTokensAreRefusedAndTheBrokerKeepsServing() throws Exception {
        RsaJsonWebKey stranger = RsaJwkGenerator.generateJwk(2048);
        stranger.setKeyId("idp-key-1");
        try (Broker broker = TestBroker.start(dataDir, listener())) {
            assertRefused(client(broker, token(stranger, "mallory", AUDIENCE, 600), "forged"), "signed by another key");
            assertRefused(client(broker, token(signingKey, "bob", AUDIENCE, -120), "expired"), "expired two minutes ago");
            assertRefused(client(broker, token(signingKey, "bob", "another-service", 600), "elsewhere"), "for another audience");
            try (Admin admin = Admin.create(client(broker, token(signingKey, "alice", AUDIENCE, 600), "alice"))) {
                assertEquals(1, admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size(), "a valid token still works");
            }
        }
    }

    private static void assertRefused(Map<String, Object> client, String why) {
        Map<String, Object> a = new HashMap<>(client);
        a.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        a.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        Throwable refusal = SaslListenerTest.refusal(a);
        assertInstanceOf(SaslAuthenticationException.class, refusal, why + ": " + refusal);
    }

    @Test
    void aListenerThatWouldNotValidateTokensDoesNotStart() {
        Map<String, String> noJwks = listener();
        noJwks.remove("sasl.oauthbearer.jwks.endpoint.url");
        ConfigException e = assertThrows(ConfigException.class, () -> TestBroker.start(dataDir, noJwks).close());
        assertTrue(e.getMessage().contains("sasl.oauthbearer.jwks.endpoint.url"), e.getMessage());

        Map<String, String> unsecured = listener();
        unsecured.put("listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class",
                "org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredValidatorCallbackHandler");
        e = assertThrows(ConfigException.class, () -> TestBroker.start(dataDir, unsecured).close());
        assertTrue(e.getMessage().contains("sasl.server.callback.handler.class"), e.getMessage());
    }
}
