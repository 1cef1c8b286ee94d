package io.tributary.broker.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Maps a method and a path to the {@link Handler} that answers it. A route's pattern is a path whose
 * segments are literals or {@code {name}} placeholders (one whole segment each, e.g.
 * {@code /v3/clusters/{cluster_id}/topics/{topic_name}}); literal segments may contain {@code :}
 * ({@code configs:alter}). The first route added that matches wins, so add specific routes before
 * general ones. A path no route matches is a 404; a path some route matches with another method
 * is a 405 naming the methods allowed. Static files (a web console) are served from the class path
 * with {@link #staticResources}.
 *
 * <p>Built once before the server starts, then only read: safe to share between the HTTP threads
 * once published (the server is started after the routes are added).
 */
public final class Router {
    /** Answers one request; a {@link RestException} becomes v3's error body. */
    @FunctionalInterface
    public interface Handler {
        HttpResponse handle(HttpRequest request) throws Exception;
    }

    /**
     * A route; a {@code prefix} route also matches every path below its segments; an {@code open}
     * route is served without authentication (the console's static files, which hold no data).
     */
    private record Route(String method, String[] segments, boolean prefix, boolean open, Handler handler) {
        Map<String, String> match(String[] path) {
            if (prefix ? path.length < segments.length : path.length != segments.length) return null;
            Map<String, String> params = new LinkedHashMap<>();
            for (int i = 0; i < segments.length; i++) {
                String s = segments[i];
                if (s.startsWith("{") && s.endsWith("}")) {
                    if (path[i].isEmpty()) return null;
                    params.put(s.substring(1, s.length() - 1), path[i]);
                } else if (!s.equals(path[i])) {
                    return null;
                }
            }
            return params;
        }
    }

    /** A route found for a request: its handler, the values of its placeholders, whether it needs no login. */
    public record Match(Handler handler, Map<String, String> params, boolean open) {
    }

    private final List<Route> routes = new ArrayList<>();

    public Router get(String pattern, Handler handler) {
        return add("GET", pattern, handler);
    }

    public Router post(String pattern, Handler handler) {
        return add("POST", pattern, handler);
    }

    public Router put(String pattern, Handler handler) {
        return add("PUT", pattern, handler);
    }

    public Router delete(String pattern, Handler handler) {
        return add("DELETE", pattern, handler);
    }

    public Router add(String method, String pattern, Handler handler) {
        routes.add(new Route(method.toUpperCase(Locale.ROOT), split(pattern), false, false, handler));
        return this;
    }

    /** A GET route served without authentication (a redirect to the console). */
    public Router openGet(String pattern, Handler handler) {
        routes.add(new Route("GET", split(pattern), false, true, handler));
        return this;
    }

    /**
     * Serves the files under class-path folder {@code resourceFolder} (e.g.
     * {@code io/tributary/broker/console}) at {@code urlPrefix} (e.g. {@code /console}); the
     * prefix itself serves {@code index.html}. Paths with {@code ..} segments are not found. The
     * files are served without authentication: they are the same for everyone and hold no data
     * (what the pages show comes from the API, which does authenticate).
     */
    public Router staticResources(String urlPrefix, String resourceFolder, ClassLoader loader) {
        String prefix = urlPrefix.endsWith("/") ? urlPrefix.substring(0, urlPrefix.length() - 1) : urlPrefix;
        Handler files = request -> {
            String rest = request.path().length() <= prefix.length() ? "" : request.path().substring(prefix.length() + 1);
            if (rest.isEmpty()) rest = "index.html";
            if (rest.contains("..") || rest.contains("\\")) throw RestException.notFound("HTTP 404 Not Found");
            try (InputStream in = loader.getResourceAsStream(resourceFolder + "/" + rest)) {
                if (in == null) throw RestException.notFound("HTTP 404 Not Found");
                return new HttpResponse(200, contentType(rest), in.readAllBytes(), Map.of());
            } catch (IOException e) {
                throw new RestException(500, "Cannot read " + rest + ": " + e.getMessage());
            }
        };
        routes.add(new Route("GET", split(prefix), true, true, files));
        return this;
    }

    /**
     * The route for {@code method} and {@code path}.
     *
     * @throws RestException 404 when no route has the path, 405 when none has it with this method
     */
    public Match route(String method, String path) {
        String[] segments = split(path);
        Set<String> allowed = new TreeSet<>();
        for (Route r : routes) {
            Map<String, String> params = r.match(segments);
            if (params == null) continue;
            if (r.method().equals(method) || (method.equals("HEAD") && r.method().equals("GET"))) {
                return new Match(r.handler(), params, r.open());
            }
            allowed.add(r.method());
        }
        if (allowed.isEmpty()) throw RestException.notFound("HTTP 404 Not Found");
        throw new RestException(405, "HTTP 405 Method Not Allowed (allowed: " + String.join(", ", allowed) + ")");
    }

    private static String[] split(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        if (p.endsWith("/")) p = p.substring(0, p.length() - 1);
        return p.isEmpty() ? new String[0] : p.split("/", -1);
    }

    static String contentType(String file) {
        String f = file.toLowerCase(Locale.ROOT);
        if (f.endsWith(".html")) return "text/html; charset=utf-8";
        if (f.endsWith(".js")) return "text/javascript; charset=utf-8";
        if (f.endsWith(".css")) return "text/css; charset=utf-8";
        if (f.endsWith(".json")) return "application/json";
        if (f.endsWith(".yaml") || f.endsWith(".yml")) return "application/yaml";
        if (f.endsWith(".svg")) return "image/svg+xml";
        if (f.endsWith(".png")) return "image/png";
        return "application/octet-stream";
    }
}
