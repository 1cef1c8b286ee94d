package io.tributary.broker.security;

import io.tributary.broker.network.Listener;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The SASL settings of one listener, with Kafka's names, each overridable per listener with the
 * prefix {@code listener.name.<listener name in lower case>.}:
 * <ul>
 *   <li>{@code sasl.enabled.mechanisms} (Kafka's default {@code GSSAPI}, which this broker does not
 *       offer: a SASL listener must name its mechanisms) — {@code PLAIN}, {@code SCRAM-SHA-256},
 *       {@code SCRAM-SHA-512}, {@code OAUTHBEARER};</li>
 *   <li>{@code listener.name.<listener>.<mechanism in lower case>.sasl.jaas.config} — for
 *       {@code PLAIN}, Kafka's {@code org.apache.kafka.common.security.plain.PlainLoginModule} with
 *       one {@code user_<name>="<password>"} option per user (required); for SCRAM optional
 *       ({@code ScramLoginModule}): the users are the SCRAM credentials of the metadata;</li>
 *   <li>for {@code OAUTHBEARER}: Kafka's {@code sasl.oauthbearer.*} broker settings (the JWKS in
 *       {@code sasl.oauthbearer.jwks.endpoint.url} is required: tokens are always validated, by
 *       Kafka's {@code OAuthBearerValidatorCallbackHandler}; Kafka's unsecured validator, its default,
 *       is refused), each also as {@code listener.name.<listener>.oauthbearer.<name>};</li>
 *   <li>{@code connections.max.reauth.ms} (0: sessions never expire);</li>
 *   <li>{@code sasl.server.max.receive.size}: the largest frame taken before authentication.</li>
 * </ul>
 * Immutable; {@link #toString()} names no password.
 */
public record SaslSettings(String listenerName, List<String> enabledMechanisms, Map<String, String> plainUsers,
                           long maxReauthMs, int maxReceiveSize, Map<String, Object> oauthBearer) {
    /** Kafka's default {@code sasl.server.max.receive.size}. */
    public static final int DEFAULT_MAX_RECEIVE_SIZE = 524288;
    public static final String PLAIN = "PLAIN";
    public static final String SCRAM_SHA_256 = "SCRAM-SHA-256";
    public static final String SCRAM_SHA_512 = "SCRAM-SHA-512";
    public static final String OAUTHBEARER = "OAUTHBEARER";
    /** The mechanisms this broker offers. */
    public static final List<String> SUPPORTED = List.of(PLAIN, SCRAM_SHA_256, SCRAM_SHA_512, OAUTHBEARER);
    private static final String OAUTHBEARER_LOGIN_MODULE = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule";
    private static final String OAUTHBEARER_VALIDATOR =
            "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler";
    private static final String PLAIN_LOGIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule";
    private static final String SCRAM_LOGIN_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule";

    public SaslSettings {
        enabledMechanisms = List.copyOf(enabledMechanisms);
        plainUsers = Map.copyOf(plainUsers);
        oauthBearer = oauthBearer == null ? null : Map.copyOf(oauthBearer);
    }

    /**
     * The settings of SASL listener {@code listener} from the broker's properties.
     *
     * @throws ConfigException naming the property: no mechanism, a mechanism this broker does not
     *         offer, {@code PLAIN} without its JAAS configuration or with another login module, a
     *         JAAS text that cannot be read, a reauthentication time that is not a whole number ≥ 0
     */
    public static SaslSettings of(Map<String, String> props, Listener listener) {
        String prefix = "listener.name." + listener.name().toLowerCase(Locale.ROOT) + ".";
        String mechanismsKey = props.containsKey(prefix + "sasl.enabled.mechanisms") ? prefix + "sasl.enabled.mechanisms" : "sasl.enabled.mechanisms";
        String mechanismsValue = props.getOrDefault(mechanismsKey, "GSSAPI");
        List<String> mechanisms = new ArrayList<>();
        for (String m : mechanismsValue.split(",")) {
            String name = m.trim().toUpperCase(Locale.ROOT);
            if (name.isEmpty() || mechanisms.contains(name)) continue;
            if (!SUPPORTED.contains(name)) {
                throw new ConfigException(mechanismsKey, mechanismsValue, "SASL mechanism " + name + " of listener "
                        + listener + " is not offered by this broker (it offers " + String.join(", ", SUPPORTED) + ")");
            }
            mechanisms.add(name);
        }
        if (mechanisms.isEmpty()) {
            throw new ConfigException(mechanismsKey, mechanismsValue, "listener " + listener + " enables no SASL mechanism");
        }
        Map<String, String> plainUsers = new LinkedHashMap<>();
        for (String mechanism : mechanisms) {
            String jaasKey = prefix + mechanism.toLowerCase(Locale.ROOT) + ".sasl.jaas.config";
            String jaas = props.get(jaasKey);
            boolean plain = mechanism.equals(PLAIN);
            if (jaas == null || jaas.isBlank()) {
                if (plain) {
                    throw new ConfigException(jaasKey, null, "listener " + listener + " enables PLAIN: its users are "
                            + "configured with " + PLAIN_LOGIN_MODULE + " required user_<name>=\"<password>\";");
                }
                continue;
            }
            List<JaasText.Module> modules;
            try {
                modules = JaasText.parse(jaasKey, jaas);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(jaasKey, new Password(jaas), e.getMessage());
            }
            if (modules.size() != 1) throw new ConfigException(jaasKey, new Password(jaas), "expected exactly one login module");
            JaasText.Module module = modules.get(0);
            String wanted = plain ? PLAIN_LOGIN_MODULE : mechanism.equals(OAUTHBEARER) ? OAUTHBEARER_LOGIN_MODULE : SCRAM_LOGIN_MODULE;
            if (!module.className().equals(wanted)) {
                throw new ConfigException(jaasKey, new Password(jaas), "mechanism " + mechanism + " takes login module "
                        + wanted + ", not " + module.className());
            }
            if (plain) {
                module.options().forEach((k, v) -> {
                    if (k.startsWith("user_") && k.length() > 5) plainUsers.put(k.substring(5), v);
                });
            }
        }
        String reauthKey = props.containsKey(prefix + "connections.max.reauth.ms") ? prefix + "connections.max.reauth.ms" : "connections.max.reauth.ms";
        String reauthValue = props.getOrDefault(reauthKey, "0");
        long reauth;
        try {
            reauth = Long.parseLong(reauthValue.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(reauthKey, reauthValue, "expected a whole number of milliseconds");
        }
        if (reauth < 0) throw new ConfigException(reauthKey, reauthValue, "expected 0 (off) or more");
        String receiveKey = props.containsKey(prefix + "sasl.server.max.receive.size") ? prefix + "sasl.server.max.receive.size" : "sasl.server.max.receive.size";
        String receiveValue = props.getOrDefault(receiveKey, Integer.toString(DEFAULT_MAX_RECEIVE_SIZE));
        int receive;
        try {
            receive = Integer.parseInt(receiveValue.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(receiveKey, receiveValue, "expected a whole number of bytes");
        }
        if (receive < 1) throw new ConfigException(receiveKey, receiveValue, "expected at least 1");
        Map<String, Object> oauthBearer = mechanisms.contains(OAUTHBEARER) ? oauthBearer(props, prefix, listener) : null;
        return new SaslSettings(listener.name(), mechanisms, plainUsers, reauth, receive, oauthBearer);
    }

    /**
     * The {@code sasl.oauthbearer.*} settings of {@code listener}, typed by Kafka's own definitions,
     * as Kafka's validator takes them.
     */
    private static Map<String, Object> oauthBearer(Map<String, String> props, String prefix, Listener listener) {
        String mechanismPrefix = prefix + "oauthbearer.";
        String handlerKey = mechanismPrefix + "sasl.server.callback.handler.class";
        String handler = props.get(handlerKey);
        if (handler != null && !handler.isBlank() && !handler.trim().equals(OAUTHBEARER_VALIDATOR)) {
            throw new ConfigException(handlerKey, handler, "this broker validates OAUTHBEARER tokens with "
                    + OAUTHBEARER_VALIDATOR + " only (signed JWTs checked against a JWKS); other handlers, Kafka's"
                    + " unsecured one included, are not offered");
        }
        Map<String, String> raw = new java.util.HashMap<>();
        for (Map.Entry<String, String> e : props.entrySet()) {
            if (e.getKey().startsWith("sasl.oauthbearer.")) raw.putIfAbsent(e.getKey(), e.getValue());
        }
        for (String p : List.of(prefix, mechanismPrefix)) {
            for (Map.Entry<String, String> e : props.entrySet()) {
                if (e.getKey().startsWith(p + "sasl.oauthbearer.")) raw.put(e.getKey().substring(p.length()), e.getValue());
            }
        }
        String jwks = org.apache.kafka.common.config.SaslConfigs.SASL_OAUTHBEARER_JWKS_ENDPOINT_URL;
        if (raw.get(jwks) == null || raw.get(jwks).isBlank()) {
            throw new ConfigException(jwks, null, "listener " + listener + " enables OAUTHBEARER: tokens are validated"
                    + " against the keys of the identity provider's JWKS, set " + jwks + " (https://… or file:…)");
        }
        org.apache.kafka.common.config.ConfigDef definitions = new org.apache.kafka.common.config.ConfigDef();
        org.apache.kafka.common.config.SaslConfigs.addClientSaslSupport(definitions);
        Map<String, Object> typed = new java.util.HashMap<>();
        Map<String, Object> parsed = definitions.parse(raw);
        for (Map.Entry<String, Object> e : parsed.entrySet()) {
            if (e.getKey().startsWith("sasl.oauthbearer.") && e.getValue() != null) typed.put(e.getKey(), e.getValue());
        }
        return typed;
    }

    @Override
    public String toString() {
        return "SaslSettings[listener=" + listenerName + ", mechanisms=" + enabledMechanisms + ", plainUsers="
                + plainUsers.keySet() + ", maxReauthMs=" + maxReauthMs + ", maxReceiveSize=" + maxReceiveSize
                + (oauthBearer == null ? "" : ", oauthBearer=" + oauthBearer.get("sasl.oauthbearer.jwks.endpoint.url")) + "]";
    }
}
