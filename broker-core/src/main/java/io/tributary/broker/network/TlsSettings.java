package io.tributary.broker.network;

import org.apache.kafka.common.config.ConfigException;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The TLS settings of one listener, with Kafka's names: {@code ssl.<name>}, overridden per listener
 * by {@code listener.name.<listener, lower case>.ssl.<name>}. Key and trust stores in
 * {@code PKCS12} or {@code JKS}; {@code ssl.client.auth} {@code none}, {@code requested} or
 * {@code required}. Passwords are kept here and never printed ({@link #toString} hides them).
 * Immutable.
 */
public record TlsSettings(String keystoreType, String keystoreLocation, String keystorePassword, String keyPassword,
                          String truststoreType, String truststoreLocation, String truststorePassword,
                          ClientAuth clientAuth, List<String> enabledProtocols, List<String> cipherSuites) {
    /** {@code ssl.client.auth}: whether the broker asks clients for a certificate. */
    public enum ClientAuth { NONE, REQUESTED, REQUIRED }

    /** Kafka's defaults for the {@code ssl.*} settings this broker reads. */
    public static final Map<String, String> DEFAULTS = Map.of(
            "ssl.keystore.type", "JKS",
            "ssl.truststore.type", "JKS",
            "ssl.client.auth", "none",
            "ssl.enabled.protocols", "TLSv1.2,TLSv1.3",
            "ssl.cipher.suites", "");

    /**
     * The settings of {@code listener} in {@code props}.
     *
     * @throws ConfigException naming the setting: no key store, an unknown {@code ssl.client.auth}
     */
    public static TlsSettings of(Map<String, String> props, Listener listener) {
        String prefix = "listener.name." + listener.name().toLowerCase(Locale.ROOT) + ".";
        java.util.function.Function<String, String> get = name -> {
            String v = props.get(prefix + name);
            if (v == null) v = props.get(name);
            if (v == null) v = DEFAULTS.get(name);
            return v == null || v.isBlank() ? null : v.trim();
        };
        String keystore = get.apply("ssl.keystore.location");
        if (keystore == null) {
            throw new ConfigException("ssl.keystore.location", null, "listener " + listener
                    + " uses TLS and needs a key store (ssl.keystore.location, or " + prefix + "ssl.keystore.location)");
        }
        String auth = get.apply("ssl.client.auth");
        ClientAuth clientAuth;
        try {
            clientAuth = ClientAuth.valueOf(auth.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("ssl.client.auth", auth, "expected none, requested or required");
        }
        return new TlsSettings(get.apply("ssl.keystore.type"), keystore, get.apply("ssl.keystore.password"),
                get.apply("ssl.key.password"), get.apply("ssl.truststore.type"), get.apply("ssl.truststore.location"),
                get.apply("ssl.truststore.password"), clientAuth, list(get.apply("ssl.enabled.protocols")),
                list(get.apply("ssl.cipher.suites")));
    }

    private static List<String> list(String value) {
        if (value == null) return List.of();
        return java.util.Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    @Override
    public String toString() {
        return "TlsSettings[keystore=" + keystoreType + ":" + keystoreLocation + ", truststore=" + truststoreType + ":"
                + truststoreLocation + ", clientAuth=" + clientAuth + ", protocols=" + enabledProtocols
                + ", cipherSuites=" + cipherSuites + ", passwords hidden]";
    }
}
