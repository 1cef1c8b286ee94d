package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * SaslHandshake and SaslAuthenticate where no SASL exchange is expected: on a listener without SASL,
 * or on a SASL connection already authenticated and not re-authenticating (the connection's
 * authenticator answers every other case before a request reaches the dispatcher). Answered
 * {@code ILLEGAL_SASL_STATE}, as Kafka does. Registered so ApiVersions advertises both APIs, which
 * the Kafka clients read before they authenticate. Stateless.
 */
public final class SaslOutsideAuthenticationHandler implements ApiHandler<ApiMessage> {
    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, ApiMessage request) {
        ApiMessage response = switch (ctx.header().apiKey()) {
            case SASL_HANDSHAKE -> new SaslHandshakeResponseData().setErrorCode(Errors.ILLEGAL_SASL_STATE.code())
                    .setMechanisms(List.of());
            case SASL_AUTHENTICATE -> new SaslAuthenticateResponseData().setErrorCode(Errors.ILLEGAL_SASL_STATE.code())
                    .setErrorMessage("SaslAuthenticate request received after successful authentication or on a "
                            + "listener without SASL (" + ctx.listenerName() + ")").setAuthBytes(new byte[0]);
            default -> throw new IllegalArgumentException("Not a SASL API: " + ctx.header().apiKey());
        };
        return CompletableFuture.completedFuture(response);
    }
}
