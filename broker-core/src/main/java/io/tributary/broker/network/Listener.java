package io.tributary.broker.network;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.security.auth.SecurityProtocol;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One entry of {@code listeners} (or {@code advertised.listeners}): a listener name, the security
 * protocol {@code listener.security.protocol.map} gives that name, and the address. As in Kafka an
 * entry is {@code NAME://HOST:PORT}, names are case-insensitive (kept upper case), and a name the
 * map does not know is an error; Tributary also takes a bare {@code HOST:PORT}, which is the
 * {@code PLAINTEXT} listener.
 *
 * <p>The broker serves {@link #SERVABLE} protocols only (all four of Kafka's: {@code PLAINTEXT},
 * {@code SSL}, {@code SASL_PLAINTEXT}, {@code SASL_SSL}). A listener with any other protocol would be
 * refused when the configuration is checked, naming the listener, rather than served without the
 * protection it asks for. Immutable.
 */
public record Listener(String name, SecurityProtocol securityProtocol, String host, int port) {
    /** Kafka's default {@code listener.security.protocol.map}. */
    public static final String DEFAULT_PROTOCOL_MAP = "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL";
    /** The security protocols this broker can serve today. */
    public static final Set<SecurityProtocol> SERVABLE = EnumSet.of(SecurityProtocol.PLAINTEXT, SecurityProtocol.SSL,
            SecurityProtocol.SASL_PLAINTEXT, SecurityProtocol.SASL_SSL);

    /** Whether connections of this listener are encrypted with TLS ({@code SSL}, {@code SASL_SSL}). */
    public boolean usesTls() {
        return securityProtocol == SecurityProtocol.SSL || securityProtocol == SecurityProtocol.SASL_SSL;
    }

    /** Whether clients of this listener authenticate with SASL ({@code SASL_PLAINTEXT}, {@code SASL_SSL}). */
    public boolean usesSasl() {
        return securityProtocol == SecurityProtocol.SASL_PLAINTEXT || securityProtocol == SecurityProtocol.SASL_SSL;
    }

    /** {@code NAME://HOST:PORT}, as written in {@code listeners}. */
    @Override
    public String toString() {
        return name + "://" + host + ":" + port;
    }

    /**
     * Parses {@code listener.security.protocol.map}: comma-separated {@code NAME:PROTOCOL} entries.
     *
     * @throws ConfigException for a malformed entry, a name given twice or an unknown protocol
     */
    public static Map<String, SecurityProtocol> parseProtocolMap(String value) {
        Map<String, SecurityProtocol> map = new LinkedHashMap<>();
        for (String entry : value.split(",")) {
            String e = entry.trim();
            if (e.isEmpty()) continue;
            int colon = e.indexOf(':');
            if (colon <= 0 || colon == e.length() - 1) {
                throw new ConfigException("listener.security.protocol.map", value,
                        "entry '" + e + "' is not NAME:PROTOCOL");
            }
            String name = e.substring(0, colon).trim().toUpperCase(Locale.ROOT);
            String protocol = e.substring(colon + 1).trim();
            SecurityProtocol parsed;
            try {
                parsed = SecurityProtocol.forName(protocol);
            } catch (IllegalArgumentException unknown) {
                throw new ConfigException("listener.security.protocol.map", value, "entry '" + e
                        + "' names unknown security protocol " + protocol + " (known: "
                        + Arrays.toString(SecurityProtocol.values()) + ")");
            }
            if (map.put(name, parsed) != null) {
                throw new ConfigException("listener.security.protocol.map", value, "listener name " + name
                        + " is mapped more than once");
            }
        }
        return map;
    }

    /**
     * Parses the comma-separated entries of the property {@code key} ({@code listeners} or
     * {@code advertised.listeners}) with the protocols of {@code protocolMap}.
     *
     * @throws ConfigException for an entry that is not {@code [NAME://]HOST:PORT}, a name given
     *         twice, or a name the map does not know
     */
    public static List<Listener> parse(String key, String value, Map<String, SecurityProtocol> protocolMap) {
        List<Listener> listeners = new ArrayList<>();
        for (String entry : value.split(",")) {
            String e = entry.trim();
            if (e.isEmpty()) continue;
            int scheme = e.indexOf("://");
            String name = scheme >= 0 ? e.substring(0, scheme).trim().toUpperCase(Locale.ROOT) : "PLAINTEXT";
            String address = scheme >= 0 ? e.substring(scheme + 3) : e;
            int colon = address.lastIndexOf(':');
            if (name.isEmpty() || colon < 0) throw new ConfigException(key, value, "entry '" + e + "' is not [NAME://]HOST:PORT");
            String host = address.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            int port;
            try {
                port = Integer.parseInt(address.substring(colon + 1).trim());
            } catch (NumberFormatException notANumber) {
                throw new ConfigException(key, value, "entry '" + e + "' has no port number");
            }
            if (port < 0 || port > 65535) throw new ConfigException(key, value, "entry '" + e + "' has port out of range");
            SecurityProtocol protocol = scheme >= 0 ? protocolMap.get(name) : SecurityProtocol.PLAINTEXT;
            if (protocol == null) {
                throw new ConfigException(key, value, "listener " + name + " has no security protocol in "
                        + "listener.security.protocol.map (" + protocolMap.keySet() + ")");
            }
            for (Listener l : listeners) {
                if (l.name.equals(name)) throw new ConfigException(key, value, "listener name " + name + " is used twice");
            }
            listeners.add(new Listener(name, protocol, host, port));
        }
        if (listeners.isEmpty()) throw new ConfigException(key, value, "expected at least one [NAME://]HOST:PORT");
        return listeners;
    }

    /**
     * Refuses a listener whose security protocol this broker cannot serve.
     *
     * @param key the property that named it, for the message
     * @throws ConfigException naming the listener and its protocol
     */
    public void requireServable(String key) {
        if (!SERVABLE.contains(securityProtocol)) {
            throw new ConfigException(key, toString(), "listener " + name + " uses security protocol " + securityProtocol
                    + ", which this broker cannot serve (it serves " + SERVABLE + "); it is refused rather than served"
                    + " without the protection " + securityProtocol + " asks for");
        }
    }
}
