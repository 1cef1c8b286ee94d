package io.tributary.broker.http;

import org.apache.kafka.common.security.auth.KafkaPrincipal;

import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP request as a route sees it: method, decoded path, the values of the route's
 * {@code {name}} segments, query parameters, headers (names lower-case), body, the peer and the
 * authenticated principal ({@code User:ANONYMOUS} when none). Immutable.
 */
public record HttpRequest(String method, String path, Map<String, String> pathParams, Map<String, String> query,
                          Map<String, List<String>> headers, byte[] body, InetSocketAddress peer,
                          KafkaPrincipal principal, String baseUrl) {
    public HttpRequest {
        pathParams = Map.copyOf(pathParams);
        query = Map.copyOf(query);
        headers = Map.copyOf(headers);
    }

    /** The value of path segment {@code {name}} of the route. */
    public String param(String name) {
        String v = pathParams.get(name);
        if (v == null) throw new IllegalStateException("The route has no {" + name + "} segment");
        return v;
    }

    /** The first value of header {@code name} (any case), or null. */
    public String header(String name) {
        List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** The body parsed as JSON; a {@link RestException} 400 when it is empty or not JSON. */
    public Object json() {
        String text = new String(body, StandardCharsets.UTF_8);
        if (text.isBlank()) throw RestException.badRequest("The request body is empty; a JSON document was expected");
        try {
            return Json.parse(text);
        } catch (Json.JsonException e) {
            throw RestException.badRequest("The request body is not valid JSON: " + e.getMessage());
        }
    }

    /** The body as a JSON object; a {@link RestException} 400 when it is not one. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> jsonObject() {
        Object v = json();
        if (!(v instanceof Map)) throw RestException.badRequest("The request body must be a JSON object");
        return (Map<String, Object>) v;
    }

    /** Parses {@code a=1&b=2} (percent-decoded; a key without a value maps to the empty string). */
    static Map<String, String> parseQuery(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) return q;
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            q.putIfAbsent(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
        }
        return q;
    }
}
