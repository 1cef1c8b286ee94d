package io.tributary.broker.security;

import io.tributary.broker.network.ConnectionAuthenticator;
import io.tributary.broker.network.ConnectionContext;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.network.ByteBufferSend;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.SendBuilder;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The SASL authentication of one connection, with Kafka's protocol and rules:
 * <ul>
 *   <li>before authentication only ApiVersions (dispatched as usual), SaslHandshake (v0, v1) and
 *       SaslAuthenticate (v0–v2, after a v1 handshake) are taken; any other request closes the
 *       connection without an answer, as Kafka does;</li>
 *   <li>a mechanism the listener does not enable is answered {@code UNSUPPORTED_SASL_MECHANISM} with
 *       the enabled list, a request out of order {@code ILLEGAL_SASL_STATE}, failed credentials
 *       {@code SASL_AUTHENTICATION_FAILED} (one message for an unknown user and a wrong password);
 *       each closes the connection after the answer and is logged once, with the peer's address and
 *       never a password;</li>
 *   <li>after a v0 handshake the SASL tokens travel as bare length-prefixed frames;</li>
 *   <li>with {@code connections.max.reauth.ms} &gt; 0 the session lasts that long, or until the
 *       credential expires if sooner (an OAUTHBEARER token's {@code exp}), as
 *       {@code session_lifetime_ms} in SaslAuthenticate v1+ tells the client; the client re-authenticates (KIP-368)
 *       with a new handshake on the same connection, as the same user and mechanism; a request after
 *       the session expired closes the connection.</li>
 * </ul>
 * The principal is {@code User:<name>}. Confined to its connection: called for one frame at a time
 * (see {@link ConnectionAuthenticator}); not thread-safe otherwise.
 */
final class SaslAuthenticator implements ConnectionAuthenticator {
    private static final System.Logger LOG = System.getLogger(SaslAuthenticator.class.getName());

    private enum State { HANDSHAKE, AUTHENTICATE, RAW_TOKENS, AUTHENTICATED, FAILED }

    private final SaslSettings settings;
    private final Function<String, SaslMechanismServer> servers;
    private final LongSupplier nanoTime;

    private State state = State.HANDSHAKE;
    /** Set once the first authentication succeeds; read by the frame decoder on the event loop. */
    private volatile boolean authenticatedOnce;
    private SaslMechanismServer server;
    private String mechanism;
    private KafkaPrincipal principal;
    private boolean reauthenticating;
    private long sessionExpiresAtNanos = Long.MAX_VALUE;
    /** The lifetime of the current session in milliseconds, 0 when it does not expire. */
    private long sessionLifetimeMs;

    /** @param servers a new server for a mechanism the listener enables */
    SaslAuthenticator(SaslSettings settings, Function<String, SaslMechanismServer> servers, LongSupplier nanoTime) {
        this.settings = settings;
        this.servers = servers;
        this.nanoTime = nanoTime;
    }

    @Override
    public boolean authenticated() {
        return authenticatedOnce;
    }

    @Override
    public int maxUnauthenticatedFrameBytes() {
        return settings.maxReceiveSize();
    }

    @Override
    public CompletableFuture<Outcome> onFrame(ByteBuffer frame, ConnectionContext connection) {
        try {
            return CompletableFuture.completedFuture(decide(frame.duplicate(), connection));
        } catch (RuntimeException unreadable) {
            state = State.FAILED;
            return CompletableFuture.completedFuture(refuse(connection, "sent an unreadable SASL request: " + unreadable.getMessage()));
        }
    }

    private Outcome decide(ByteBuffer frame, ConnectionContext c) {
        if (state == State.RAW_TOKENS) return rawToken(frame, c);
        if (state == State.FAILED) return new Close(null, "authentication already failed");
        if (frame.remaining() < 4) return refuse(c, "sent a request frame of " + frame.remaining() + " bytes");
        short keyId = frame.getShort(frame.position());
        ApiKeys key = ApiKeys.hasId(keyId) ? ApiKeys.forId(keyId) : null;
        switch (state) {
            case AUTHENTICATED -> {
                if (key == ApiKeys.SASL_HANDSHAKE) {
                    reauthenticating = true;
                    return handshake(frame, c);
                }
                if (nanoTime.getAsLong() - sessionExpiresAtNanos > 0) {
                    state = State.FAILED;
                    LOG.log(System.Logger.Level.INFO, "Closing connection from " + c.clientAddress() + " on listener "
                            + c.listenerName() + ": the SASL session of " + principal + " expired (connections.max.reauth.ms "
                            + settings.maxReauthMs() + ") and it sent " + key + " without re-authenticating");
                    return new Close(null, "session expired");
                }
                return new Dispatch(c);
            }
            case HANDSHAKE -> {
                if (key == ApiKeys.API_VERSIONS && !reauthenticating) return new Dispatch(c);
                if (key == ApiKeys.SASL_HANDSHAKE) return handshake(frame, c);
                if (key == ApiKeys.SASL_AUTHENTICATE) return illegalState(frame, c, "SaslAuthenticate before SaslHandshake");
                return refuse(c, "sent " + (key == null ? "API key " + keyId : key) + " before authenticating "
                        + "(only ApiVersions, SaslHandshake and SaslAuthenticate are taken then)");
            }
            case AUTHENTICATE -> {
                if (key == ApiKeys.SASL_AUTHENTICATE) return authenticate(frame, c);
                if (key == ApiKeys.SASL_HANDSHAKE) return illegalState(frame, c, "a second SaslHandshake during authentication");
                return refuse(c, "sent " + (key == null ? "API key " + keyId : key) + " during SASL authentication");
            }
            default -> throw new IllegalStateException("state " + state);
        }
    }

    private Outcome handshake(ByteBuffer frame, ConnectionContext c) {
        RequestHeader header = header(frame);
        short version = header.apiVersion();
        SaslHandshakeRequestData request = new SaslHandshakeRequestData(new ByteBufferAccessor(frame), version);
        SaslHandshakeResponseData response = new SaslHandshakeResponseData().setMechanisms(settings.enabledMechanisms());
        String wanted = request.mechanism();
        if (!settings.enabledMechanisms().contains(wanted)) {
            response.setErrorCode(Errors.UNSUPPORTED_SASL_MECHANISM.code());
            return fail(send(header, response), c, "asked for SASL mechanism " + wanted + ", which listener "
                    + c.listenerName() + " does not enable (" + settings.enabledMechanisms() + ")");
        }
        if (reauthenticating && (version == 0 || !wanted.equals(mechanism))) {
            response.setErrorCode(Errors.ILLEGAL_SASL_STATE.code());
            return fail(send(header, response), c, "re-authenticated with " + wanted + " v" + version
                    + " after authenticating with " + mechanism + " (re-authentication keeps the mechanism, v1+)");
        }
        mechanism = wanted;
        server = servers.apply(wanted);
        state = version == 0 ? State.RAW_TOKENS : State.AUTHENTICATE;
        return new Respond(send(header, response), c);
    }

    private Outcome authenticate(ByteBuffer frame, ConnectionContext c) {
        RequestHeader header = header(frame);
        short version = header.apiVersion();
        SaslAuthenticateRequestData request = new SaslAuthenticateRequestData(new ByteBufferAccessor(frame), version);
        SaslAuthenticateResponseData response = new SaslAuthenticateResponseData();
        byte[] challenge;
        try {
            challenge = server.evaluate(request.authBytes());
            if (server.complete()) checkSameUser(server.user());
        } catch (SaslAuthenticationException e) {
            response.setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code()).setErrorMessage(e.getMessage());
            return fail(send(header, response), c, "failed SASL authentication with " + mechanism + ": " + e.getMessage());
        }
        response.setAuthBytes(challenge);
        if (!server.complete()) return new Respond(send(header, response), c);
        ConnectionContext authenticated = completed(c);
        if (version >= 1 && sessionLifetimeMs > 0) response.setSessionLifetimeMs(sessionLifetimeMs);
        return new Respond(send(header, response), authenticated);
    }

    /** A SASL token after a v0 handshake: a bare frame, answered with a bare frame; a failure closes without an answer. */
    private Outcome rawToken(ByteBuffer frame, ConnectionContext c) {
        byte[] token = new byte[frame.remaining()];
        frame.get(token);
        byte[] challenge;
        try {
            challenge = server.evaluate(token);
            if (server.complete()) checkSameUser(server.user());
        } catch (SaslAuthenticationException e) {
            return fail(null, c, "failed SASL authentication with " + mechanism + ": " + e.getMessage());
        }
        Send send = ByteBufferSend.sizePrefixed(ByteBuffer.wrap(challenge));
        return new Respond(send, server.complete() ? completed(c) : c);
    }

    private void checkSameUser(String user) {
        if (reauthenticating && !principal.getName().equals(user)) {
            throw new SaslAuthenticationException("Cannot change principals during re-authentication from "
                    + principal + ": User:" + user);
        }
    }

    private ConnectionContext completed(ConnectionContext c) {
        principal = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, server.user());
        state = State.AUTHENTICATED;
        authenticatedOnce = true;
        reauthenticating = false;
        long lifetime = settings.maxReauthMs();
        if (lifetime > 0) {
            // As Kafka: an expiring credential (an OAuth token) ends the session with it, if sooner.
            long expiresAt = server.credentialExpiresAtMs();
            if (expiresAt != Long.MAX_VALUE) lifetime = Math.max(1, Math.min(lifetime, expiresAt - System.currentTimeMillis()));
        }
        sessionLifetimeMs = lifetime;
        sessionExpiresAtNanos = lifetime > 0 ? nanoTime.getAsLong() + lifetime * 1_000_000L : Long.MAX_VALUE;
        return c.withPrincipal(principal);
    }

    private Outcome illegalState(ByteBuffer frame, ConnectionContext c, String what) {
        RequestHeader header = header(frame);
        ApiMessage response;
        if (header.apiKey() == ApiKeys.SASL_HANDSHAKE) {
            response = new SaslHandshakeResponseData().setErrorCode(Errors.ILLEGAL_SASL_STATE.code())
                    .setMechanisms(settings.enabledMechanisms());
        } else {
            response = new SaslAuthenticateResponseData().setErrorCode(Errors.ILLEGAL_SASL_STATE.code())
                    .setErrorMessage("Unexpected " + what).setAuthBytes(new byte[0]);
        }
        return fail(send(header, response), c, "sent " + what);
    }

    /** Closes after {@code response} (null: at once), logging {@code why} once for this connection. */
    private Outcome fail(Send response, ConnectionContext c, String why) {
        state = State.FAILED;
        LOG.log(System.Logger.Level.WARNING, "Closing connection from " + c.clientAddress() + " on listener "
                + c.listenerName() + ": it " + why);
        return new Close(response, why);
    }

    private Outcome refuse(ConnectionContext c, String why) {
        return fail(null, c, why);
    }

    /** Reads the header, leaving {@code frame} at the body. */
    private static RequestHeader header(ByteBuffer frame) {
        return RequestHeader.parse(frame);
    }

    private static Send send(RequestHeader header, ApiMessage response) {
        short version = header.apiVersion();
        return SendBuilder.buildResponseSend(new ResponseHeader(header.correlationId(),
                header.apiKey().responseHeaderVersion(version)), response, version);
    }

    /** The SCRAM mechanism of a name this listener enables. */
    static ScramMechanism scramMechanism(String name) {
        return ScramMechanism.fromMechanismName(name);
    }
}
