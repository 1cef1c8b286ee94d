package io.tributary.it.client;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the tests that run the examples as a server process of their own ask it over HTTP, and where they keep it. */
public final class ExamplesApp {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private ExamplesApp() {
    }

    /** The examples' counts ({@code GET <examplesUrl>/api/orders}): "stored" or "confirmed", or -1 while it does not answer. */
    public static long count(String examplesUrl, String name) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(examplesUrl + "/api/orders"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) return -1;
            Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*(\\d+)").matcher(r.body());
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    /** An empty directory {@code name} beside the Payara directory of the build (emptied if it exists). */
    public static Path freshDirectory(String name) throws IOException {
        Path dir = Path.of(System.getProperty("payara.dir")).getParent().resolve(name);
        if (Files.exists(dir)) {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
        Files.createDirectories(dir);
        return dir;
    }
}
