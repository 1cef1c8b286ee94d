package io.tributary.broker.network;

import org.apache.kafka.common.config.ConfigException;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The TLS settings of one listener, with Kafka's names: {@code ssl.<name>}, overridden per listener
 * by {@code listener.name.<listener, lower case>.ssl.<name>}. Key and trust stores in
 * {@code PKCS12}, {@code JKS} or {@code PEM}: a PEM key store is a file ({@code ssl.keystore.location})
 * or the values {@code ssl.keystore.key} and {@code ssl.keystore.certificate.chain}, a PEM trust store
 * a file or {@code ssl.truststore.certificates}, with Kafka's rules (no store password for PEM, an
 * encrypted key's password in {@code ssl.key.password}, a value or a location but not both);
 * {@code ssl.client.auth} {@code none}, {@code requested} or {@code required}. Passwords and keys
 * are kept here and never printed ({@link #toString} hides them). Immutable.
 *
 * @param keystoreKey             {@code ssl.keystore.key}: a PEM private key given as a value (null: none)
 * @param keystoreCertificateChain {@code ssl.keystore.certificate.chain}: its PEM certificate chain
 * @param truststoreCertificates  {@code ssl.truststore.certificates}: PEM trusted certificates given as a value
 */
public record TlsSettings(String keystoreType, String keystoreLocation, String keystorePassword, String keyPassword,
                          String truststoreType, String truststoreLocation, String truststorePassword,
                          ClientAuth clientAuth, List<String> enabledProtocols, List<String> cipherSuites,
                          String keystoreKey, String keystoreCertificateChain, String truststoreCertificates) {
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
     * @throws ConfigException naming the setting: no key store, an unknown {@code ssl.client.auth}, a
     *         PEM setting that breaks Kafka's rules
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
        String key = get.apply("ssl.keystore.key");
        String chain = get.apply("ssl.keystore.certificate.chain");
        String keystoreType = get.apply("ssl.keystore.type");
        if (keystore == null && key == null) {
            throw new ConfigException("ssl.keystore.location", null, "listener " + listener
                    + " uses TLS and needs a key store (ssl.keystore.location, or " + prefix + "ssl.keystore.location,"
                    + " or a PEM key in ssl.keystore.key)");
        }
        if (key != null || chain != null) {
            if (key == null || chain == null) {
                throw new ConfigException(key == null ? "ssl.keystore.key" : "ssl.keystore.certificate.chain", null,
                        "ssl.keystore.key and ssl.keystore.certificate.chain go together (listener " + listener + ")");
            }
            if (keystore != null) {
                throw new ConfigException("ssl.keystore.location", keystore, "set either ssl.keystore.location or"
                        + " ssl.keystore.key with ssl.keystore.certificate.chain, not both (listener " + listener + ")");
            }
        }
        String truststore = get.apply("ssl.truststore.location");
        String certificates = get.apply("ssl.truststore.certificates");
        String truststoreType = get.apply("ssl.truststore.type");
        if (certificates != null) {
            if (truststore != null) {
                throw new ConfigException("ssl.truststore.location", truststore, "set either ssl.truststore.location"
                        + " or ssl.truststore.certificates, not both (listener " + listener + ")");
            }
        }
        requirePemRules("ssl.keystore", keystoreType, key != null, get.apply("ssl.keystore.password"));
        requirePemRules("ssl.truststore", truststoreType, certificates != null, get.apply("ssl.truststore.password"));
        String auth = get.apply("ssl.client.auth");
        ClientAuth clientAuth;
        try {
            clientAuth = ClientAuth.valueOf(auth.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("ssl.client.auth", auth, "expected none, requested or required");
        }
        return new TlsSettings(keystoreType, keystore, get.apply("ssl.keystore.password"),
                get.apply("ssl.key.password"), truststoreType, truststore,
                get.apply("ssl.truststore.password"), clientAuth, list(get.apply("ssl.enabled.protocols")),
                list(get.apply("ssl.cipher.suites")), key, chain, certificates);
    }

    /** The store type Kafka names {@code PEM}. */
    public static final String PEM = "PEM";

    /** Whether a store of {@code type} is read as PEM text. */
    public static boolean isPem(String type) {
        return PEM.equalsIgnoreCase(type);
    }

    /** Kafka's rules: a PEM value needs type PEM, and a PEM store has no password of its own. */
    private static void requirePemRules(String store, String type, boolean inlineValue, String storePassword) {
        if (inlineValue && !isPem(type)) {
            throw new ConfigException(store + ".type", type, "a PEM value is given (" + (store.endsWith("keystore")
                    ? "ssl.keystore.key" : "ssl.truststore.certificates") + "): the type must be PEM");
        }
        if (isPem(type) && storePassword != null) {
            throw new ConfigException(store + ".password", "[hidden]", "a PEM store has no password of its own"
                    + (store.endsWith("keystore") ? "; an encrypted key's password goes in ssl.key.password" : ""));
        }
    }

    private static List<String> list(String value) {
        if (value == null) return List.of();
        return java.util.Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    @Override
    public String toString() {
        return "TlsSettings[keystore=" + keystoreType + ":" + (keystoreKey != null ? "ssl.keystore.key" : keystoreLocation)
                + ", truststore=" + truststoreType + ":" + (truststoreCertificates != null ? "ssl.truststore.certificates"
                : truststoreLocation) + ", clientAuth=" + clientAuth + ", protocols=" + enabledProtocols
                + ", cipherSuites=" + cipherSuites + ", passwords and keys hidden]";
    }
}
