package io.tributary.ra.config;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * What every Kafka client the adapter creates starts from: the bootstrap address (the embedded node
 * or the configured cluster) and the adapter's {@code clientProperties}, typically the security
 * settings ({@code security.protocol}, {@code ssl.*}, {@code sasl.*}). JVM system properties
 * {@code tributary.client.<name>} override {@code clientProperties}; a factory's
 * {@code producerProperties} or an activation's {@code consumerProperties} override both, and the
 * adapter's own fixed settings (acks, transactional ids, isolation) come last. Immutable.
 */
public record ClientSettings(String bootstrapServers, Map<String, String> properties) {
    /** JVM system properties {@code tributary.client.<name>} set client property {@code <name>}. */
    public static final String SYSTEM_PROPERTY_PREFIX = "tributary.client.";

    public ClientSettings {
        properties = Map.copyOf(properties);
    }

    /** The adapter's {@code clientProperties} text, with the system properties of {@code system} over it. */
    public static ClientSettings of(String bootstrapServers, String clientProperties, Properties system) {
        Map<String, String> merged = new LinkedHashMap<>(ConfigProperties.nameValuePairs("clientProperties", clientProperties));
        for (String name : system.stringPropertyNames()) {
            if (name.startsWith(SYSTEM_PROPERTY_PREFIX)) {
                String key = name.substring(SYSTEM_PROPERTY_PREFIX.length());
                merged.put(key, ConfigProperties.expandReferences(name, key, system.getProperty(name), system::getProperty,
                        System::getenv));
            }
        }
        return new ClientSettings(bootstrapServers, merged);
    }

    /** The security protocol the clients use: {@code security.protocol}, {@code PLAINTEXT} when not set. */
    public String securityProtocol() {
        return properties.getOrDefault("security.protocol", "PLAINTEXT").trim().toUpperCase(java.util.Locale.ROOT);
    }

    /** A new, mutable client configuration: the bootstrap address, these properties, then {@code overrides}. */
    public Map<String, Object> clientConfig(Map<String, String> overrides) {
        Map<String, Object> config = new HashMap<>(properties);
        config.put("bootstrap.servers", bootstrapServers);
        config.putAll(overrides);
        return config;
    }

    /** {@link #clientConfig(Map)} without overrides. */
    public Map<String, Object> clientConfig() {
        return clientConfig(Map.of());
    }
}
