package io.tributary.broker.security;

import io.tributary.broker.network.ConnectionAuthenticator;
import io.tributary.broker.network.Listener;
import org.apache.kafka.clients.admin.ScramMechanism;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler;

import javax.security.auth.login.AppConfigurationEntry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Makes the {@link SaslAuthenticator} of each connection of a SASL listener, with that listener's
 * {@link SaslSettings}: {@code PLAIN} against the users of its JAAS configuration, SCRAM against
 * {@code scram}, {@code OAUTHBEARER} with the listener's token validator (Kafka's
 * {@code OAuthBearerValidatorCallbackHandler}, made once per listener at construction, which reads
 * the JWKS, and closed by {@link #close()}). Holds the per-broker secret that gives unknown SCRAM
 * users a stable fake salt. Immutable apart from the credential store it reads and the validators'
 * key caches; thread-safe (Kafka's validator is).
 */
public final class SaslAuthenticators implements ConnectionAuthenticator.Factory, AutoCloseable {
    private final Map<String, SaslSettings> settings;
    private final ScramCredentialStore scram;
    private final LongSupplier nanoTime;
    private final byte[] unknownUserSecret = ScramMath.randomBytes(32);
    private final Map<String, AuthenticateCallbackHandler> tokenValidators = new HashMap<>();

    /**
     * @param settings by listener name, for every SASL listener
     * @throws ConfigException when a listener's OAUTHBEARER validator cannot be set up (its JWKS unreadable)
     */
    public SaslAuthenticators(Map<String, SaslSettings> settings, ScramCredentialStore scram, LongSupplier nanoTime) {
        this.settings = Map.copyOf(settings);
        this.scram = scram;
        this.nanoTime = nanoTime;
        try {
            for (SaslSettings s : this.settings.values()) {
                if (s.oauthBearer() != null) tokenValidators.put(s.listenerName(), tokenValidator(s));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private static AuthenticateCallbackHandler tokenValidator(SaslSettings s) {
        OAuthBearerValidatorCallbackHandler handler = new OAuthBearerValidatorCallbackHandler();
        AppConfigurationEntry loginModule = new AppConfigurationEntry(OAuthBearerLoginModule.class.getName(),
                AppConfigurationEntry.LoginModuleControlFlag.REQUIRED, Map.of());
        try {
            handler.configure(s.oauthBearer(), SaslSettings.OAUTHBEARER, List.of(loginModule));
        } catch (RuntimeException e) {
            handler.close();
            throw new ConfigException(SaslConfigs.SASL_OAUTHBEARER_JWKS_ENDPOINT_URL,
                    s.oauthBearer().get(SaslConfigs.SASL_OAUTHBEARER_JWKS_ENDPOINT_URL),
                    "the OAUTHBEARER token validator of listener " + s.listenerName() + " cannot start: " + e.getMessage());
        }
        return handler;
    }

    @Override
    public void close() {
        for (AuthenticateCallbackHandler h : tokenValidators.values()) {
            try {
                h.close();
            } catch (RuntimeException ignored) {
                // closing the JWKS refresher; nothing else to release
            }
        }
    }

    @Override
    public ConnectionAuthenticator newConnection(Listener listener) {
        SaslSettings s = settings.get(listener.name());
        if (s == null) throw new IllegalArgumentException("No SASL settings for listener " + listener);
        return new SaslAuthenticator(s, mechanism -> switch (mechanism) {
            case SaslSettings.PLAIN -> new PlainServer(s.plainUsers());
            case SaslSettings.OAUTHBEARER -> new OAuthBearerServer(tokenValidators.get(listener.name()));
            default -> new ScramServer(ScramMechanism.fromMechanismName(mechanism), scram::lookup, unknownUserSecret);
        }, nanoTime);
    }
}
