package io.tributary.broker.network;

import io.netty.channel.Channel;

/**
 * Whether one connection reads from its socket: it does while none of the reasons to stop is set
 * (Netty's auto-read). Several parts stop reads for their own reason and open them again only for
 * that reason, so one cannot undo another's pause: the connection's request queue is full
 * ({@link #QUEUE_FULL}), the client is muted for its quota's throttle time ({@link #MUTED}), or
 * the broker's request bounds are reached ({@link #NO_MEMORY}, see {@link RequestQueueLimits}).
 *
 * <p>Thread safety: confined to the channel's event loop.
 */
final class ReadGate {
    static final int QUEUE_FULL = 1;
    static final int MUTED = 2;
    static final int NO_MEMORY = 4;

    private final Channel channel;
    private int reasons;

    ReadGate(Channel channel) {
        this.channel = channel;
    }

    void close(int reason) {
        reasons |= reason;
        channel.config().setAutoRead(false);
    }

    void open(int reason) {
        reasons &= ~reason;
        if (reasons == 0) channel.config().setAutoRead(true);
    }

    boolean isClosed(int reason) {
        return (reasons & reason) != 0;
    }
}
