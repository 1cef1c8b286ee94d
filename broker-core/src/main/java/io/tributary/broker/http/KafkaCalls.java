package io.tributary.broker.http;

import io.tributary.broker.api.RequestDispatcher;
import io.tributary.broker.network.BrokerClient;
import io.tributary.broker.network.ConnectionContext;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.auth.SecurityProtocol;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The REST API's way into the broker: a Kafka request message served in-process by the broker's
 * {@link RequestDispatcher} (the same handlers and ACL checks as the Kafka listeners, no socket),
 * on behalf of the HTTP request's principal, and Kafka's errors turned into v3's error responses
 * ({@link #error}). Thread-safe (the dispatcher is).
 */
final class KafkaCalls {
    static final String CLIENT_ID = "tributary-rest";

    private final RequestDispatcher dispatcher;
    /** The Kafka listener whose addresses the REST API shows for brokers (the inter-broker one). */
    private final String listenerName;
    private final long timeoutMs;
    /** This node's id. */
    private final int nodeId;
    /** Sends the requests another node must answer, over the cluster link's inter-broker connections. */
    private final BrokerClient forwarder;

    KafkaCalls(RequestDispatcher dispatcher, String listenerName, long timeoutMs, int nodeId, BrokerClient forwarder) {
        this.dispatcher = dispatcher;
        this.listenerName = listenerName;
        this.timeoutMs = timeoutMs;
        this.nodeId = nodeId;
        this.forwarder = forwarder;
    }

    int nodeId() {
        return nodeId;
    }

    /**
     * The response of broker {@code node} to {@code request}: served here when {@code node} is this
     * node, else sent to it on its inter-broker listener. Only for a request this node has already
     * served for the HTTP principal and answered {@code NOT_LEADER_OR_FOLLOWER} or
     * {@code NOT_COORDINATOR}: the dispatcher authorizes every resource before a handler looks at
     * leadership or coordination, so that answer means the principal may make the request; the
     * other broker serves it as a request of this broker (as it serves transaction markers), so with
     * an authorizer this node's principal must be allowed it there (a super user, as brokers are).
     *
     * @throws RestException 503 when the other broker cannot be reached or does not answer in time
     */
    @SuppressWarnings("unchecked")
    <R extends ApiMessage> R callOn(HttpRequest who, int node, ApiMessage request, int version) {
        if (node == nodeId || forwarder == null) return call(who, request, version);
        MetadataResponseData.MetadataResponseBroker broker = liveBroker(who, node);
        ApiKeys api = ApiKeys.forId(request.apiKey());
        AbstractRequest forwarded = AbstractRequest.parseRequest(api, (short) version,
                MessageUtil.toByteBufferAccessor(request, (short) version)).request;
        try {
            return (R) forwarder.send(broker.host(), broker.port(), forwarded).data();
        } catch (java.io.IOException e) {
            throw new RestException(503, RestException.KAFKA_RETRIABLE_ERROR, "Broker " + node + " at " + broker.host()
                    + ":" + broker.port() + " could not be reached for " + api.name + ": " + e.getMessage());
        }
    }

    /**
     * {@link #call}, or, when this node refuses the request as a whole because another node
     * coordinates its group ({@code NOT_COORDINATOR}, after authorizing it), the response of that
     * node, {@code coordinator}'s answer ({@link #callOn}).
     */
    <R extends ApiMessage> R callOrForward(HttpRequest who, ApiMessage request, int version, java.util.function.IntSupplier coordinator) {
        try {
            return call(who, request, version);
        } catch (RestException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.NotCoordinatorException)) throw e;
            int node = coordinator.getAsInt();
            if (node < 0 || node == nodeId) throw e;
            return callOn(who, node, request, version);
        }
    }

    /** Live broker {@code node} with its inter-broker address, from a Metadata request for no topics. */
    private MetadataResponseData.MetadataResponseBroker liveBroker(HttpRequest who, int node) {
        MetadataResponseData md = call(who, new MetadataRequestData().setTopics(new java.util.ArrayList<>())
                .setAllowAutoTopicCreation(false), ClustersResource.METADATA_VERSION);
        MetadataResponseData.MetadataResponseBroker broker = md.brokers().find(node);
        if (broker == null) {
            throw new RestException(503, RestException.KAFKA_RETRIABLE_ERROR, "Broker " + node + " is not live");
        }
        return broker;
    }

    /**
     * The response to {@code request}, as version {@code version} of its API (pinned by each caller to
     * the version whose fields it fills in), sent by {@code who}.
     *
     * @throws RestException for a request the broker refuses as a whole (403 not authorized, …) or
     *                       that does not complete within the timeout (504)
     */
    @SuppressWarnings("unchecked")
    <R extends ApiMessage> R call(HttpRequest who, ApiMessage request, int version) {
        ConnectionContext connection = new ConnectionContext(who.peer(), listenerName, SecurityProtocol.PLAINTEXT,
                who.principal());
        try {
            return (R) dispatcher.serveInternally(connection, CLIENT_ID, request, (short) version).get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RestException(503, RestException.KAFKA_RETRIABLE_ERROR, "Interrupted while the broker was answering");
        } catch (TimeoutException e) {
            throw new RestException(504, RestException.KAFKA_RETRIABLE_ERROR, "The broker did not answer "
                    + ApiMessageNames.of(request) + " within " + timeoutMs + " ms");
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            RestException rest = error(Errors.forException(cause), cause.getMessage());
            rest.initCause(cause);
            throw rest;
        }
    }

    /** Throws v3's error for a non-zero Kafka error code in a response. */
    static void check(short errorCode, String message) {
        if (errorCode != Errors.NONE.code()) throw error(Errors.forCode(errorCode), message);
    }

    /**
     * v3's answer to a Kafka error, as Kafka REST maps Kafka's exceptions: authentication 401/40101,
     * authorization 403/40301, unknown topic or partition 404/40403, a request Kafka refuses (topic
     * exists, invalid partitions, replication factor, configuration, request, policy) 400/40002,
     * throttling 429/42901, another retriable error 500/50003, anything else 500/50002.
     */
    static RestException error(Errors error, String message) {
        ApiException e = error.exception(message == null || message.isBlank() ? null : message);
        String text = e.getMessage() == null ? error.message() : e.getMessage();
        if (e instanceof AuthenticationException) return new RestException(401, RestException.KAFKA_AUTHENTICATION, text);
        if (e instanceof AuthorizationException) return new RestException(403, RestException.KAFKA_AUTHORIZATION, text);
        return switch (error) {
            case UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID -> new RestException(404, RestException.KAFKA_UNKNOWN_TOPIC_PARTITION, text);
            case TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR, INVALID_CONFIG, INVALID_REQUEST,
                 POLICY_VIOLATION, INVALID_TOPIC_EXCEPTION, TOPIC_DELETION_DISABLED, UNSUPPORTED_VERSION,
                 SECURITY_DISABLED, INVALID_REPLICA_ASSIGNMENT, RECORD_LIST_TOO_LARGE, MESSAGE_TOO_LARGE,
                 INVALID_RECORD, CORRUPT_MESSAGE, UNKNOWN_SERVER_ERROR ->
                    new RestException(400, RestException.KAFKA_BAD_REQUEST, text);
            case THROTTLING_QUOTA_EXCEEDED -> new RestException(429, RestException.TOO_MANY_REQUESTS, text);
            default -> new RestException(500, e instanceof RetriableException ? RestException.KAFKA_RETRIABLE_ERROR
                    : RestException.KAFKA_ERROR, text);
        };
    }

    /** Names a request's API for messages ({@code CreateTopics}). */
    private static final class ApiMessageNames {
        static String of(ApiMessage request) {
            return org.apache.kafka.common.protocol.ApiKeys.forId(request.apiKey()).name;
        }
    }
}
