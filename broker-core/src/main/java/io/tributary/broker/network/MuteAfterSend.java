package io.tributary.broker.network;

import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;

import java.io.IOException;

/**
 * A response (or, for a Produce request with {@code acks=0}, no response) after which the
 * connection is muted for {@code throttleTimeMs}, as Kafka mutes a client over its quota
 * (KIP-219): the response is written at once, then nothing more is read from or processed for
 * the connection until the time has passed. Immutable; writes delegate to the wrapped send.
 */
public final class MuteAfterSend implements Send {
    private final Send response;
    private final int throttleTimeMs;

    /** @param response the response to write first, or null for none */
    public MuteAfterSend(Send response, int throttleTimeMs) {
        this.response = response;
        this.throttleTimeMs = throttleTimeMs;
    }

    /** The response to write, or null. */
    Send response() {
        return response;
    }

    public int throttleTimeMs() {
        return throttleTimeMs;
    }

    @Override
    public boolean completed() {
        return response == null || response.completed();
    }

    @Override
    public long writeTo(TransferableChannel channel) throws IOException {
        return response == null ? 0 : response.writeTo(channel);
    }

    @Override
    public long size() {
        return response == null ? 0 : response.size();
    }
}
