package io.tributary.broker.quota;

import io.tributary.broker.network.RequestContext;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * How long a client should hold back after a response, Kafka's {@code throttle_time_ms}: the
 * {@code RequestDispatcher} asks once per response, in one place, and writes a positive value
 * into the response's {@code throttle_time_ms} field (clients then wait that long before their
 * next request to this broker) and mutes the connection for that time. {@link #NONE} throttles
 * nothing; {@link ClientQuotas} applies the client quotas. Implementations must be thread-safe and
 * must not block: they run on the I/O threads.
 */
@FunctionalInterface
public interface ThrottlePolicy {
    ThrottlePolicy NONE = (context, response) -> 0;

    /** The throttle time for {@code response}, the answer to the request of {@code context}; 0 for none. */
    int throttleTimeMs(RequestContext context, ApiMessage response);

    /**
     * What a request cost, for quotas: its size in bytes (the frame without its length prefix) and
     * the time its handler ran on the request thread, in nanoseconds.
     */
    record RequestCost(int requestBytes, long threadNanos) {
    }

    /**
     * The throttle time for {@code response} (null for a Produce request with {@code acks=0}),
     * knowing the request and its cost. A policy may change {@code response} (Kafka answers a
     * throttled Fetch with no data). By default {@link #throttleTimeMs(RequestContext, ApiMessage)}.
     */
    default int throttleTimeMs(RequestContext context, ApiMessage request, ApiMessage response, RequestCost cost) {
        return response == null ? 0 : throttleTimeMs(context, response);
    }

    /**
     * The most bytes a Fetch of {@code context} may return under its quota (Kafka caps a fetch at
     * what the quota allows over its window); {@link Integer#MAX_VALUE} when unlimited.
     */
    default int maxFetchBytes(RequestContext context) {
        return Integer.MAX_VALUE;
    }

    /**
     * Takes {@code partitions} mutations (partitions created or deleted) from the client's
     * controller mutation quota. When {@code strict} (the request versions of KIP-599) and the
     * quota is already exceeded, takes nothing and returns false: the caller answers
     * {@code THROTTLING_QUOTA_EXCEEDED} for that topic.
     */
    default boolean recordMutations(RequestContext context, int partitions, boolean strict) {
        return true;
    }
}
