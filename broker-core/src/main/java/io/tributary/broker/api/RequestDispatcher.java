package io.tributary.broker.api;

import io.tributary.broker.metrics.RequestMetrics;
import io.tributary.broker.network.CloseAfterSend;
import io.tributary.broker.network.ConnectionContext;
import io.tributary.broker.network.MuteAfterSend;
import io.tributary.broker.network.RequestContext;
import io.tributary.broker.network.RequestProcessor;
import io.tributary.broker.quota.ThrottlePolicy;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.protocol.SendBuilder;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * Parses request frames with kafka-clients' generated message classes, routes them to their
 * {@link ApiHandler} and serializes the response in the request's version.
 *
 * <p>Errors are answered in a form the client understands: an unsupported ApiVersions version gets
 * a v0 ApiVersions response with {@code UNSUPPORTED_VERSION} (so the client retries lower); an API
 * the broker does not implement gets that API's error response with {@code UNSUPPORTED_VERSION};
 * a body that cannot be parsed gets the API's error response with {@code INVALID_REQUEST} (for
 * Produce, on each partition named before the body broke off); a handler failure gets the error
 * code of its exception, except an {@link Error}, which closes the connection. Only a frame whose API key or header cannot be read, whose version no
 * codec knows, or whose unparseable body leaves no response able to show the error, closes the
 * connection — with the reason logged.
 *
 * <p>Two seams for security and quotas, each applied in one place: before a handler runs, every
 * resource the request names is checked with the {@link RequestPolicies#authorizer()} (a denial of
 * what the request as a whole needs is answered with the API's error response and the
 * authorization error; a denied resource among others is taken out of the request and answered
 * with its error beside the handler's answers, as Kafka does); every response, an error
 * response included, gets the {@link RequestPolicies#throttle()} time in its
 * {@code throttle_time_ms}, and the connection is muted for that time ({@link MuteAfterSend}). The
 * policy is told what the request cost (its bytes, its handler's time on the request thread). The
 * defaults allow everything and throttle nothing.
 *
 * <p>With {@link RequestMetrics}, the error codes of every response it sends are counted
 * ({@code ErrorsPerSec}, see {@link ResponseErrors}).
 *
 * <p>Thread-safe: stateless apart from the immutable handler table and the policies (which are
 * thread-safe themselves).
 */
public final class RequestDispatcher implements RequestProcessor {
    private static final System.Logger LOG = System.getLogger(RequestDispatcher.class.getName());

    private final Map<ApiKeys, ApiHandler<? extends ApiMessage>> handlers;
    private final SupportedApis supported;
    private final RequestAuthorization authorization;
    private final ThrottlePolicy throttle;
    /** Where the error codes of responses are counted ({@code ErrorsPerSec}); null counts nothing. */
    private final RequestMetrics metrics;

    public RequestDispatcher(Map<ApiKeys, ApiHandler<? extends ApiMessage>> handlers) {
        this(handlers, RequestPolicies.DEFAULTS, topicId -> Optional.empty());
    }

    /** @param topicNames the name of a topic id, so requests naming topics by id are authorized by name */
    public RequestDispatcher(Map<ApiKeys, ApiHandler<? extends ApiMessage>> handlers, RequestPolicies policies,
                             Function<Uuid, Optional<String>> topicNames) {
        this(handlers, policies, topicNames, topic -> true, false);
    }

    /**
     * @param topicExists      whether a topic exists, so a Metadata request that would auto-create
     *                         one is checked for CREATE
     * @param autoCreateTopics {@code auto.create.topics.enable}
     */
    public RequestDispatcher(Map<ApiKeys, ApiHandler<? extends ApiMessage>> handlers, RequestPolicies policies,
                             Function<Uuid, Optional<String>> topicNames, java.util.function.Predicate<String> topicExists,
                             boolean autoCreateTopics) {
        this(handlers, policies, topicNames, topicExists, autoCreateTopics, null);
    }

    /** @param metrics where the error codes of responses are counted ({@link ResponseErrors}), or null */
    public RequestDispatcher(Map<ApiKeys, ApiHandler<? extends ApiMessage>> handlers, RequestPolicies policies,
                             Function<Uuid, Optional<String>> topicNames, java.util.function.Predicate<String> topicExists,
                             boolean autoCreateTopics, RequestMetrics metrics) {
        this.metrics = metrics;
        this.handlers = new EnumMap<>(handlers);
        this.supported = new SupportedApis(this.handlers.keySet());
        this.authorization = new RequestAuthorization(policies.authorizer(), topicNames, topicExists, autoCreateTopics);
        this.throttle = policies.throttle();
    }

    public SupportedApis supportedApis() {
        return supported;
    }

    @Override
    public CompletableFuture<Send> process(ByteBuffer frame, ConnectionContext connection) {
        SocketAddress client = connection.clientAddress();
        int requestBytes = frame.remaining();
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
        RequestContext ctx = new RequestContext(header, connection);
        if (key == ApiKeys.API_VERSIONS && !supported.supports(key, version)) {
            return CompletableFuture.completedFuture(apiVersionsFallback(header.correlationId()));
        }
        boolean codecKnowsVersion = version >= key.oldestVersion() && version <= key.latestVersion(true);
        if (!supported.supports(key, version)) {
            if (!codecKnowsVersion) {
                throw new ConnectionCloseException(key + " v" + version + " is not supported (supported: "
                        + (supported.supports(key) ? "see ApiVersions" : "none") + ")");
            }
            return CompletableFuture.completedFuture(errorResponse(ctx, frame.slice(),
                    new UnsupportedVersionException(key + " v" + version + " is not supported by this broker")));
        }
        ByteBuffer body = frame.slice();
        ApiMessage request;
        try {
            request = ApiMessageType.fromApiKey(keyId).newRequest();
            request.read(new ByteBufferAccessor(body.duplicate()), version);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "Cannot parse " + key + " v" + version + " from " + client, e);
            return CompletableFuture.completedFuture(unparseableResponse(header, body,
                    new InvalidRequestException("Cannot parse " + key + " v" + version + " request: " + e)));
        }
        @SuppressWarnings("unchecked")
        ApiHandler<ApiMessage> handler = (ApiHandler<ApiMessage>) handlers.get(key);
        CompletableFuture<ApiMessage> response;
        long started = System.nanoTime();
        try {
            PartialAuthorization.Outcome authorized = authorization.authorize(ctx, key, request);
            response = authorized.answer() != null ? CompletableFuture.completedFuture(authorized.answer())
                    : handler.handle(ctx, request).thenApply(authorized.complete());
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        }
        ThrottlePolicy.RequestCost cost = new ThrottlePolicy.RequestCost(requestBytes, System.nanoTime() - started);
        return response.handle((data, error) -> {
            if (error == null) {
                if (data == null) {
                    int ms = throttle.throttleTimeMs(ctx, request, null, cost); // acks=0: no answer, but muted
                    return ms > 0 ? new MuteAfterSend(null, ms) : null;
                }
                int ms = throttle.throttleTimeMs(ctx, request, data, cost);
                if (ms > 0) ThrottleTimeField.set(data, ms);
                if (metrics != null) ResponseErrors.count(key, data, metrics);
                Send send = SendBuilder.buildResponseSend(responseHeader(header), data, version);
                if (handler.closesConnectionAfterResponse()) return new CloseAfterSend(send);
                return ms > 0 ? new MuteAfterSend(send, ms) : send;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof ConnectionCloseException cce) throw cce;
            if (cause instanceof Error e) throw e; // the connection closes and logs it, as for one thrown at once
            if (Errors.forException(cause) == Errors.UNKNOWN_SERVER_ERROR) {
                LOG.log(System.Logger.Level.ERROR, "Unexpected error serving " + key + " v" + version + " for " + client, cause);
            }
            return errorResponse(ctx, body, cause);
        });
    }

    /**
     * Serves {@code request} for a caller inside the broker that is not a Kafka connection (the REST
     * API), as version {@code version} of its API: the same authorization as a request that came
     * on a connection with {@code connection}'s principal (a denied resource among others answered
     * with its error in the response, a denial of the whole request the future's
     * {@link org.apache.kafka.common.errors.AuthorizationException}) and the same handler. Neither
     * throttled nor counted in {@code ErrorsPerSec}: those describe the Kafka listeners.
     */
    public CompletableFuture<ApiMessage> serveInternally(ConnectionContext connection, String clientId, ApiMessage request,
                                                         short version) {
        ApiKeys key = ApiKeys.forId(request.apiKey());
        @SuppressWarnings("unchecked")
        ApiHandler<ApiMessage> handler = (ApiHandler<ApiMessage>) handlers.get(key);
        if (handler == null || !supported.supports(key, version)) {
            return CompletableFuture.failedFuture(new UnsupportedVersionException(key + " v" + version
                    + " is not served by this broker"));
        }
        RequestContext ctx = new RequestContext(new RequestHeader(key, version, clientId, 0), connection);
        try {
            PartialAuthorization.Outcome authorized = authorization.authorize(ctx, key, request);
            return authorized.answer() != null ? CompletableFuture.completedFuture(authorized.answer())
                    : handler.handle(ctx, request).thenApply(authorized.complete());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The one place a throttle time is applied: the policy's value goes into {@code throttle_time_ms}. */
    private ApiMessage throttled(RequestContext ctx, ApiMessage response) {
        int ms = throttle.throttleTimeMs(ctx, response);
        if (ms > 0) ThrottleTimeField.set(response, ms);
        return response;
    }

    private static ResponseHeader responseHeader(RequestHeader header) {
        return new ResponseHeader(header.correlationId(), header.apiKey().responseHeaderVersion(header.apiVersion()));
    }

    /**
     * The API's own error response for {@code error}, built by kafka-clients from the request (or,
     * when the body is unreadable, from an empty request of the same API and version).
     */
    private Send errorResponse(RequestContext ctx, ByteBuffer body, Throwable error) {
        RequestHeader header = ctx.header();
        AbstractResponse response = errorResponseData(header, body, error);
        if (response == null) return null;
        if (metrics != null) {
            response.errorCounts().forEach((e, count) -> metrics.markError(header.apiKey(), e.code(), count));
        }
        return SendBuilder.buildResponseSend(responseHeader(header), throttled(ctx, response.data()), header.apiVersion());
    }

    private static AbstractResponse errorResponseData(RequestHeader header, ByteBuffer body, Throwable error) {
        ApiKeys key = header.apiKey();
        short version = header.apiVersion();
        AbstractRequest request;
        try {
            if (body == null) throw new InvalidRequestException("no readable body");
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
        return request.getErrorResponse(0, error);
    }

    /**
     * The answer to a request whose body cannot be parsed (typically cut short). A Produce response
     * has no top-level error code, so the error is reported on each partition named before the body
     * broke off; other APIs get their error response for an empty request. When that answer would
     * not show the client the error — no partition could be read, {@code acks=0}, or the API reports
     * errors only per resource — the connection is closed instead, as Kafka does, rather than
     * sending nothing or an answer that looks like success.
     */
    private static Send unparseableResponse(RequestHeader header, ByteBuffer body, InvalidRequestException error) {
        AbstractResponse response = header.apiKey() == ApiKeys.PRODUCE
                ? produceErrorFromPrefix(body, header.apiVersion(), error)
                : errorResponseData(header, null, error);
        if (response == null || !response.errorCounts().containsKey(Errors.INVALID_REQUEST)) {
            throw new ConnectionCloseException(error.getMessage() + " (no response can report the error)");
        }
        return SendBuilder.buildResponseSend(responseHeader(header), response.data(), header.apiVersion());
    }

    /**
     * {@code error} for every partition of a Produce request (v3+) whose index could be read before
     * {@code body} ends or stops making sense; null when {@code acks=0} or no partition was read.
     */
    private static ProduceResponse produceErrorFromPrefix(ByteBuffer body, short version, InvalidRequestException error) {
        boolean flexible = version >= 9;
        ByteBufferAccessor in = new ByteBufferAccessor(body.duplicate());
        List<ProduceResponseData.TopicProduceResponse> topics = new ArrayList<>();
        try {
            int transactionalIdLength = flexible ? in.readUnsignedVarint() - 1 : in.readShort();
            if (transactionalIdLength > 0) in.readByteBuffer(transactionalIdLength);
            if (in.readShort() == 0) return null; // acks=0: the client expects no response
            in.readInt(); // timeoutMs
            int topicCount = flexible ? in.readUnsignedVarint() - 1 : in.readInt();
            for (int t = 0; t < topicCount; t++) {
                ProduceResponseData.TopicProduceResponse topic = new ProduceResponseData.TopicProduceResponse();
                topics.add(topic);
                if (version >= 13) topic.setTopicId(in.readUuid());
                else topic.setName(in.readString(flexible ? in.readUnsignedVarint() - 1 : in.readShort()));
                int partitionCount = flexible ? in.readUnsignedVarint() - 1 : in.readInt();
                for (int p = 0; p < partitionCount; p++) {
                    topic.partitionResponses().add(new ProduceResponseData.PartitionProduceResponse()
                            .setIndex(in.readInt()).setErrorCode(Errors.INVALID_REQUEST.code())
                            .setErrorMessage(error.getMessage()).setBaseOffset(-1).setLogAppendTimeMs(-1)
                            .setLogStartOffset(-1));
                    int recordsLength = flexible ? in.readUnsignedVarint() - 1 : in.readInt();
                    if (recordsLength > 0) in.readByteBuffer(recordsLength);
                    if (flexible) skipTaggedFields(in);
                }
                if (flexible) skipTaggedFields(in);
            }
        } catch (RuntimeException endOfReadableBytes) {
            // answer for the partitions read so far
        }
        ProduceResponseData response = new ProduceResponseData();
        for (ProduceResponseData.TopicProduceResponse topic : topics) {
            if (!topic.partitionResponses().isEmpty()) response.responses().add(topic);
        }
        return response.responses().isEmpty() ? null : new ProduceResponse(response);
    }

    private static void skipTaggedFields(ByteBufferAccessor in) {
        int count = in.readUnsignedVarint();
        for (int i = 0; i < count; i++) {
            in.readUnsignedVarint(); // tag
            in.readByteBuffer(in.readUnsignedVarint());
        }
    }

    /** ApiVersions v0 with UNSUPPORTED_VERSION and the supported ranges, as Kafka answers unknown versions. */
    private Send apiVersionsFallback(int correlationId) {
        ApiVersionsResponseData data = new ApiVersionsResponseData()
                .setErrorCode(Errors.UNSUPPORTED_VERSION.code())
                .setApiKeys(supported.asCollection());
        return SendBuilder.buildResponseSend(new ResponseHeader(correlationId, (short) 0), data, (short) 0);
    }
}
