package io.tributary.broker.client;

import io.tributary.broker.Broker;
import io.tributary.broker.api.RequestPolicies;
import io.tributary.broker.quota.ThrottlePolicy;
import io.tributary.broker.security.RequestAuthorizer;
import io.tributary.broker.testing.TestCertificates;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.UnsupportedSaslMechanismException;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.SaslAuthenticateResponse;
import org.apache.kafka.common.requests.SaslHandshakeResponse;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
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
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SASL listeners with the Kafka Java client: PLAIN against the listener's JAAS users, SCRAM-SHA-256
 * and SCRAM-SHA-512 against credentials created with the Admin API, on SASL_PLAINTEXT and SASL_SSL;
 * wrong passwords and unknown users refused with {@link SaslAuthenticationException}, a mechanism the
 * listener does not enable with {@link UnsupportedSaslMechanismException}; raw frames: a request
 * (or an oversized frame) before authentication closes the connection, a v0 handshake takes bare
 * tokens, a request after the session expired closes the connection; re-authentication keeps a
 * producer going.
 */
class SaslListenerTest {
    private static final String PLAIN_JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\" user_alice=\"alice-secret\";";

    @TempDir
    Path dataDir;

    private static Map<String, String> saslPlaintext(String mechanisms) {
        Map<String, String> props = new HashMap<>();
        props.put("listeners", "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0");
        props.put("sasl.enabled.mechanisms", mechanisms);
        props.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", PLAIN_JAAS);
        return props;
    }

    static Map<String, Object> client(String bootstrap, String protocol, String mechanism, String user, String password) {
        Map<String, Object> c = new HashMap<>();
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
        c.put(SaslConfigs.SASL_MECHANISM, mechanism);
        String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                : "org.apache.kafka.common.security.scram.ScramLoginModule";
        c.put(SaslConfigs.SASL_JAAS_CONFIG, module + " required username=\"" + user + "\" password=\"" + password + "\";");
        c.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        c.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        return c;
    }

