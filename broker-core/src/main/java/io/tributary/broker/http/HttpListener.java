package io.tributary.broker.http;

import org.apache.kafka.common.config.ConfigException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One entry of {@code http.listeners}: {@code http://HOST:PORT} or {@code https://HOST:PORT} (port 0
 * for one the kernel picks; an empty host or {@code 0.0.0.0} for every interface). Immutable.
 */
public record HttpListener(boolean tls, String host, int port) {
    public static final String PROPERTY = "http.listeners";
    public static final String DEFAULT = "http://127.0.0.1:8082";

    /** The Kafka-listener name whose {@code listener.name.<name>.ssl.*} settings an HTTPS listener reads. */
    public static final String TLS_SETTINGS_NAME = "HTTPS";

    /**
     * Parses a comma-separated {@code http.listeners}; empty (or blank) is no listener.
     *
     * @throws ConfigException naming the property and the entry at fault
     */
    public static List<HttpListener> parse(String value) {
        List<HttpListener> listeners = new ArrayList<>();
        if (value == null || value.isBlank()) return listeners;
        for (String raw : value.split(",")) {
            String entry = raw.trim();
            if (entry.isEmpty()) continue;
            int scheme = entry.indexOf("://");
            String protocol = scheme < 0 ? "http" : entry.substring(0, scheme).toLowerCase(Locale.ROOT);
            if (!protocol.equals("http") && !protocol.equals("https")) {
                throw new ConfigException(PROPERTY, value, "the listener " + entry + " must be http://HOST:PORT or https://HOST:PORT");
            }
            String address = scheme < 0 ? entry : entry.substring(scheme + 3);
            int colon = address.lastIndexOf(':');
            if (colon < 0) throw new ConfigException(PROPERTY, value, "the listener " + entry + " has no port (expected HOST:PORT)");
            String host = address.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            int port;
            try {
                port = Integer.parseInt(address.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new ConfigException(PROPERTY, value, "the port of " + entry + " is not a number");
            }
            if (port < 0 || port > 65535) throw new ConfigException(PROPERTY, value, "the port of " + entry + " is out of 0..65535");
            listeners.add(new HttpListener(protocol.equals("https"), host, port));
        }
        return listeners;
    }

    public String scheme() {
        return tls ? "https" : "http";
    }

    @Override
    public String toString() {
        return scheme() + "://" + host + ":" + port;
    }
}
