package io.tributary.broker.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.ssl.SslPrincipalMapper;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The broker's HTTP listeners ({@code http.listeners}), on the JDK's {@code com.sun.net.httpserver}
 * (no servlet container, so it runs the same inside an application server): every request is
 * routed ({@link Router}), authenticated ({@link HttpAuthenticator}; not for the routes the router
 * marks open, the console's static files) and answered; a refusal is v3's
 * JSON error body ({@link RestException}), an unexpected failure a 500 with the error logged.
 *
 * <p>Requests run on one small bounded pool shared by the listeners ({@value #THREADS} threads, a
 * queue of {@value #QUEUE}); when it is full the listener's own thread runs the request, so a flood
 * slows accepting instead of growing memory. Bodies over {@value #MAX_BODY_BYTES} bytes are refused
 * (413) before they are read. HTTPS listeners use the TLS context of the broker's {@code ssl.*}
 * settings and ask for, or require, client certificates as {@code ssl.client.auth} says.
 *
 * <p>Thread-safe; {@link #close} stops the listeners (waiting up to a second for requests in
 * flight) and the pool.
 */
public final class HttpApiServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(HttpApiServer.class.getName());
    static final int THREADS = 4;
    static final int QUEUE = 64;
    static final int MAX_BODY_BYTES = 8 * 1024 * 1024;

    /** The TLS side of an HTTPS listener: its context, whether client certificates are wanted or needed, its principal mapping. */
    public record Tls(SSLContext context, boolean wantClientAuth, boolean needClientAuth, SslPrincipalMapper principalMapper) {
    }

    private final List<HttpServer> servers = new ArrayList<>();
    private final List<InetSocketAddress> addresses = new ArrayList<>();
    private final ThreadPoolExecutor executor;

    private HttpApiServer() {
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(THREADS, THREADS, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "tributary-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.CallerRunsPolicy());
        executor.allowCoreThreadTimeOut(true);
    }

    /**
     * Binds every listener and starts serving {@code router}'s routes.
     *
     * @param tls the TLS side of each HTTPS listener (called only for those)
     * @throws IOException when a listener cannot be bound (everything bound so far is closed)
     */
    public static HttpApiServer start(List<HttpListener> listeners, Router router, HttpAuthenticator authenticator,
                                      java.util.function.Function<HttpListener, Tls> tls) throws IOException {
        HttpApiServer s = new HttpApiServer();
        try {
            for (HttpListener l : listeners) {
                InetSocketAddress bind = l.host().isEmpty() ? new InetSocketAddress(l.port()) : new InetSocketAddress(l.host(), l.port());
                HttpServer server;
                Tls t = null;
                if (l.tls()) {
                    t = tls.apply(l);
                    HttpsServer https = HttpsServer.create(bind, 64);
                    Tls side = t;
                    https.setHttpsConfigurator(new HttpsConfigurator(t.context()) {
                        @Override
                        public void configure(HttpsParameters params) {
                            SSLParameters p = getSSLContext().getDefaultSSLParameters();
                            if (side.needClientAuth()) p.setNeedClientAuth(true);
                            else if (side.wantClientAuth()) p.setWantClientAuth(true);
                            params.setSSLParameters(p);
                        }
                    });
                    server = https;
                } else {
                    server = HttpServer.create(bind, 64);
                }
                Tls side = t;
                server.createContext("/", exchange -> s.serve(exchange, l, router, authenticator, side));
                server.setExecutor(s.executor);
                server.start();
                s.servers.add(server);
                s.addresses.add(server.getAddress());
                LOG.log(System.Logger.Level.INFO, "HTTP listener " + l.scheme() + "://" + server.getAddress().getHostString()
                        + ":" + server.getAddress().getPort() + " serving the REST API and /metrics");
            }
        } catch (java.net.BindException e) {
            s.close();
            throw new IOException("Cannot bind " + HttpListener.PROPERTY + " " + listeners + ": " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** The bound address of each listener, in the order of {@code http.listeners}. */
    public List<InetSocketAddress> addresses() {
        return List.copyOf(addresses);
    }

    private void serve(HttpExchange exchange, HttpListener listener, Router router, HttpAuthenticator authenticator, Tls tls) {
        HttpResponse response;
        String method = exchange.getRequestMethod().toUpperCase(java.util.Locale.ROOT);
        try {
            response = answer(exchange, listener, method, router, authenticator, tls);
        } catch (RestException e) {
            response = HttpResponse.error(e);
            if (e.status() == 401) response = response.withHeader("WWW-Authenticate", HttpAuthenticator.CHALLENGE);
        } catch (Exception | StackOverflowError e) {
            LOG.log(System.Logger.Level.ERROR, "Unexpected error serving " + method + " " + exchange.getRequestURI()
                    + " for " + exchange.getRemoteAddress(), e);
            response = HttpResponse.error(new RestException(500, "Internal server error: " + e));
        }
        try (exchange) {
            for (Map.Entry<String, String> h : response.headers().entrySet()) exchange.getResponseHeaders().set(h.getKey(), h.getValue());
            if (response.contentType() != null) exchange.getResponseHeaders().set("Content-Type", response.contentType());
            boolean noBody = method.equals("HEAD") || response.status() == 204 || response.body().length == 0;
            exchange.sendResponseHeaders(response.status(), noBody ? -1 : response.body().length);
            if (!noBody) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(response.body());
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "Cannot answer " + exchange.getRemoteAddress() + ": " + e.getMessage());
        }
    }

    private static HttpResponse answer(HttpExchange exchange, HttpListener listener, String method, Router router,
                                       HttpAuthenticator authenticator, Tls tls) throws Exception {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > MAX_BODY_BYTES) {
                    throw new RestException(413, "The request body of " + length + " bytes is over the limit of " + MAX_BODY_BYTES);
                }
            } catch (NumberFormatException e) {
                throw RestException.badRequest("Content-Length " + length + " is not a number");
            }
        }
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (body.length > MAX_BODY_BYTES) throw new RestException(413, "The request body is over the limit of " + MAX_BODY_BYTES + " bytes");
        String path = exchange.getRequestURI().getPath();
        Router.Match match = null;
        RestException unrouted = null;
        try {
            match = router.route(method, path == null || path.isEmpty() ? "/" : path);
        } catch (RestException e) {
            unrouted = e; // answered after authentication, so an unknown path still asks for a login first
        }
        KafkaPrincipal principal = match != null && match.open() ? KafkaPrincipal.ANONYMOUS
                : authenticator.authenticate(exchange.getRequestHeaders().getFirst("Authorization"),
                        clientCertificate(exchange), tls == null ? null : tls.principalMapper());
        if (unrouted != null) throw unrouted;
        Map<String, java.util.List<String>> headers = new java.util.HashMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v));
        String host = exchange.getRequestHeaders().getFirst("Host");
        if (host == null || host.isBlank()) {
            InetSocketAddress a = exchange.getLocalAddress();
            host = a.getHostString() + ":" + a.getPort();
        }
        HttpRequest request = new HttpRequest(method, path, match.params(),
                HttpRequest.parseQuery(exchange.getRequestURI().getRawQuery()), headers, body, exchange.getRemoteAddress(),
                principal, listener.scheme() + "://" + host);
        return match.handler().handle(request);
    }

    private static X509Certificate clientCertificate(HttpExchange exchange) {
        if (!(exchange instanceof HttpsExchange https)) return null;
        try {
            Certificate[] chain = https.getSSLSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
        } catch (SSLPeerUnverifiedException none) {
            return null;
        }
    }

    @Override
    public void close() {
        for (HttpServer server : servers) server.stop(1);
        executor.shutdownNow();
    }
}
