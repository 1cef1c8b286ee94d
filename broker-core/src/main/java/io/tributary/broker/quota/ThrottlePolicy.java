package io.tributary.broker.quota;

import io.tributary.broker.network.RequestContext;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * How long a client should hold back after a response, Kafka's {@code throttle_time_ms}: the
 * {@code RequestDispatcher} asks once per response, in one place, and writes a positive value
 * into the response's {@code throttle_time_ms} field (clients then wait that long before their
 * next request to this broker). {@link #NONE} until quotas exist. Implementations must be
 * thread-safe and must not block: they run on the I/O threads.
 */
@FunctionalInterface
public interface ThrottlePolicy {
    ThrottlePolicy NONE = (context, response) -> 0;

    /** The throttle time for {@code response}, the answer to the request of {@code context}; 0 for none. */
    int throttleTimeMs(RequestContext context, ApiMessage response);
}
