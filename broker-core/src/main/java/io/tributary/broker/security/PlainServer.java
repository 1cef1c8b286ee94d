package io.tributary.broker.security;

import org.apache.kafka.common.errors.SaslAuthenticationException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/**
 * SASL/PLAIN (RFC 4616) against the users of the listener's JAAS configuration
 * ({@code user_<name>="<password>"}, as Kafka's {@code PlainLoginModule}): one message
 * {@code [authzid] NUL authcid NUL passwd}; an authorization id other than the user is refused.
 */
final class PlainServer implements SaslMechanismServer {
    static final String FAILED = "Authentication failed: Invalid username or password";
    private final Map<String, String> passwords;
    private String user;

    PlainServer(Map<String, String> passwords) {
        this.passwords = passwords;
    }

    @Override
    public byte[] evaluate(byte[] response) {
        if (user != null) throw new SaslAuthenticationException("Authentication failed: PLAIN exchange already complete");
        String message = new String(response, StandardCharsets.UTF_8);
        int first = message.indexOf('\0');
        int second = first < 0 ? -1 : message.indexOf('\0', first + 1);
        if (first < 0 || second < 0) {
            throw new SaslAuthenticationException("Invalid SASL/PLAIN response: expected 3 tokens");
        }
        String authzid = message.substring(0, first);
        String name = message.substring(first + 1, second);
        String password = message.substring(second + 1);
        if (name.isEmpty()) throw new SaslAuthenticationException("Authentication failed: username not specified");
        if (password.isEmpty()) throw new SaslAuthenticationException("Authentication failed: password not specified");
        String expected = passwords.get(name);
        // The same comparison, in constant time, for a known and an unknown user.
        byte[] given = password.getBytes(StandardCharsets.UTF_8);
        byte[] wanted = (expected == null ? "\0unknown-user" : expected).getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, wanted) || expected == null) throw new SaslAuthenticationException(FAILED);
        if (!authzid.isEmpty() && !authzid.equals(name)) {
            throw new SaslAuthenticationException("Authentication failed: Client requested an authorization id that is different from username");
        }
        user = name;
        return new byte[0];
    }

    @Override
    public boolean complete() {
        return user != null;
    }

    @Override
    public String user() {
        return user;
    }
}