    static void produce(Map<String, Object> client, String topic, int count) throws Exception {
        Map<String, Object> p = new HashMap<>(client);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < count; i++) producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
        }
    }

    static List<String> consume(Map<String, Object> client, String topic, int count) {
        Map<String, Object> c = new HashMap<>(client);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "readers-" + topic);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) values.add(r.value());
            }
        }
        return values;
    }

    /** What an Admin client gets from the broker when it cannot authenticate. */
    static Throwable refusal(Map<String, Object> client) {
        try (Admin admin = Admin.create(client)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS));
            return e.getCause();
        }
    }

    static void addScramUser(String bootstrap, ScramMechanism mechanism, String user, String password) throws Exception {
        Map<String, Object> c = new HashMap<>();
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(c)) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                    new ScramCredentialInfo(mechanism, 8192), password))).all().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void plainUsersOfTheJaasConfigurationProduceAndConsumeAndAreTheirPrincipal() throws Exception {
        Set<KafkaPrincipal> principals = new CopyOnWriteArraySet<>();
        RequestAuthorizer recording = (context, operation, resource) -> {
            if (context.listenerName().equals("SASL_PLAINTEXT")) principals.add(context.principal());
            return AuthorizationResult.ALLOWED;
        };
        try (Broker broker = TestBroker.start(dataDir, saslPlaintext("PLAIN"), new RequestPolicies(recording, ThrottlePolicy.NONE))) {
            Map<String, Object> alice = client(broker.bootstrapServers("SASL_PLAINTEXT"), "SASL_PLAINTEXT", "PLAIN", "alice", "alice-secret");
            produce(alice, "orders", 10);
            assertEquals(10, consume(alice, "orders", 10).size(), "every record read back over SASL/PLAIN");
            assertEquals(Set.of(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "alice")), principals,
                    "every request on the SASL listener was authorized as the user who logged in");

            List<java.util.logging.LogRecord> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.logging.Logger log = java.util.logging.Logger.getLogger("io.tributary.broker.security.SaslAuthenticator");
            java.util.logging.Handler capture = new java.util.logging.Handler() {
                @Override
                public void publish(java.util.logging.LogRecord r) {
                    logged.add(r);
                }

                @Override
                public void flush() {
                }

                @Override
                public void close() {
                }
            };
            log.addHandler(capture);
            Throwable wrong;
            Throwable unknown;
            try {
                wrong = refusal(client(broker.bootstrapServers("SASL_PLAINTEXT"), "SASL_PLAINTEXT", "PLAIN", "alice", "guess-1"));
                unknown = refusal(client(broker.bootstrapServers("SASL_PLAINTEXT"), "SASL_PLAINTEXT", "PLAIN", "mallory", "guess-2"));
            } finally {
                log.removeHandler(capture);
            }
            assertInstanceOf(SaslAuthenticationException.class, wrong, "a wrong password");
            assertInstanceOf(SaslAuthenticationException.class, unknown, "an unknown user");
            assertEquals(wrong.getMessage(), unknown.getMessage(), "an unknown user cannot be told from a wrong password");
            assertTrue(!wrong.getMessage().contains("guess"), wrong.getMessage());
            List<String> failures = logged.stream().map(java.util.logging.LogRecord::getMessage).toList();
            assertTrue(failures.size() >= 2, "each refused login is logged: " + failures);
            for (String line : failures) {
                assertTrue(line.matches("Closing connection from /127\\.0\\.0\\.1:\\d+ on listener SASL_PLAINTEXT: it failed SASL .*"), line);
                assertTrue(!line.contains("guess"), "no password in the log: " + line);
            }
            assertEquals(failures.size(), failures.stream().map(l -> l.substring(0, l.indexOf(" on listener"))).distinct().count(),
                    "one line per connection: " + failures);
        }
    }

    @Test
    void scramUsersCreatedWithTheAdminApiLogInWithEitherMechanism() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, saslPlaintext("SCRAM-SHA-256,SCRAM-SHA-512"))) {
            String plain = broker.bootstrapServers("PLAINTEXT");
            String sasl = broker.bootstrapServers("SASL_PLAINTEXT");
            addScramUser(plain, ScramMechanism.SCRAM_SHA_256, "alice", "alice-secret");
            addScramUser(plain, ScramMechanism.SCRAM_SHA_512, "bob", "bob-secret");

            Map<String, Object> alice = client(sasl, "SASL_PLAINTEXT", "SCRAM-SHA-256", "alice", "alice-secret");
            produce(alice, "payments", 5);
            Map<String, Object> bob = client(sasl, "SASL_PLAINTEXT", "SCRAM-SHA-512", "bob", "bob-secret");
            assertEquals(5, consume(bob, "payments", 5).size(), "a SCRAM-SHA-512 user reads what a SCRAM-SHA-256 user wrote");

            Throwable wrong = refusal(client(sasl, "SASL_PLAINTEXT", "SCRAM-SHA-256", "alice", "guess"));
            Throwable unknown = refusal(client(sasl, "SASL_PLAINTEXT", "SCRAM-SHA-256", "mallory", "guess"));
            Throwable otherMechanism = refusal(client(sasl, "SASL_PLAINTEXT", "SCRAM-SHA-512", "alice", "alice-secret"));
            assertInstanceOf(SaslAuthenticationException.class, wrong, "a wrong password");
            assertInstanceOf(SaslAuthenticationException.class, unknown, "an unknown user");
            assertInstanceOf(SaslAuthenticationException.class, otherMechanism, "a user without a credential for that mechanism");
            assertEquals(wrong.getMessage(), unknown.getMessage(), "an unknown user cannot be told from a wrong password");

            assertInstanceOf(UnsupportedSaslMechanismException.class,
                    refusal(client(sasl, "SASL_PLAINTEXT", "PLAIN", "alice", "alice-secret")), "PLAIN is not enabled");
        }
    }

    @Test
    void saslSslCarriesPlainAndEachScramMechanismOverTls(@TempDir Path certDir) throws Exception {
        TestCertificates certificates = TestCertificates.create(certDir);
        Path brokerKeys = certificates.keyStore("broker", "CN=localhost,OU=Brokers,O=Tributary");
        Map<String, String> props = new HashMap<>();
        props.put("listeners", "PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0");
        props.put("listener.name.sasl_ssl.sasl.enabled.mechanisms", "SCRAM-SHA-256,SCRAM-SHA-512,PLAIN");
        props.put("listener.name.sasl_ssl.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_bob=\"bob-secret\";");
        props.put("ssl.keystore.type", "PKCS12");
        props.put("ssl.keystore.location", brokerKeys.toString());
        props.put("ssl.keystore.password", TestCertificates.PASSWORD);
        try (Broker broker = TestBroker.start(dataDir, props)) {
            addScramUser(broker.bootstrapServers("PLAINTEXT"), ScramMechanism.SCRAM_SHA_256, "alice", "alice-secret");
            addScramUser(broker.bootstrapServers("PLAINTEXT"), ScramMechanism.SCRAM_SHA_512, "carol", "carol-secret");
            Map<String, Object> alice = null;
            for (String[] login : List.of(new String[] {"SCRAM-SHA-256", "alice", "alice-secret"},
                    new String[] {"SCRAM-SHA-512", "carol", "carol-secret"}, new String[] {"PLAIN", "bob", "bob-secret"})) {
                Map<String, Object> c = client(broker.bootstrapServers("SASL_SSL"), "SASL_SSL", login[0], login[1], login[2]);
                c.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
                c.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, certificates.trustStore().toString());
                c.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);
                String topic = "ledger-" + login[0].toLowerCase();
                produce(c, topic, 7);
                assertEquals(7, consume(c, topic, 7).size(), "every record read back over SASL_SSL with " + login[0]);
                if (alice == null) alice = c;
            }
            Map<String, Object> wrong = new HashMap<>(alice);
            wrong.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required "
                    + "username=\"alice\" password=\"guess\";");
            assertInstanceOf(SaslAuthenticationException.class, refusal(wrong));
        }
    }

    @Test
    void onlyApiVersionsAndTheSaslExchangeAreServedBeforeAuthentication() throws Exception {
        try (Broker broker = TestBroker.start(dataDir, saslPlaintext("PLAIN"))) {
            try (RawKafkaClient raw = RawKafkaClient.connect(broker.address("SASL_PLAINTEXT"))) {
                ApiVersionsResponse versions = (ApiVersionsResponse) raw.send(
                        new org.apache.kafka.common.message.ApiVersionsRequestData(), (short) 3);
                assertEquals(Errors.NONE.code(), versions.data().errorCode(), "ApiVersions is answered before authentication");
                assertTrue(versions.data().apiKeys().find(org.apache.kafka.common.protocol.ApiKeys.SASL_HANDSHAKE.id) != null);
                raw.sendFrame(RawKafkaClient.encode(raw.header(org.apache.kafka.common.protocol.ApiKeys.METADATA, (short) 12),
                        new MetadataRequestData().setTopics(null), (short) 12));
                assertTrue(raw.closedByBroker(), "a Metadata request before authentication closes the connection");
            }
            try (RawKafkaClient raw = RawKafkaClient.connect(broker.address("SASL_PLAINTEXT"))) {
                raw.sendRaw(java.nio.ByteBuffer.allocate(8).putInt(10_000_000).putInt(0).array());
                assertTrue(raw.closedByBroker(), "a frame over sasl.server.max.receive.size (512 KiB) before authentication "
                        + "closes the connection at its length prefix");
            }
            try (RawKafkaClient raw = RawKafkaClient.connect(broker.address("SASL_PLAINTEXT"))) {
                SaslAuthenticateResponse early = (SaslAuthenticateResponse) raw.send(
                        new SaslAuthenticateRequestData().setAuthBytes(new byte[0]), (short) 2);
                assertEquals(Errors.ILLEGAL_SASL_STATE.code(), early.data().errorCode(), "SaslAuthenticate before SaslHandshake");
                assertTrue(raw.closedByBroker());
            }
            try (RawKafkaClient raw = RawKafkaClient.connect(broker.address("SASL_PLAINTEXT"))) {
                SaslHandshakeResponse handshake = (SaslHandshakeResponse) raw.send(
                        new SaslHandshakeRequestData().setMechanism("PLAIN"), (short) 1);
                assertEquals(Errors.NONE.code(), handshake.data().errorCode());
                SaslAuthenticateResponseData ok = ((SaslAuthenticateResponse) raw.send(new SaslAuthenticateRequestData()
                        .setAuthBytes("\0alice\0alice-secret".getBytes(StandardCharsets.UTF_8)), (short) 2)).data();
                assertEquals(Errors.NONE.code(), ok.errorCode());
                var metadata = (org.apache.kafka.common.requests.MetadataResponse) raw.send(
                        new MetadataRequestData().setTopics(null), (short) 12);
                assertEquals(1, metadata.data().brokers().size(), "served once authenticated");
                assertEquals(broker.address("SASL_PLAINTEXT").getPort(), metadata.data().brokers().iterator().next().port(),
                        "a client of the SASL listener is told the SASL listener's address");
            }
            try (RawKafkaClient raw = RawKafkaClient.connect(broker.address("SASL_PLAINTEXT"))) {
                SaslHandshakeResponse handshake = (SaslHandshakeResponse) raw.send(
                        new SaslHandshakeRequestData().setMechanism("PLAIN"), (short) 0);
                assertEquals(Errors.NONE.code(), handshake.data().errorCode());
                raw.sendFrame("\0alice\0alice-secret".getBytes(StandardCharsets.UTF_8));
                assertEquals(0, raw.readFrame().remaining(), "after a v0 handshake the PLAIN token is answered with a bare empty frame");
                var metadata = (org.apache.kafka.common.requests.MetadataResponse) raw.send(
                        new MetadataRequestData().setTopics(null), (short) 12);
                assertEquals(1, metadata.data().brokers().size(), "served once authenticated with bare tokens");
            }
            try (RawKafkaClient raw = RawKafkaClient.connect(broker.address("SASL_PLAINTEXT"))) {
                SaslHandshakeResponse handshake = (SaslHandshakeResponse) raw.send(
                        new SaslHandshakeRequestData().setMechanism("SCRAM-SHA-256"), (short) 1);
                assertEquals(Errors.UNSUPPORTED_SASL_MECHANISM.code(), handshake.data().errorCode());
                assertEquals(List.of("PLAIN"), handshake.data().mechanisms(), "the enabled mechanisms are listed");
                assertTrue(raw.closedByBroker());
            }
        }
    }

    @Test
    void aConnectionWhoseSessionExpiredIsClosedAtItsNextRequest() throws Exception {
        Map<String, String> props = saslPlaintext("PLAIN");
        props.put("listener.name.sasl_plaintext.connections.max.reauth.ms", "400");
        try (Broker broker = TestBroker.start(dataDir, props);
             RawKafkaClient raw = RawKafkaClient.connect(broker.address("SASL_PLAINTEXT"))) {
            raw.send(new SaslHandshakeRequestData().setMechanism("PLAIN"), (short) 1);
            SaslAuthenticateResponseData ok = ((SaslAuthenticateResponse) raw.send(new SaslAuthenticateRequestData()
                    .setAuthBytes("\0alice\0alice-secret".getBytes(StandardCharsets.UTF_8)), (short) 2)).data();
            assertEquals(400, ok.sessionLifetimeMs(), "the session lifetime is told to the client");
            raw.send(new MetadataRequestData().setTopics(null), (short) 12);
            Thread.sleep(800);
            raw.sendFrame(RawKafkaClient.encode(raw.header(org.apache.kafka.common.protocol.ApiKeys.METADATA, (short) 12),
                    new MetadataRequestData().setTopics(null), (short) 12));
            assertTrue(raw.closedByBroker(), "a request after the session expired closes the connection");
        }
    }

    @Test
    void clientsReauthenticateWhenTheirSessionEndsAndKeepProducing() throws Exception {
        Map<String, String> props = saslPlaintext("PLAIN");
        props.put("connections.max.reauth.ms", "1500");
        try (Broker broker = TestBroker.start(dataDir, props)) {
            Map<String, Object> alice = client(broker.bootstrapServers("SASL_PLAINTEXT"), "SASL_PLAINTEXT", "PLAIN", "alice", "alice-secret");
            Map<String, Object> p = new HashMap<>(alice);
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
            p.put(ProducerConfig.RETRIES_CONFIG, 0);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
                int sent = 0;
                while (System.nanoTime() < end) {
                    producer.send(new ProducerRecord<>("steady", "k", "v" + sent)).get(10, TimeUnit.SECONDS);
                    sent++;
                    Thread.sleep(100);
                }
                var metrics = producer.metrics();
                double reauthentications = metrics.entrySet().stream()
                        .filter(e -> e.getKey().name().equals("successful-reauthentication-total"))
                        .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
                assertTrue(reauthentications >= 2, "the producer re-authenticated on its connections: " + reauthentications);
                assertEquals(sent, consume(alice, "steady", sent).size(), "every record sent across the re-authentications is there");
            }
        }
    }
}
