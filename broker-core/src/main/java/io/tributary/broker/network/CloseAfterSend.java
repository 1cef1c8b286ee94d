package io.tributary.broker.network;

import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;

import java.io.IOException;

/**
 * A response after which the connection is closed: the client reads the answer, then connects to
 * another node for its next request. Immutable; writes delegate to the wrapped send.
 */
public final class CloseAfterSend implements Send {
    private final Send response;

    public CloseAfterSend(Send response) {
        this.response = response;
    }

    Send response() {
        return response;
    }

    @Override
    public boolean completed() {
        return response.completed();
    }

    @Override
    public long writeTo(TransferableChannel channel) throws IOException {
        return response.writeTo(channel);
    }

    @Override
    public long size() {
        return response.size();
    }
}
