package io.tributary.broker.cluster;

import org.apache.kafka.common.config.ConfigException;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How the nodes of a cluster protect the traffic between them: {@code cluster.link.security.protocol}
 * {@code PLAINTEXT} (the default, nothing) or {@code SSL} (mutual TLS on every JGroups connection
 * and on every broker-to-broker Kafka request, see {@link ClusterLinkTls}). The key material is read
 * with Kafka's {@code ssl.*} names under the prefix {@code cluster.link.}; a {@code cluster.link.ssl.*}
 * setting that is absent falls back to the plain {@code ssl.*} one, so a cluster can reuse the key
 * store and trust store of its TLS listeners. Each value remembers the setting it came from, so an
 * error names the property the operator actually wrote.
 *
 * <p>Passwords are kept here and never printed ({@link #toString} hides them). Immutable.
 *
 * @param keystore   the node's key and certificate chain (what it proves itself with)
 * @param truststore the authorities (or node certificates) a peer's certificate must chain to
 * @param keyPassword the key's password and the setting it came from (null: the key store's)
 */
public record ClusterLinkSecurity(boolean enabled, Store keystore, Store truststore, Setting keyPassword,
                                  List<String> enabledProtocols, List<String> cipherSuites) {
    public static final String PROTOCOL = "cluster.link.security.protocol";
    public static final String PREFIX = "cluster.link.";

    /** The link settings with their defaults ({@code cluster.link.ssl.*} default to the {@code ssl.*} values). */
    public static final Map<String, String> DEFAULTS = Map.of(PROTOCOL, "PLAINTEXT");

    /** A link that is not secured. */
    public static final ClusterLinkSecurity PLAINTEXT = new ClusterLinkSecurity(false, null, null, null, List.of(),
            List.of());

    /** One value and the property it was read from. */
    public record Setting(String name, String value) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A key or trust store: its location, type and password, each with the property it came from. */
    public record Store(Setting location, Setting type, Setting password) {
        @Override
        public String toString() {
            return type.value() + ":" + location.value();
        }
    }

    public ClusterLinkSecurity {
        enabledProtocols = List.copyOf(enabledProtocols);
        cipherSuites = List.copyOf(cipherSuites);
    }

    /**
     * The link settings in {@code props}.
     *
     * @throws ConfigException naming the setting: an unknown protocol, or {@code SSL} without a key
     *         store or without a trust store
     */
    public static ClusterLinkSecurity from(Map<String, String> props) {
        String protocol = props.getOrDefault(PROTOCOL, DEFAULTS.get(PROTOCOL)).trim().toUpperCase(Locale.ROOT);
        switch (protocol) {
            case "PLAINTEXT":
                return PLAINTEXT;
            case "SSL":
                break;
            default:
                throw new ConfigException(PROTOCOL, protocol, "expected PLAINTEXT or SSL (mutual TLS between the nodes)");
        }
        for (String inline : new String[] {"ssl.keystore.key", "ssl.keystore.certificate.chain", "ssl.truststore.certificates"}) {
            Setting given = setting(props, inline);
            if (given != null && setting(props, inline.startsWith("ssl.keystore") ? "ssl.keystore.location"
                    : "ssl.truststore.location") == null) {
                throw new ConfigException(given.name(), "[hidden]", PROTOCOL + "=SSL reads its PEM key material from"
                        + " files: set " + PREFIX + (inline.startsWith("ssl.keystore") ? "ssl.keystore" : "ssl.truststore")
                        + ".location (type PEM) to a file holding it");
            }
        }
        Store keystore = store(props, "ssl.keystore");
        if (keystore == null) {
            throw new ConfigException(PREFIX + "ssl.keystore.location", null, PROTOCOL
                    + "=SSL needs a key store with this node's certificate: set " + PREFIX
                    + "ssl.keystore.location (or ssl.keystore.location)");
        }
        Store truststore = store(props, "ssl.truststore");
        if (truststore == null) {
            throw new ConfigException(PREFIX + "ssl.truststore.location", null, PROTOCOL
                    + "=SSL needs a trust store with the authority that signed the nodes' certificates: set "
                    + PREFIX + "ssl.truststore.location (or ssl.truststore.location)");
        }
        Setting protocols = setting(props, "ssl.enabled.protocols");
        Setting ciphers = setting(props, "ssl.cipher.suites");
        return new ClusterLinkSecurity(true, keystore, truststore, setting(props, "ssl.key.password"),
                protocols == null ? List.of("TLSv1.2", "TLSv1.3") : list(protocols.value()),
                ciphers == null ? List.of() : list(ciphers.value()));
    }

    private static Store store(Map<String, String> props, String kind) {
        Setting location = setting(props, kind + ".location");
        if (location == null) return null;
        Setting type = setting(props, kind + ".type");
        // Kafka's default store type.
        if (type == null) type = new Setting(PREFIX + kind + ".type", "JKS");
        Setting password = setting(props, kind + ".password");
        if (type.value().equalsIgnoreCase("PEM") && password != null) {
            throw new ConfigException(password.name(), "[hidden]", "a PEM store has no password of its own"
                    + (kind.endsWith("keystore") ? "; an encrypted key's password goes in " + PREFIX + "ssl.key.password" : ""));
        }
        return new Store(location, type, password);
    }

    /** {@code cluster.link.<name>}, else {@code <name>}, else null; blank counts as absent. */
    private static Setting setting(Map<String, String> props, String name) {
        String v = props.get(PREFIX + name);
        if (v != null && !v.isBlank()) return new Setting(PREFIX + name, v.trim());
        v = props.get(name);
        if (v != null && !v.isBlank()) return new Setting(name, v.trim());
        return null;
    }

    private static List<String> list(String value) {
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    @Override
    public String toString() {
        if (!enabled) return "ClusterLinkSecurity[PLAINTEXT]";
        return "ClusterLinkSecurity[SSL, keystore=" + keystore + ", truststore=" + truststore + ", protocols="
                + enabledProtocols + ", cipherSuites=" + cipherSuites + ", passwords hidden]";
    }
}
