package io.tributary.ra.outbound;

import io.tributary.ra.AdapterClassLoader;
import io.tributary.ra.config.ClientSettings;
import org.apache.kafka.clients.ApiVersions;
import org.apache.kafka.clients.ClientRequest;
import org.apache.kafka.clients.ClientResponse;
import org.apache.kafka.clients.ClientUtils;
import org.apache.kafka.clients.DefaultHostResolver;
import org.apache.kafka.clients.ManualMetadataUpdater;
import org.apache.kafka.clients.NetworkClient;
import org.apache.kafka.clients.NetworkClientUtils;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.utils.LogContext;
import org.apache.kafka.common.utils.Time;

import java.io.IOException;
import java.util.Map;

/**
 * Sends a request the Admin API has no call for (EndTxn, for recovery) to one broker, over a
 * connection made as the adapter's other clients make theirs: kafka-clients' own network client
 * with the adapter's {@link ClientSettings}, so TLS and SASL apply to it exactly as to producers
 * and consumers, and the API version is negotiated. Thread-safe: one request at a time (the
 * network client is not thread-safe; each call holds this object's monitor across its I/O, which
 * is the request-response exchange it waits for).
 */
final class KafkaRequestClient implements AutoCloseable {
    private final NetworkClient client;
    private final Metrics metrics;
    private final Time time = Time.SYSTEM;
    private final int timeoutMs;

    KafkaRequestClient(ClientSettings settings, String clientId, int timeoutMs) {
        this.timeoutMs = timeoutMs;
        AdminClientConfig config = new AdminClientConfig(settings.clientConfig(Map.of(AdminClientConfig.CLIENT_ID_CONFIG, clientId,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(timeoutMs))));
        this.metrics = new Metrics(time);
        this.client = AdapterClassLoader.call(() -> ClientUtils.createNetworkClient(config, clientId, metrics, "tributary-recovery",
                new LogContext("[" + clientId + "] "), new ApiVersions(), time, 1, timeoutMs, new ManualMetadataUpdater(),
                new DefaultHostResolver()));
    }

    /**
     * Sends {@code request} to {@code broker} and returns its response.
     *
     * @throws IOException when the broker cannot be reached or the connection fails
     * @throws org.apache.kafka.common.errors.AuthenticationException when the broker refuses the credentials
     */
    synchronized AbstractResponse send(Node broker, AbstractRequest.Builder<?> request) throws IOException {
        if (!NetworkClientUtils.awaitReady(client, broker, time, timeoutMs)) {
            throw new IOException("Broker " + broker + " is not reachable within " + timeoutMs + " ms");
        }
        ClientRequest r = client.newClientRequest(broker.idString(), request, time.milliseconds(), true);
        ClientResponse response = NetworkClientUtils.sendAndReceive(client, r, time);
        return response.responseBody();
    }

    @Override
    public synchronized void close() {
        client.close();
        metrics.close();
    }
}
