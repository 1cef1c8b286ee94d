package io.tributary.broker.security;

import io.tributary.broker.network.ConnectionAuthenticator;
import io.tributary.broker.network.Listener;
import org.apache.kafka.clients.admin.ScramMechanism;

import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Makes the {@link SaslAuthenticator} of each connection of a SASL listener, with that listener's
 * {@link SaslSettings}: {@code PLAIN} against the users of its JAAS configuration, SCRAM against
 * {@code scram}. Holds the per-broker secret that gives unknown SCRAM users a stable fake salt.
 * Immutable apart from the credential store it reads; thread-safe.
 */
public final class SaslAuthenticators implements ConnectionAuthenticator.Factory {
    private final Map<String, SaslSettings> settings;
    private final ScramCredentialStore scram;
    private final LongSupplier nanoTime;
    private final byte[] unknownUserSecret = ScramMath.randomBytes(32);

    /** @param settings by listener name, for every SASL listener */
    public SaslAuthenticators(Map<String, SaslSettings> settings, ScramCredentialStore scram, LongSupplier nanoTime) {
        this.settings = Map.copyOf(settings);
        this.scram = scram;
        this.nanoTime = nanoTime;
    }

    @Override
    public ConnectionAuthenticator newConnection(Listener listener) {
        SaslSettings s = settings.get(listener.name());
        if (s == null) throw new IllegalArgumentException("No SASL settings for listener " + listener);
        return new SaslAuthenticator(s, mechanism -> mechanism.equals(SaslSettings.PLAIN)
                ? new PlainServer(s.plainUsers())
                : new ScramServer(ScramMechanism.fromMechanismName(mechanism), scram::lookup, unknownUserSecret), nanoTime);
    }
}
