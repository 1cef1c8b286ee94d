package io.tributary.broker.http;

import io.tributary.broker.BrokerMetrics;
import io.tributary.broker.api.RequestDispatcher;
import io.tributary.broker.security.ScramCredentialStore;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * What a broker node serves over HTTP, on one {@link Router}: the Kafka REST API v3 (clusters,
 * brokers, topics, partitions, topic and broker configs, consumer groups with lag, producing
 * records) with Tributary's read additions in its style (a partition's records, the client quotas),
 * its OpenAPI description at {@code /v3/openapi.yaml}, {@code /metrics} in the Prometheus or
 * OpenMetrics text format, and the web console (static files calling the API) at
 * {@value #CONSOLE_PATH}{@code /}. Further routes (a web console's pages) are added to {@link #router()}
 * before the server starts.
 *
 * <p>The REST API goes through the broker's own request handlers in-process ({@link KafkaCalls}), so
 * a REST call and the same Kafka request give the same answers, errors and ACL decisions.
 */
public final class HttpApi {
    static final String OPENAPI = "io/tributary/broker/http/openapi.yaml";
    /** Where the web console's files are on the class path, and the path it is served at ({@code /} redirects there). */
    static final String CONSOLE = "io/tributary/broker/console";
    public static final String CONSOLE_PATH = "/console";
    /** How long a REST call waits for the broker's handler (a Produce with {@code acks=all} waits for the ISR). */
    static final long CALL_TIMEOUT_MS = 35_000;

    private final Router router = new Router();
    private final HttpAuthenticator authenticator;

    /**
     * @param listenerName the Kafka listener whose broker addresses the API shows (the inter-broker one)
     * @param authenticationRequired whether a request without credentials is refused (401)
     * @param nodeId                 this node's id
     * @param forwarder              sends a request another node must answer (a partition it leads, a group it
     *                               coordinates) to that node; null on a node on its own
     */
    public HttpApi(RequestDispatcher dispatcher, String listenerName, String clusterId, BrokerMetrics metrics,
                   ScramCredentialStore scram, boolean authenticationRequired, int nodeId,
                   io.tributary.broker.network.BrokerClient forwarder) {
        this.authenticator = new HttpAuthenticator(scram, authenticationRequired);
        KafkaCalls calls = new KafkaCalls(dispatcher, listenerName, CALL_TIMEOUT_MS, nodeId, forwarder);
        ClustersResource clusters = new ClustersResource(calls, clusterId);
        TopicsResource topics = new TopicsResource(calls, clusters);
        router.get("/v3/openapi.yaml", r -> openApi());
        clusters.addTo(router);
        new TopicConfigsResource(calls, clusters).addTo(router);
        new RecordsResource(calls, topics).addTo(router);
        new PartitionRecordsResource(calls, topics).addTo(router);
        topics.addTo(router);
        new BrokerConfigsResource(calls, clusters).addTo(router);
        new ClientQuotasResource(calls, clusters).addTo(router);
        new ConsumerGroupsResource(calls, clusters).addTo(router);
        router.openGet("/", r -> new HttpResponse(302, null, new byte[0], Map.of("Location", CONSOLE_PATH + "/")));
        router.staticResources(CONSOLE_PATH, CONSOLE, HttpApi.class.getClassLoader());
        router.get("/metrics", r -> {
            String accept = r.header("Accept");
            boolean openMetrics = accept != null && accept.contains("application/openmetrics-text");
            return HttpResponse.text(200, openMetrics ? PrometheusFormat.OPENMETRICS_CONTENT_TYPE
                    : PrometheusFormat.PROMETHEUS_CONTENT_TYPE, PrometheusFormat.write(metrics.snapshot(), openMetrics));
        });
    }

    public Router router() {
        return router;
    }

    /** Starts the listeners serving this API. */
    public HttpApiServer start(List<HttpListener> listeners, java.util.function.Function<HttpListener, HttpApiServer.Tls> tls)
            throws IOException {
        return HttpApiServer.start(listeners, router, authenticator, tls);
    }

    private static HttpResponse openApi() throws IOException {
        try (InputStream in = HttpApi.class.getClassLoader().getResourceAsStream(OPENAPI)) {
            if (in == null) throw new RestException(500, "The OpenAPI description " + OPENAPI + " is missing from the jar");
            return new HttpResponse(200, "application/yaml", in.readAllBytes(), Map.of());
        }
    }
}
