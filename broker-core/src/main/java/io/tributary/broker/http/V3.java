package io.tributary.broker.http;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shapes every Kafka REST v3 document shares: a resource has {@code kind},
 * {@code metadata.self} (its URL) and {@code metadata.resource_name} (its {@code crn:///kafka=…}
 * name), links to other resources are {@code {"related": url}}, and a list is
 * {@code {"kind": "…List", "metadata": {"self": …, "next": null}, "data": [...]}}. URLs are absolute,
 * built on the base URL the client used ({@link HttpRequest#baseUrl()}). Stateless.
 */
final class V3 {
    private V3() {
    }

    /** A resource document with its kind, self URL and resource name; the caller adds its fields. */
    static Map<String, Object> resource(String kind, String self, String resourceName) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind);
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("self", self);
        if (resourceName != null) metadata.put("resource_name", resourceName);
        m.put("metadata", metadata);
        return m;
    }

    static Map<String, Object> list(String kind, String self, List<?> data) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind);
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("self", self);
        metadata.put("next", null);
        m.put("metadata", metadata);
        m.put("data", data);
        return m;
    }

    static Map<String, Object> related(String url) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("related", url);
        return m;
    }

    /** {@code base/v3/clusters/{cluster}} followed by {@code segments}, each URL-encoded. */
    static String url(HttpRequest request, String clusterId, Object... segments) {
        StringBuilder b = new StringBuilder(request.baseUrl()).append("/v3/clusters/").append(encode(clusterId));
        for (Object s : segments) b.append('/').append(s instanceof String str && !str.equals("-") ? encode(str) : s);
        return b.toString();
    }

    /** {@code crn:///kafka=cluster/…} with {@code pairs} ({@code "topic", name, "partition", 0, …}). */
    static String crn(String clusterId, Object... pairs) {
        StringBuilder b = new StringBuilder("crn:///kafka=").append(clusterId);
        for (int i = 0; i + 1 < pairs.length; i += 2) b.append('/').append(pairs[i]).append('=').append(pairs[i + 1]);
        return b.toString();
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A required string field of a JSON object; 400 when it is missing or not a string. */
    static String string(Map<String, Object> body, String field) {
        Object v = body.get(field);
        if (!(v instanceof String s) || s.isEmpty()) throw RestException.badRequest("The field " + field + " is required (a string)");
        return s;
    }

    /** An optional whole-number field; {@code absent} when missing or null, 400 when not a whole number. */
    static long number(Map<String, Object> body, String field, long absent) {
        Object v = body.get(field);
        if (v == null) return absent;
        if (v instanceof Long l) return l;
        throw RestException.badRequest("The field " + field + " must be a whole number, not " + Json.write(v));
    }

    /** A path segment that must be a whole number ({@code partition_id}); 400 when it is not. */
    static int intParam(HttpRequest request, String name) {
        String v = request.param(name);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw RestException.badRequest("The " + name + " must be a whole number, not " + v);
        }
    }
}
