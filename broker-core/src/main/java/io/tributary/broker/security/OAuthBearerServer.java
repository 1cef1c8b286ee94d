package io.tributary.broker.security;

import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallback;

import javax.security.auth.callback.Callback;
import javax.security.auth.callback.UnsupportedCallbackException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SASL/OAUTHBEARER (RFC 7628) as Kafka's broker runs it: the client's one message is a GS2 header
 * ({@code n,[a=<authzid>],}) and {@code ^A}-separated key/value pairs, one of them
 * {@code auth=Bearer <JWT>}; the token is checked by the listener's validator (Kafka's
 * {@code OAuthBearerValidatorCallbackHandler}: signature against the JWKS, expiry, audience, issuer)
 * and its subject becomes the user. A token that fails is answered, as Kafka does, with the RFC 7628
 * JSON error as challenge; the client's {@code ^A} acknowledgement then fails the exchange. An
 * authorization id other than the token's subject is refused. One exchange per instance;
 * confined to the connection's authenticator (not thread-safe).
 */
final class OAuthBearerServer implements SaslMechanismServer {
    private static final String SEPARATOR = "\u0001";
    private static final Pattern GS2_HEADER = Pattern.compile("[ny],(?:a=([^,]*))?,");
    private static final Pattern AUTH = Pattern.compile("auth=[Bb][Ee][Aa][Rr][Ee][Rr] +([^ ]+) *");

    private final AuthenticateCallbackHandler validator;
    private String user;
    private long expiresAtMs;
    private String pendingError;

    OAuthBearerServer(AuthenticateCallbackHandler validator) {
        this.validator = validator;
    }

    @Override
    public byte[] evaluate(byte[] response) {
        if (pendingError != null) {
            // The client has read the error and answers with ^A (RFC 7628 §3.2.3).
            throw new SaslAuthenticationException("Authentication failed: " + pendingError);
        }
        if (user != null) throw new SaslAuthenticationException("Authentication failed: OAUTHBEARER exchange already complete");
        String message = new String(response, StandardCharsets.UTF_8);
        int first = message.indexOf(SEPARATOR);
        Matcher header = first < 0 ? null : GS2_HEADER.matcher(message.substring(0, first));
        if (header == null || !header.matches() || !message.endsWith(SEPARATOR + SEPARATOR)) {
            throw new SaslAuthenticationException("Invalid OAUTHBEARER client first message");
        }
        String authzid = header.group(1);
        String token = null;
        for (String pair : message.substring(first + 1, message.length() - 2).split(SEPARATOR)) {
            Matcher auth = AUTH.matcher(pair);
            if (auth.matches()) token = auth.group(1);
        }
        if (token == null) throw new SaslAuthenticationException("Invalid OAUTHBEARER client first message: no auth=Bearer token");
        OAuthBearerValidatorCallback callback = new OAuthBearerValidatorCallback(token);
        try {
            validator.handle(new Callback[] {callback});
        } catch (IOException | UnsupportedCallbackException e) {
            throw new SaslAuthenticationException("Authentication failed: the token could not be validated: " + e.getMessage());
        }
        OAuthBearerToken valid = callback.token();
        if (valid == null) {
            pendingError = callback.errorStatus() == null ? "invalid_token" : callback.errorStatus();
            return errorChallenge(callback);
        }
        if (authzid != null && !authzid.isEmpty() && !authzid.equals(valid.principalName())) {
            throw new SaslAuthenticationException("Authentication failed: Client requested an authorization id ("
                    + authzid + ") that is different from the token's principal name (" + valid.principalName() + ")");
        }
        user = valid.principalName();
        expiresAtMs = valid.lifetimeMs();
        return new byte[0];
    }

    private static byte[] errorChallenge(OAuthBearerValidatorCallback callback) {
        StringBuilder json = new StringBuilder("{\"status\":\"").append(jsonText(callback.errorStatus() == null
                ? "invalid_token" : callback.errorStatus())).append('"');
        if (callback.errorScope() != null) json.append(",\"scope\":\"").append(jsonText(callback.errorScope())).append('"');
        if (callback.errorOpenIDConfiguration() != null) {
            json.append(",\"openid-configuration\":\"").append(jsonText(callback.errorOpenIDConfiguration())).append('"');
        }
        return json.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String jsonText(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    @Override
    public boolean complete() {
        return user != null;
    }

    @Override
    public String user() {
        return user;
    }

    /** The token's expiry (epoch milliseconds): the session ends then at the latest. */
    @Override
    public long credentialExpiresAtMs() {
        return expiresAtMs;
    }
}
