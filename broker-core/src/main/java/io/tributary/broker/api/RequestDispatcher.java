package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import io.tributary.broker.network.RequestProcessor;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.protocol.SendBuilder;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Parses request frames with kafka-clients' generated message classes, routes them to their
 * {@link ApiHandler} and serializes the response in the request's version.
 *
 * <p>Errors are answered in a form the client understands: an unsupported ApiVersions version gets
 * a v0 ApiVersions response with {@code UNSUPPORTED_VERSION} (so the client retries lower); an API
 * the broker does not implement gets that API's error response with {@code UNSUPPORTED_VERSION};
 * a body that cannot be parsed gets the API's error response with {@code INVALID_REQUEST}; a
 * handler failure gets the error code of its exception. Only a frame whose API key or header
 * cannot be read, or whose version no codec knows, closes the connection — with the reason logged.
 *
 * <p>Thread-safe: stateless apart from the immutable handler table.
 */
public final class RequestDispatcher implements RequestProcessor {
    private static final System.Logger LOG = System.getLogger(RequestDispatcher.class.getName());

    private final Map<ApiKeys, ApiHandler<? extends ApiMessage>> handlers;
    private final SupportedApis supported;

    public RequestDispatcher(Map<ApiKeys, ApiHandler<? extends ApiMessage>> handlers) {
        this.handlers = new EnumMap<>(handlers);
        this.supported = new SupportedApis(this.handlers.keySet());
    }

    public SupportedApis supportedApis() {
        return supported;
    }

    @Override
    public CompletableFuture<Send> process(ByteBuffer frame, SocketAddress client) {
        if (frame.remaining() < 8) {
            throw new ConnectionCloseException("request frame of " + frame.remaining() + " bytes is too short for a header");
        }
        short keyId = frame.getShort(frame.position());
        short version = frame.getShort(frame.position() + 2);
        if (!ApiKeys.hasId(keyId)) {
            throw new ConnectionCloseException("unknown API key " + keyId);
        }
        ApiKeys key = ApiKeys.forId(keyId);
        RequestHeader header;
        try {
            header = RequestHeader.parse(frame);
        } catch (RuntimeException e) {
            if (key == ApiKeys.API_VERSIONS) {
                return CompletableFuture.completedFuture(apiVersionsFallback(frame.getInt(4)));
            }
            throw new ConnectionCloseException("unreadable header for " + key + " v" + version + ": " + e.getMessage());
        }
        RequestContext ctx = new RequestContext(header, client);
        if (key == ApiKeys.API_VERSIONS && !supported.supports(key, version)) {
            return CompletableFuture.completedFuture(apiVersionsFallback(header.correlationId()));
        }
        boolean codecKnowsVersion = version >= key.oldestVersion() && version <= key.latestVersion(true);
        if (!supported.supports(key, version)) {
            if (!codecKnowsVersion) {
                throw new ConnectionCloseException(key + " v" + version + " is not supported (supported: "
                        + (supported.supports(key) ? "see ApiVersions" : "none") + ")");
            }
            return CompletableFuture.completedFuture(errorResponse(header, frame.slice(),
                    new UnsupportedVersionException(key + " v" + version + " is not supported by this broker")));
        }
        ByteBuffer body = frame.slice();
        ApiMessage request;
        try {
            request = ApiMessageType.fromApiKey(keyId).newRequest();
            request.read(new ByteBufferAccessor(body.duplicate()), version);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "Cannot parse " + key + " v" + version + " from " + client, e);
            return CompletableFuture.completedFuture(errorResponse(header, null,
                    new InvalidRequestException("Cannot parse " + key + " v" + version + " request: " + e)));
        }
        @SuppressWarnings("unchecked")
        ApiHandler<ApiMessage> handler = (ApiHandler<ApiMessage>) handlers.get(key);
        CompletableFuture<ApiMessage> response;
        try {
            response = handler.handle(ctx, request);
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        }
        return response.handle((data, error) -> {
            if (error == null) {
                return data == null ? null : SendBuilder.buildResponseSend(responseHeader(header), data, version);
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof ConnectionCloseException cce) throw cce;
            if (Errors.forException(cause) == Errors.UNKNOWN_SERVER_ERROR) {
                LOG.log(System.Logger.Level.ERROR, "Unexpected error serving " + key + " v" + version + " for " + client, cause);
            }
            return errorResponse(header, body, cause);
        });
    }

    private static ResponseHeader responseHeader(RequestHeader header) {
        return new ResponseHeader(header.correlationId(), header.apiKey().responseHeaderVersion(header.apiVersion()));
    }

    /**
     * The API's own error response for {@code error}, built by kafka-clients from the request (or,
     * when the body is unreadable, from an empty request of the same API and version).
     */
    private Send errorResponse(RequestHeader header, ByteBuffer body, Throwable error) {
        ApiKeys key = header.apiKey();
        short version = header.apiVersion();
        AbstractRequest request;
        try {
            request = AbstractRequest.parseRequest(key, version, new ByteBufferAccessor(body.duplicate())).request;
        } catch (RuntimeException | Error parseFailure) {
            try {
                ApiMessage empty = ApiMessageType.fromApiKey(key.id).newRequest();
                ByteBuffer bytes = MessageUtil.toByteBufferAccessor(empty, version).buffer();
                request = AbstractRequest.parseRequest(key, version, new ByteBufferAccessor(bytes)).request;
            } catch (RuntimeException e) {
                throw new ConnectionCloseException("cannot build an error response for " + key + " v" + version
                        + " (" + error.getMessage() + ")");
            }
        }
        AbstractResponse response = request.getErrorResponse(0, error);
        if (response == null) return null;
        return SendBuilder.buildResponseSend(responseHeader(header), response.data(), version);
    }

    /** ApiVersions v0 with UNSUPPORTED_VERSION and the supported ranges, as Kafka answers unknown versions. */
    private Send apiVersionsFallback(int correlationId) {
        ApiVersionsResponseData data = new ApiVersionsResponseData()
                .setErrorCode(Errors.UNSUPPORTED_VERSION.code())
                .setApiKeys(supported.asCollection());
        return SendBuilder.buildResponseSend(new ResponseHeader(correlationId, (short) 0), data, (short) 0);
    }
}
