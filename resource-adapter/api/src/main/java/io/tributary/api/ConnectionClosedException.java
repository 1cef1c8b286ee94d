package io.tributary.api;

/** Thrown by a send on a connection that was closed (by the application or by the server). */
public class ConnectionClosedException extends TributaryException {
    public ConnectionClosedException(String message) {
        super(message);
    }
}
