package io.tributary.broker.security;

import org.apache.kafka.common.errors.SaslAuthenticationException;

/**
 * The server side of one SASL exchange, for one mechanism: fed the client's tokens in order, it
 * answers each with a challenge until the client is authenticated. One exchange per instance;
 * confined to the connection's authenticator (not thread-safe).
 */
interface SaslMechanismServer {
    /**
     * The challenge for the client's {@code response}.
     *
     * @throws SaslAuthenticationException when the client cannot be authenticated, with a message
     *         that names no secret and is the same for an unknown user and a wrong password
     */
    byte[] evaluate(byte[] response);

    /** Whether the exchange has succeeded: {@link #user()} is then authenticated. */
    boolean complete();

    /** The authenticated user name, once {@link #complete()}. */
    String user();

    /**
     * When the credential the client authenticated with expires (epoch milliseconds), which bounds
     * a re-authenticating session; {@link Long#MAX_VALUE} for credentials that do not expire.
     */
    default long credentialExpiresAtMs() {
        return Long.MAX_VALUE;
    }
}
