package io.tributary.broker.security;

import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.common.errors.SaslAuthenticationException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * The server side of SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677) against the credentials of
 * the replicated metadata. Two rounds: the client-first message (user and client nonce) is
 * answered with the server-first message (combined nonce, salt, iterations); the client-final
 * message (channel binding {@code biws}/{@code eSws}, nonce, proof) is checked against the stored
 * key and answered with the server signature.
 *
 * <p>An unknown user is not told apart from a wrong password: the exchange goes on with a salt
 * derived from the user name and a per-broker secret (the same on every attempt) and fails at the
 * proof with the same message. Channel binding ({@code p=}) and delegation tokens
 * ({@code tokenauth=true}) are refused.
 */
final class ScramServer implements SaslMechanismServer {
    static final String FAILED_PREFIX = "Authentication failed during authentication due to invalid credentials with SASL mechanism ";

    private final ScramMechanism mechanism;
    private final ScramMath math;
    private final BiFunction<String, ScramMechanism, Optional<StoredScramCredential>> credentials;
    private final byte[] unknownUserSecret;

    private enum State { CLIENT_FIRST, CLIENT_FINAL, COMPLETE, FAILED }

    private State state = State.CLIENT_FIRST;
    private String user;
    private StoredScramCredential credential;
    private boolean knownUser;
    private String clientFirstBare;
    private String serverFirst;
    private String nonce;

    ScramServer(ScramMechanism mechanism, BiFunction<String, ScramMechanism, Optional<StoredScramCredential>> credentials,
                byte[] unknownUserSecret) {
        this.mechanism = mechanism;
        this.math = new ScramMath(mechanism);
        this.credentials = credentials;
        this.unknownUserSecret = unknownUserSecret;
    }

    @Override
    public byte[] evaluate(byte[] response) {
        try {
            return switch (state) {
                case CLIENT_FIRST -> clientFirst(new String(response, StandardCharsets.UTF_8));
                case CLIENT_FINAL -> clientFinal(new String(response, StandardCharsets.UTF_8));
                default -> throw new SaslAuthenticationException("Authentication failed: unexpected SCRAM message in state " + state);
            };
        } catch (SaslAuthenticationException e) {
            state = State.FAILED;
            throw e;
        } catch (RuntimeException malformed) {
            state = State.FAILED;
            throw new SaslAuthenticationException("Authentication failed: invalid " + mechanism.mechanismName() + " message");
        }
    }

    private byte[] clientFirst(String message) {
        // gs2-header: "n,," or "y,," (no channel binding), optionally with "a=authzid"
        if (message.startsWith("p=")) throw new SaslAuthenticationException("Authentication failed: channel binding is not supported");
        if (!message.startsWith("n,") && !message.startsWith("y,")) throw new IllegalArgumentException("gs2 header");
        int headerEnd = message.indexOf(',', 2);
        if (headerEnd < 0) throw new IllegalArgumentException("gs2 header");
        String authzid = message.substring(2, headerEnd);
        clientFirstBare = message.substring(headerEnd + 1);
        String name = null;
        String clientNonce = null;
        for (String attribute : clientFirstBare.split(",")) {
            if (attribute.startsWith("n=")) name = unescape(attribute.substring(2));
            else if (attribute.startsWith("r=")) clientNonce = attribute.substring(2);
            else if (attribute.equals("tokenauth=true")) {
                throw new SaslAuthenticationException("Authentication failed: delegation tokens are not supported");
            }
        }
        if (name == null || name.isEmpty() || clientNonce == null || clientNonce.isEmpty()) throw new IllegalArgumentException("client-first");
        if (!authzid.isEmpty() && !authzid.equals("a=" + escape(name))) {
            throw new SaslAuthenticationException("Authentication failed: Client requested an authorization id that is different from username");
        }
        user = name;
        String fakeSaltSource = name;
        Optional<StoredScramCredential> found = credentials.apply(name, mechanism);
        knownUser = found.isPresent();
        credential = found.orElseGet(() -> new StoredScramCredential(
                new ScramMath(ScramMechanism.SCRAM_SHA_256).hmac(unknownUserSecret, fakeSaltSource.getBytes(StandardCharsets.UTF_8)),
                new byte[0], new byte[0], ScramMath.MIN_ITERATIONS));
        nonce = clientNonce + Base64.getEncoder().withoutPadding().encodeToString(ScramMath.randomBytes(18))
                .replace('+', '-').replace('/', '_');
        serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(credential.salt()) + ",i=" + credential.iterations();
        state = State.CLIENT_FINAL;
        return serverFirst.getBytes(StandardCharsets.UTF_8);
    }

    private byte[] clientFinal(String message) {
        int proofAt = message.lastIndexOf(",p=");
        if (proofAt < 0) throw new IllegalArgumentException("client-final without proof");
        String withoutProof = message.substring(0, proofAt);
        byte[] proof = Base64.getDecoder().decode(message.substring(proofAt + 3));
        String channelBinding = null;
        String finalNonce = null;
        for (String attribute : withoutProof.split(",")) {
            if (attribute.startsWith("c=")) channelBinding = attribute.substring(2);
            else if (attribute.startsWith("r=")) finalNonce = attribute.substring(2);
        }
        // As Kafka: the final nonce must end with the combined nonce (librdkafka sends its own nonce
        // in front of the combined one again).
        if (finalNonce == null || !finalNonce.endsWith(nonce)) throw new SaslAuthenticationException("Authentication failed: invalid nonce");
        String gs2 = new String(Base64.getDecoder().decode(channelBinding == null ? "" : channelBinding), StandardCharsets.UTF_8);
        if (!gs2.startsWith("n,") && !gs2.startsWith("y,")) throw new SaslAuthenticationException("Authentication failed: invalid channel binding");
        byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
        byte[] storedKey = credential.storedKey();
        byte[] clientSignature = math.hmac(knownUser ? storedKey : unknownUserSecret, authMessage);
        boolean valid = proof.length == clientSignature.length;
        if (valid) {
            byte[] clientKey = new byte[proof.length];
            for (int i = 0; i < proof.length; i++) clientKey[i] = (byte) (proof[i] ^ clientSignature[i]);
            valid = MessageDigest.isEqual(math.hash(clientKey), storedKey);
        }
        if (!valid || !knownUser) throw new SaslAuthenticationException(FAILED_PREFIX + mechanism.mechanismName());
        byte[] serverSignature = math.hmac(credential.serverKey(), authMessage);
        state = State.COMPLETE;
        return ("v=" + Base64.getEncoder().encodeToString(serverSignature)).getBytes(StandardCharsets.UTF_8);
    }

    /** RFC 5802 saslname: "=2C" is ',' and "=3D" is '='. */
    private static String unescape(String saslName) {
        return saslName.replace("=2C", ",").replace("=3D", "=");
    }

    private static String escape(String name) {
        return name.replace("=", "=3D").replace(",", "=2C");
    }

    @Override
    public boolean complete() {
        return state == State.COMPLETE;
    }

    @Override
    public String user() {
        return complete() ? user : null;
    }
}
