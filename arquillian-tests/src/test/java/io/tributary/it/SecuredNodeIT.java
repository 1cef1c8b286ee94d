package io.tributary.it;

import io.tributary.broker.testing.TestCertificates;
import io.tributary.it.client.ExamplesApp;
import io.tributary.it.client.KafkaSide;
import io.tributary.it.crash.SecuredPayaraMicroServer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The examples on Payara Micro with an embedded node that listens only on {@code SASL_SSL} (SCRAM-SHA-256),
 * the store password and the SCRAM users' passwords from Payara password aliases
 * ({@link SecuredPayaraMicroServer}): orders placed over HTTP
 * are sent by the EJB through the connection factory, stored by {@code OrderStore}, and confirmed
 * by {@code OrderConfirmations} (consume, store and send in one JTA transaction), every client of
 * the adapter connecting over the secured listener; a client without the credentials reads
 * nothing; and no secret appears in the server's log.
 */
class SecuredNodeIT {
    private static final int ORDERS = 20;
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void onPayaraMicroWithSaslSslAndPasswordAliases() throws Exception {
        Path workDir = ExamplesApp.freshDirectory("secured-run");
        TestCertificates certificates = TestCertificates.create(Files.createDirectories(workDir.resolve("certs")));
        Path brokerKeys = certificates.keyStore("broker", "CN=localhost");
        String storeSecret = TestCertificates.PASSWORD;
        String appSecret = "orders-app-" + Long.toHexString(System.nanoTime());
        String testSecret = "it-client-" + Long.toHexString(System.nanoTime());

        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("tributary.broker.listeners", "SASL_SSL://127.0.0.1:19096");
        settings.put("tributary.broker.num.partitions", "4");
        settings.put("tributary.broker.group.initial.rebalance.delay.ms", "0");
        settings.put("tributary.broker.sasl.enabled.mechanisms", "SCRAM-SHA-256");
        settings.put("tributary.broker.tributary.sasl.scram.initial.users",
                "SCRAM-SHA-256=[name=orders-app,password=${tributary.secret.orders-app}],"
                        + "SCRAM-SHA-256=[name=it-client,password=${tributary.secret.it-client}]");
        settings.put("tributary.broker.ssl.keystore.location", brokerKeys.toString());
        settings.put("tributary.broker.ssl.keystore.password", "${tributary.secret.tributary-stores}");
        settings.put("tributary.client.security.protocol", "SASL_SSL");
        settings.put("tributary.client.sasl.mechanism", "SCRAM-SHA-256");
        settings.put("tributary.client.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule "
                + "required username=\"orders-app\" password=\"${tributary.secret.orders-app}\";");
        settings.put("tributary.client.ssl.truststore.location", certificates.trustStore().toString());
        settings.put("tributary.client.ssl.truststore.password", "${tributary.secret.tributary-stores}");
        Map<String, String> testClient = Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-256",
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required "
                        + "username=\"it-client\" password=\"" + testSecret + "\";",
                "ssl.truststore.location", certificates.trustStore().toString(), "ssl.truststore.password", storeSecret);
        Map<String, String> aliases = Map.of("tributary-stores", storeSecret, "orders-app", appSecret, "it-client", testSecret);

        Path war = Path.of(System.getProperty("payara.dir")).resolve("tributary-examples.war");
        try (SecuredPayaraMicroServer server = new SecuredPayaraMicroServer(workDir, aliases, settings)) {
            server.start(war, "server-1");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (ExamplesApp.count(server.examplesUrl(), "stored") < 0 && System.nanoTime() < deadline) Thread.sleep(200);

            for (int i = 0; i < ORDERS; i++) {
                HttpResponse<String> placed = http.send(HttpRequest.newBuilder(URI.create(server.examplesUrl() + "/api/orders"))
                        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"secured-" + i + "\",\"customer\":\"c" + (i % 3)
                                + "\",\"amountCents\":" + (100 + i) + "}")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(202, placed.statusCode(), "order " + i + " sent by the EJB: " + placed.body());
            }
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while ((ExamplesApp.count(server.examplesUrl(), "stored") < ORDERS
                    || ExamplesApp.count(server.examplesUrl(), "confirmed") < ORDERS) && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
            assertEquals(ORDERS, ExamplesApp.count(server.examplesUrl(), "stored"), "every order stored by the MDB");
            assertEquals(ORDERS, ExamplesApp.count(server.examplesUrl(), "confirmed"), "every order confirmed by the transactional MDB");

            Map<String, Long> confirmations = KafkaSide.readAll(server.bootstrap(), testClient, "orders.confirmed", "read_committed")
                    .stream().collect(Collectors.groupingBy(r -> r.get("@key"), Collectors.counting()));
            assertEquals(ORDERS, confirmations.size(), "the confirmations, read over SASL_SSL as another SCRAM user");
            assertEquals(Set.of(1L), Set.copyOf(confirmations.values()), "each once");

            assertThrows(org.apache.kafka.common.KafkaException.class,
                    () -> KafkaSide.readAll(server.bootstrap(), Map.of(), "orders", "read_uncommitted"),
                    "a plaintext client gets nothing from the secured listener");
            String log = Files.readString(server.log("server-1"));
            assertTrue(log.contains("Tributary resource adapter started") && log.contains("(SASL_SSL)"),
                    "the adapter's clients use SASL_SSL");
            for (String secret : aliases.values()) assertFalse(log.contains(secret), "a secret in the server's log");
            assertTrue(server.stop(), "the server stops on SIGTERM");
        }
    }


}
