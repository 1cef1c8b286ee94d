package io.tributary.broker.http;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** A test's HTTP client for one broker's REST API: requests with an optional Basic login, JSON answers. */
final class RestClient {
    private final HttpClient http;
    private final String base;
    private final String authorization;

    RestClient(InetSocketAddress address, String user, String password) {
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        this.base = "http://" + address.getHostString() + ":" + address.getPort();
        this.authorization = user == null ? null
                : "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Over HTTPS with {@code tls} (its trust, and its key as the client certificate if it has one), no Basic login. */
    RestClient(InetSocketAddress address, javax.net.ssl.SSLContext tls) {
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).sslContext(tls).build();
        this.base = "https://" + address.getHostString() + ":" + address.getPort();
        this.authorization = null;
    }

    RestClient(InetSocketAddress address) {
        this(address, null, null);
    }

    String base() {
        return base;
    }

    record Answer(int status, String body, HttpResponse<String> raw) {
        @SuppressWarnings("unchecked")
        Map<String, Object> json() {
            return (Map<String, Object>) Json.parse(body);
        }

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> data() {
            return (List<Map<String, Object>>) json().get("data");
        }
    }

    Answer get(String path) throws Exception {
        return send("GET", path, null, Map.of());
    }

    Answer get(String path, Map<String, String> headers) throws Exception {
        return send("GET", path, null, headers);
    }

    Answer post(String path, String json) throws Exception {
        return send("POST", path, json, Map.of());
    }

    Answer put(String path, String json) throws Exception {
        return send("PUT", path, json, Map.of());
    }

    Answer delete(String path) throws Exception {
        return send("DELETE", path, null, Map.of());
    }

    Answer send(String method, String path, String json, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) b.header("Content-Type", "application/json");
        if (authorization != null) b.header("Authorization", authorization);
        headers.forEach(b::header);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body(), r);
    }
}
