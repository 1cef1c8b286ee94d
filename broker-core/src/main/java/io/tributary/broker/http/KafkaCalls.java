package io.tributary.broker.http;

import io.tributary.broker.api.RequestDispatcher;
import io.tributary.broker.network.ConnectionContext;
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

    KafkaCalls(RequestDispatcher dispatcher, String listenerName, long timeoutMs) {
        this.dispatcher = dispatcher;
        this.listenerName = listenerName;
        this.timeoutMs = timeoutMs;
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
            throw error(Errors.forException(cause), cause.getMessage());
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
