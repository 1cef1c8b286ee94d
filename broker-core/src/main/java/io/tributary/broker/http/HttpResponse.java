package io.tributary.broker.http;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** What a route answers: status, content type, body and further headers. Immutable. */
public record HttpResponse(int status, String contentType, byte[] body, Map<String, String> headers) {
    public static final String JSON = "application/json";

    public HttpResponse {
        headers = Map.copyOf(headers);
    }

    /** A JSON document ({@link Json#write}) with {@code status}. */
    public static HttpResponse json(int status, Object document) {
        return new HttpResponse(status, JSON, Json.write(document).getBytes(StandardCharsets.UTF_8), Map.of());
    }

    public static HttpResponse ok(Object document) {
        return json(200, document);
    }

    /** 204 No Content. */
    public static HttpResponse noContent() {
        return new HttpResponse(204, null, new byte[0], Map.of());
    }

    public static HttpResponse text(int status, String contentType, String body) {
        return new HttpResponse(status, contentType, body.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** v3's error body {@code {"error_code": …, "message": …}} for {@code e}, with its status. */
    public static HttpResponse error(RestException e) {
        java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("error_code", e.errorCode());
        body.put("message", e.getMessage());
        return json(e.status(), body);
    }

    public HttpResponse withHeader(String name, String value) {
        Map<String, String> h = new java.util.LinkedHashMap<>(headers);
        h.put(name, value);
        return new HttpResponse(status, contentType, body, h);
    }
}
