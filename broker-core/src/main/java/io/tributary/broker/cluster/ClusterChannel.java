package io.tributary.broker.cluster;

import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.fork.ForkChannel;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.FORK;
import org.jgroups.protocols.FRAG4;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.protocols.raft.ELECTION;
import org.jgroups.protocols.raft.FileBasedLog;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.protocols.raft.REDIRECT;
import org.jgroups.stack.Protocol;
import org.jgroups.util.ExtendedUUID;
import org.jgroups.util.Util;

import java.io.File;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * This node's JGroups channel: a TCP stack bound to the node's address from
 * {@code controller.quorum.voters}, with the Raft protocols for the metadata quorum on the main
 * channel and a fork channel for partition replication on the same stack.
 *
 * <p>Every member's address carries its node id, so views translate to sets of node ids. The set
 * of live nodes ({@link #liveNodes()}) is the current view, which on the minority side of a split
 * holds only that side.
 *
 * <p>With {@code cluster.link.security.protocol=SSL} the transport's sockets are TLS sockets with
 * client authentication required ({@link ClusterLinkTls}), so everything the stack sends (discovery,
 * membership, heartbeats, Raft, replication) is encrypted and comes only from nodes holding a
 * certificate the cluster trusts. {@code FD_SOCK2} is then left out: it opens plain NIO sockets of
 * its own, beside the transport, which TLS cannot cover. Failure detection then rests on the
 * heartbeats of {@code FD_ALL3} (which travel over the TLS connections), so a killed node is noticed
 * after {@code cluster.failure.detection.timeout.ms} instead of at once.
 *
 * <p>Thread safety: the channel is JGroups' own; view listeners run on JGroups' view thread.
 */
public final class ClusterChannel implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ClusterChannel.class.getName());
    private static final String NODE_ID_KEY = "node-id";

    private final ClusterConfig config;
    private final JChannel channel;
    private final ForkChannel replication;
    private final RAFT raft;
    private final ELECTION election = new ELECTION();
    private final List<Consumer<Set<Integer>>> viewListeners = new CopyOnWriteArrayList<>();
    private volatile Set<Integer> liveNodes = Set.of();

    public ClusterChannel(ClusterConfig config, File raftDir) throws Exception {
        this.config = config;
        // Built first: a store that cannot be opened stops the start, naming the setting, before any socket exists.
        ClusterLinkTls linkTls = config.link().enabled() ? new ClusterLinkTls(config.link(), config.nodeId()) : null;
        InetSocketAddress bind = config.bindAddress();
        List<InetSocketAddress> hosts = new ArrayList<>(config.voters().values());
        long fd = config.failureDetectionTimeoutMs();
        TCP tcp = new TCP();
        tcp.setBindAddress(bind.getAddress());
        tcp.setBindPort(bind.getPort());
        tcp.setPortRange(0);
        // Outgoing connections leave from the node's own address, not the wildcard: per-node network
        // rules (and, on a multi-homed host, the route) then apply to all of the node's traffic.
        tcp.setClientBindAddr(bind.getAddress());
        // Sending never waits for one unreachable peer: a queue and a sender thread per destination, a
        // connect that gives up well inside the failure detection time, and writes that queue (bounded,
        // dropped when full and retransmitted by UNICAST3/NAKACK2) instead of blocking on a full socket.
        // Otherwise heartbeats between two healthy nodes queue behind a connect to a silent third.
        tcp.setBundlerType("per-destination");
        tcp.setSockConnTimeout((int) Math.max(100, Math.min(1000, fd / 6)));
        tcp.nonBlockingSends(true);
        tcp.maxSendQueue(1024);
        // A peer that has not completed its TLS handshake after 2 s is dropped (JGroups' own limit for reading
        // a new peer's address is of the same order); the accepting thread is held that long at most.
        if (linkTls != null) tcp.setSocketFactory(linkTls.jgroupsSockets(2000));
        this.raft = new RAFT()
                .members(config.voterIds().stream().map(String::valueOf).toList())
                .raftId(String.valueOf(config.nodeId()))
                .logClass(FileBasedLog.class.getName())
                .logDir(raftDir.getAbsolutePath())
                .logPrefix("metadata")
                // Followers learn of a commit with the next AppendEntries: 100 ms instead of the default 1 s
                // makes a new leader act within a tenth of a second of the controller's decision.
                .resendInterval(100);
        java.nio.file.Files.createDirectories(raftDir.toPath());
        List<Protocol> stack = new ArrayList<>(List.of(
                tcp,
                new TCPPING().setInitialHosts(hosts).setPortRange(0),
                new MERGE3().setMinInterval(1000).setMaxInterval(3000)));
        if (linkTls == null) stack.add(new NodeBoundFdSock().setBindAddress(bind.getAddress()));
        stack.addAll(List.of(
                new FD_ALL3().setTimeout(fd).setInterval(Math.max(100, fd / 4)),
                new VERIFY_SUSPECT2().setTimeout(Math.max(100, fd / 3)),
                new NAKACK2(),
                new UNICAST3(),
                new STABLE(),
                new RestartedMemberReplacement(),
                new GMS().setJoinTimeout(1000).setLeaveTimeout(1000),
                new FRAG4(),
                new FORK(),
                election,
                raft,
                new REDIRECT()));
        this.channel = new JChannel(stack);
        channel.getProtocolStack().getTransport().getDiagnosticsHandler().setEnabled(false);
        String name = "node-" + config.nodeId();
        channel.name(name);
        channel.addAddressGenerator(() -> ExtendedUUID.randomUUID(name)
                .put(NODE_ID_KEY, java.nio.ByteBuffer.allocate(4).putInt(config.nodeId()).array()));
        channel.setReceiver(new Receiver() {
            @Override
            public void viewAccepted(View view) {
                onView(view);
            }
        });
        this.replication = new ForkChannel(channel, "tributary", "replication");
    }

    /** Joins the cluster: the main channel, then the replication fork. */
    public void connect() throws Exception {
        channel.connect(config.clusterName());
        replication.connect("replication");
        onView(channel.getView());
    }

    private void onView(View view) {
        if (view == null) return;
        Set<Integer> ids = new TreeSet<>();
        for (Address a : view.getMembers()) {
            Integer id = nodeIdOf(a);
            if (id != null) ids.add(id);
        }
        Set<Integer> live = Collections.unmodifiableSet(ids);
        if (live.equals(liveNodes)) return;
        liveNodes = live;
        LOG.log(System.Logger.Level.INFO, "Node " + config.nodeId() + " sees live nodes " + live + " (view "
                + view.getViewId() + ", coordinator " + nodeIdOf(view.getCoord()) + ")");
        for (Consumer<Set<Integer>> l : viewListeners) l.accept(live);
    }

    /** The node id carried by a member's address, or null for an address without one. */
    public static Integer nodeIdOf(Address address) {
        if (address instanceof ExtendedUUID u) {
            byte[] b = u.get(NODE_ID_KEY);
            return b == null || b.length != 4 ? null : java.nio.ByteBuffer.wrap(b).getInt();
        }
        return null;
    }

    /** The current member address of node {@code id}, or null when it is not in the view. */
    public Address addressOf(int nodeId) {
        View v = channel.getView();
        if (v == null) return null;
        for (Address a : v.getMembers()) {
            Integer id = nodeIdOf(a);
            if (id != null && id == nodeId) return a;
        }
        return null;
    }

    public void addViewListener(Consumer<Set<Integer>> listener) {
        viewListeners.add(listener);
    }

    public Set<Integer> liveNodes() {
        return liveNodes;
    }

    public JChannel channel() {
        return channel;
    }

    public ForkChannel replicationChannel() {
        return replication;
    }

    public ClusterConfig config() {
        return config;
    }

    public RAFT raft() {
        return raft;
    }

    public ELECTION election() {
        return election;
    }

    @Override
    public void close() {
        Util.close(replication);
        Util.close(channel);
    }
}
