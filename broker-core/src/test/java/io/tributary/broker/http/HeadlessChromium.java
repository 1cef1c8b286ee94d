package io.tributary.broker.http;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * A real headless Chromium (Debian's {@code chromium} package) driven over the DevTools protocol
 * with the JDK's WebSocket client: one page, navigated, queried and clicked with JavaScript run in
 * it, screenshots as PNG, and every uncaught exception and {@code console.error} of the page
 * collected. No WebDriver is needed. The binary is {@code $TRIBUTARY_CHROMIUM}, else the first of
 * {@code chromium}, {@code chromium-browser}, {@code google-chrome} on the usual paths; without one
 * {@link #start} fails saying how to install it. Used by one test thread at a time.
 */
final class HeadlessChromium implements AutoCloseable {
    private static final List<String> CANDIDATES = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome", "/usr/local/bin/chromium");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);

    private final Process process;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<Map<String, Object>>> pending = new ConcurrentHashMap<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();
    /** Answers to the browser's events are sent from here, never from the socket's listener (which must not wait). */
    private final java.util.concurrent.ExecutorService replies = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "chromium-replies");
        t.setDaemon(true);
        return t;
    });
    /** The user name and password typed into the login prompt, or null to dismiss it. */
    private volatile String[] login;
    private final java.util.Set<String> loggedIn = ConcurrentHashMap.newKeySet();

    private HeadlessChromium(Process process, WebSocket socket) {
        this.process = process;
        this.socket = socket;
    }

    /**
     * The Chromium binary to run. When there is none the calling test is skipped, or fails with how to
     * install one when {@code TRIBUTARY_REQUIRE_EXTERNAL_CLIENTS=true} (as {@code .ci/run} sets).
     */
    static Path binary() {
        String configured = System.getenv("TRIBUTARY_CHROMIUM");
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured);
            if (Files.isExecutable(p)) return p;
            throw new AssertionError("TRIBUTARY_CHROMIUM=" + configured + " is not an executable file");
        }
        for (String c : CANDIDATES) {
            Path p = Path.of(c);
            if (Files.isExecutable(p)) return p;
        }
        // As the other external programs' tests: skipped on a machine without it, a failure in CI.
        io.tributary.broker.testing.ExternalTools.requireOrSkip(false, "The web console's browser tests need Chromium, and "
                + "none was found (looked for " + String.join(", ", CANDIDATES) + " and $TRIBUTARY_CHROMIUM). Install "
                + "Debian's package: apt-get update && apt-get install -y chromium (.ci/run does this)");
        throw new IllegalStateException("unreachable");
    }

    /** Starts Chromium headless with a new profile in {@code profile} and opens one blank page of {@code width}×{@code height}. */
    static HeadlessChromium start(Path profile, int width, int height) throws Exception {
        Path binary = binary();
        Files.createDirectories(profile);
        Path log = profile.resolve("chromium.log");
        Process p = new ProcessBuilder(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-dev-shm-usage",
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--user-data-dir=" + profile,
                "--window-size=" + width + "," + height, "--hide-scrollbars", "about:blank")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Path portFile = profile.resolve("DevToolsActivePort");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!(Files.exists(portFile) && Files.readAllLines(portFile).size() >= 2)) {
                if (!p.isAlive()) throw new AssertionError("Chromium " + binary + " exited with " + p.exitValue() + ": " + Files.readString(log));
                if (System.nanoTime() > deadline) throw new AssertionError("Chromium did not open its DevTools port in 20 s: " + Files.readString(log));
                Thread.sleep(25);
            }
            int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
            HttpClient http = HttpClient.newHttpClient();
            String pageSocket = null;
            while (pageSocket == null) {
                String list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                for (Object o : (List<?>) Json.parse(list)) {
                    Map<?, ?> target = (Map<?, ?>) o;
                    if ("page".equals(target.get("type"))) pageSocket = (String) target.get("webSocketDebuggerUrl");
                }
                if (pageSocket == null) Thread.sleep(25);
            }
            HeadlessChromium[] self = new HeadlessChromium[1];
            WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(pageSocket), new WebSocket.Listener() {
                private final StringBuilder text = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                    text.append(data);
                    if (last) {
                        String message = text.toString();
                        text.setLength(0);
                        while (self[0] == null) Thread.onSpinWait();
                        self[0].received(message);
                    }
                    webSocket.request(1);
                    return null;
                }
            }).get(10, TimeUnit.SECONDS);
            HeadlessChromium chromium = new HeadlessChromium(p, ws);
            self[0] = chromium;
            chromium.send("Runtime.enable", Map.of());
            chromium.send("Page.enable", Map.of());
            chromium.send("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height,
                    "deviceScaleFactor", 1, "mobile", false));
            return chromium;
        } catch (Throwable t) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw t;
        }
    }

    @SuppressWarnings("unchecked")
    private void received(String message) {
        Map<String, Object> m = (Map<String, Object>) Json.parse(message);
        Object id = m.get("id");
        if (id != null) {
            CompletableFuture<Map<String, Object>> f = pending.remove(((Long) id).intValue());
            if (f != null) f.complete(m);
            return;
        }
        Map<String, Object> params = (Map<String, Object>) m.get("params");
        if ("Runtime.exceptionThrown".equals(m.get("method"))) {
            Map<String, Object> details = (Map<String, Object>) params.get("exceptionDetails");
            Map<String, Object> exception = (Map<String, Object>) details.get("exception");
            errors.add("uncaught: " + (exception != null && exception.get("description") != null
                    ? exception.get("description") : details.get("text")) + " at " + details.get("url") + ":" + details.get("lineNumber"));
        } else if ("Runtime.consoleAPICalled".equals(m.get("method")) && "error".equals(params.get("type"))) {
            errors.add("console.error: " + Json.write(params.get("args")));
        } else if ("Fetch.requestPaused".equals(m.get("method"))) {
            reply("Fetch.continueRequest", Map.of("requestId", params.get("requestId")));
        } else if ("Fetch.authRequired".equals(m.get("method"))) {
            String request = (String) params.get("requestId");
            String[] credentials = login;
            // as a user would: type the login once; when it is refused again, dismiss the prompt
            Map<String, Object> answer = credentials != null && loggedIn.add(request)
                    ? Map.of("response", "ProvideCredentials", "username", credentials[0], "password", credentials[1])
                    : Map.of("response", "CancelAuth");
            reply("Fetch.continueWithAuth", Map.of("requestId", request, "authChallengeResponse", answer));
        }
    }

    /** Sends one DevTools command and returns its {@code result}; an {@link AssertionError} for a protocol error. */
    @SuppressWarnings("unchecked")
    Map<String, Object> send(String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<Map<String, Object>> answer = new CompletableFuture<>();
        pending.put(id, answer);
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("id", id);
        message.put("method", method);
        message.put("params", params);
        synchronized (socket) {
            socket.sendText(Json.write(message), true).get(10, TimeUnit.SECONDS);
        }
        Map<String, Object> m = answer.get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (m.get("error") != null) throw new AssertionError(method + " failed: " + Json.write(m.get("error")));
        return (Map<String, Object>) m.get("result");
    }

    private void reply(String method, Map<String, Object> params) {
        replies.execute(() -> {
            try {
                send(method, params);
            } catch (Exception | AssertionError e) {
                errors.add("cannot answer the browser's " + method + ": " + e);
            }
        });
    }

    /**
     * From now on the browser's HTTP login prompts are answered as a user would: with
     * {@code user} and {@code password} (once per request), or dismissed when {@code user} is null.
     */
    void answerLoginPrompts(String user, String password) throws Exception {
        login = user == null ? null : new String[] {user, password};
        send("Fetch.enable", Map.of("handleAuthRequests", true, "patterns", List.of(Map.of("urlPattern", "*"))));
    }

    /** Stops answering login prompts (and pausing requests to see them). */
    void stopAnsweringLoginPrompts() throws Exception {
        login = null;
        send("Fetch.disable", Map.of());
    }

    /** Opens {@code url} and waits for its document to be loaded. */
    void navigate(String url) throws Exception {
        Map<String, Object> r = send("Page.navigate", Map.of("url", url));
        if (r.get("errorText") != null) throw new AssertionError("Cannot open " + url + ": " + r.get("errorText"));
        waitFor("the page " + url + " to load", () -> "complete".equals(evaluate("document.readyState")));
    }

    /**
     * The value of JavaScript {@code expression} in the page (promises awaited); an
     * {@link AssertionError} when it throws.
     */
    @SuppressWarnings("unchecked")
    Object evaluate(String expression) {
        try {
            Map<String, Object> r = send("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true,
                    "awaitPromise", true));
            if (r.get("exceptionDetails") != null) {
                throw new AssertionError("The page threw evaluating " + expression + ": " + Json.write(r.get("exceptionDetails")));
            }
            return ((Map<String, Object>) r.get("result")).get("value");
        } catch (AssertionError e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError("Cannot evaluate " + expression + ": " + e, e);
        }
    }

    /** Waits up to 15 s for {@code condition}; an {@link AssertionError} naming {@code what} when it does not hold. */
    void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("Timed out waiting for " + what + "; the page shows: "
                    + evaluate("document.body ? document.body.innerText.slice(0, 2000) : ''"));
            Thread.sleep(30);
        }
    }

    /** Waits until JavaScript {@code expression} is true in the page. */
    void waitForJs(String expression) throws InterruptedException {
        waitFor(expression, () -> Boolean.TRUE.equals(evaluate("!!(" + expression + ")")));
    }

    /** Writes a PNG of the whole page (at most {@code maxHeight} CSS pixels tall) to {@code file}. */
    @SuppressWarnings("unchecked")
    void screenshot(Path file, int maxHeight) throws Exception {
        Map<String, Object> metrics = send("Page.getLayoutMetrics", Map.of());
        Map<String, Object> size = (Map<String, Object>) metrics.get("cssContentSize");
        Map<String, Object> viewport = (Map<String, Object>) metrics.get("cssLayoutViewport");
        double width = ((Number) viewport.get("clientWidth")).doubleValue();
        double height = Math.min(maxHeight, Math.max(((Number) size.get("height")).doubleValue(),
                ((Number) viewport.get("clientHeight")).doubleValue()));
        Map<String, Object> shot = send("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true,
                "clip", Map.of("x", 0, "y", 0, "width", width, "height", height, "scale", 1)));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
    }

    /** The page's uncaught exceptions and {@code console.error} calls so far. */
    List<String> errors() {
        return new ArrayList<>(errors);
    }

    @Override
    public void close() throws IOException {
        try {
            replies.shutdownNow();
            socket.abort();
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
