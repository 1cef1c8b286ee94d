package io.tributary.broker.cluster;

import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.FD_SOCK2;

/**
 * JGroups' {@code FD_SOCK2} with its outgoing connections bound to the node's own address: the
 * stock protocol binds its server socket to {@code bind_addr} but leaves its client sockets on the
 * wildcard address, so on loopback its link to the next member comes from 127.0.0.1 whatever the
 * node's address, and a network rule that cuts the node off by address leaves that link (and the
 * failure detection riding on it) up. Otherwise the same protocol, with FD_SOCK2's protocol id.
 */
public final class NodeBoundFdSock extends FD_SOCK2 {
    public NodeBoundFdSock() {
        // Speaks as FD_SOCK2: its headers carry FD_SOCK2's protocol id.
        setId(ClassConfigurator.getProtocolId(FD_SOCK2.class));
    }

    @Override
    public void start() throws Exception {
        super.start();
        srv.clientBindAddress(bind_addr);
    }
}
