package io.tributary.broker.cluster;

import org.jgroups.Event;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.stack.Protocol;
import org.jgroups.stack.ProtocolStack;
import org.jgroups.util.MessageBatch;

import java.util.Iterator;

/**
 * A test protocol that silently drops, in both directions, every message carrying the header of
 * one protocol: inserted right below that protocol, it cuts one kind of traffic (Raft's log
 * replication, the replication fork's fetches) while membership, failure detection and everything
 * else go on. Dropped Raft messages are sent again by Raft; dropped fetches time out and are retried.
 * While {@link #passing} is true it lets everything through.
 */
final class HeaderFilter extends Protocol {
    private final short[] headerIds;
    volatile boolean passing;

    private HeaderFilter(short... headerIds) {
        this.headerIds = headerIds;
    }

    /** Inserts a filter for {@code protocols}' headers right below {@code below} in {@code channel}'s stack. */
    @SafeVarargs
    static HeaderFilter insertBelow(JChannel channel, Class<? extends Protocol> below,
                                    Class<? extends Protocol>... protocols) throws Exception {
        short[] ids = new short[protocols.length];
        for (int i = 0; i < protocols.length; i++) ids[i] = ClassConfigurator.getProtocolId(protocols[i]);
        HeaderFilter f = new HeaderFilter(ids);
        f.setAddress(channel.getAddress());
        channel.getProtocolStack().insertProtocol(f, ProtocolStack.Position.BELOW, below);
        return f;
    }

    private boolean drop(Message msg) {
        if (passing) return false;
        for (short id : headerIds) if (msg.getHeader(id) != null) return true;
        return false;
    }

    @Override
    public Object down(Message msg) {
        return drop(msg) ? null : down_prot.down(msg);
    }

    @Override
    public Object down(Event evt) {
        return down_prot.down(evt);
    }

    @Override
    public Object up(Message msg) {
        return drop(msg) ? null : up_prot.up(msg);
    }

    @Override
    public void up(MessageBatch batch) {
        for (Iterator<Message> it = batch.iterator(); it.hasNext(); ) if (drop(it.next())) it.remove();
        if (!batch.isEmpty()) up_prot.up(batch);
    }
}
