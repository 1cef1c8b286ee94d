package io.tributary.broker.network;

import org.apache.kafka.common.network.Send;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * The authentication of one connection of a SASL listener, consulted by {@link KafkaConnection}
 * for every request frame before the request is dispatched: it answers the frames of the SASL
 * exchange itself (SaslHandshake, SaslAuthenticate, or raw SASL tokens after a v0 handshake), lets
 * through what may be served (ApiVersions before authentication, everything once authenticated),
 * and closes the connection otherwise (another request before authentication, a session that
 * expired). Implemented outside the network layer ({@code security}), made per connection by a
 * {@link Factory}.
 *
 * <p>Thread safety: the connection calls it for one frame at a time, in arrival order, each call
 * after the previous one's future completed; an implementation may keep unsynchronized
 * per-connection state (calls may come from different threads, ordered by the executor hand-offs).
 */
public interface ConnectionAuthenticator {
    /**
     * Decides on {@code frame} (a request without its length prefix) arriving on {@code connection}.
     */
    CompletableFuture<Outcome> onFrame(ByteBuffer frame, ConnectionContext connection);

    /**
     * Whether the connection has authenticated (at least once). Read from the channel's event loop
     * while frames are decoded: an implementation makes it safe to read from any thread.
     */
    boolean authenticated();

    /** The largest frame taken before the connection has authenticated ({@code sasl.server.max.receive.size}). */
    int maxUnauthenticatedFrameBytes();

    /** What to do with one frame. */
    sealed interface Outcome {
    }

    /** Dispatch the frame as a request of {@code connection} (whose principal may have just changed). */
    record Dispatch(ConnectionContext connection) implements Outcome {
    }

    /** Answer with {@code response} (a frame of the SASL exchange) and continue as {@code connection}. */
    record Respond(Send response, ConnectionContext connection) implements Outcome {
    }

    /**
     * Close the connection, after writing {@code response} when there is one (the error of a failed
     * exchange); {@code reason} is for the log, already logged by the authenticator when it says so.
     */
    record Close(Send response, String reason) implements Outcome {
    }

    /** Makes the authenticator of each new connection of a SASL listener. */
    interface Factory {
        ConnectionAuthenticator newConnection(Listener listener);
    }
}
