package io.tributary.broker.http;

import io.tributary.broker.client.BrokerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The standalone broker's {@code --http HOST:PORT} option: the REST API and /metrics answer there. */
class StandaloneBrokerHttpTest {
    @TempDir
    Path dataDir;

    @Test
    void servesTheRestApiAndMetricsOnTheHttpOptionsAddress() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        try (BrokerProcess broker = BrokerProcess.startWithArguments(dataDir, Map.of(), List.of("--http", "127.0.0.1:" + port))) {
            RestClient rest = new RestClient(new InetSocketAddress("127.0.0.1", port));
            RestClient.Answer clusters = rest.get("/v3/clusters");
            assertEquals(200, clusters.status(), clusters.body());
            assertEquals("KafkaClusterList", clusters.json().get("kind"));
            assertTrue(rest.get("/metrics").body().contains("kafka_server_kafkaserver_brokerstate 3"));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!broker.outputTail().contains("Tributary REST API and /metrics on 127.0.0.1:" + port)) {
                if (System.nanoTime() > deadline) throw new AssertionError("No HTTP line in:\n" + broker.outputTail());
                Thread.sleep(50);
            }
        }
    }
}
