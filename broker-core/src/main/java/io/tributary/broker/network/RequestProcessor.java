package io.tributary.broker.network;

import org.apache.kafka.common.network.Send;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * Turns one request frame (without its length prefix) into the response to send. A future
 * completing with null means no response (produce with {@code acks=0}); one completing with a
 * {@link CloseAfterSend} closes the connection once the response is written. A future failing with
 * {@link ConnectionCloseException} closes the connection after logging the reason.
 */
public interface RequestProcessor {
    CompletableFuture<Send> process(ByteBuffer frame, ConnectionContext connection);

    /** Thrown when a request cannot be answered in a form the client could parse. */
    final class ConnectionCloseException extends RuntimeException {
        public ConnectionCloseException(String message) {
            super(message);
        }
    }
}
