package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import org.apache.kafka.common.protocol.ApiMessage;

import java.util.concurrent.CompletableFuture;

/**
 * Serves one Kafka API. Receives the parsed request body and returns the response body; the
 * dispatcher adds the header and serializes it in the request's version. Exceptions become the
 * API's error response with {@code Errors.forException(e)}.
 */
public interface ApiHandler<Q extends ApiMessage> {
    CompletableFuture<ApiMessage> handle(RequestContext ctx, Q request);

    /** True when the connection is to be closed once the response just built has been written. */
    default boolean closesConnectionAfterResponse() {
        return false;
    }
}
