package io.tributary.broker.cluster;

import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Keeps partition leadership in line with the live nodes. Every node runs one; only the one whose
 * Raft role is leader acts (the controller). On each pass, and whenever the view changes, it
 * proposes for each partition:
 * <ul>
 *   <li>a new leader when the leader is not live: the first live replica in the ISR, with the
 *   leader epoch bumped; with no live ISR member and {@code unclean.leader.election.enable=false}
 *   the partition goes offline (the ISR is kept so a returning member can lead again); with it
 *   true, the first live replica;</li>
 *   <li>an ISR without the members that are not live;</li>
 *   <li>the preferred (first assigned) replica back as leader once it is live and in the ISR
 *   ({@code auto.leader.rebalance.enable});</li>
 *   <li>for a leader in controlled shutdown, another live in-sync replica as leader (the ISR
 *   unchanged, so nothing acknowledged is lost); a node in controlled shutdown is elected only
 *   when no other in-sync replica is live.</li>
 * </ul>
 * It also registers this node as a broker. Proposals carry the partition epoch they were computed
 * from, so a stale one is refused by the state machine.
 *
 * <p>Thread safety: all work runs on one scheduler thread ({@code tributary-controller}).
 */
public final class QuorumController implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(QuorumController.class.getName());

    private final ClusterConfig config;
    private final MetadataQuorum quorum;
    private final Supplier<BrokerRegistration> self;
    private final Function<String, Boolean> uncleanAllowed;
    private final ScheduledExecutorService executor;
    private final Map<TopicPartition, Integer> inFlight = new ConcurrentHashMap<>();
    private volatile boolean registering;
    private volatile boolean stopping;

    /**
     * @param self this node's broker registration, or null for a controller-only node
     * @param uncleanAllowed whether a topic allows unclean leader election
     */
    public QuorumController(ClusterConfig config, MetadataQuorum quorum, Supplier<BrokerRegistration> self,
                            Function<String, Boolean> uncleanAllowed) {
        this.config = config;
        this.quorum = quorum;
        this.self = self;
        this.uncleanAllowed = uncleanAllowed;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tributary-controller-" + config.nodeId());
            t.setDaemon(true);
            return t;
        });
    }

    public void start() {
        executor.scheduleWithFixedDelay(this::runSafely, 0, 200, TimeUnit.MILLISECONDS);
        quorum.channel().addViewListener(live -> trigger());
        quorum.addListener(image -> trigger());
    }

    private void trigger() {
        try {
            executor.execute(this::runSafely);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // shutting down
        }
    }

    private void runSafely() {
        try {
            registerSelf();
            if (quorum.isController()) reconcile();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Controller pass failed", e);
        }
    }

    private void registerSelf() {
        BrokerRegistration me = self.get();
        if (me == null || registering || stopping || !quorum.hasQuorum()) return;
        ClusterImage image = quorum.image();
        if (me.equals(image.brokers().get(me.nodeId())) && !image.shuttingDown().contains(me.nodeId())) return;
        registering = true;
        quorum.propose(new MetadataCommand.RegisterBroker(me)).whenComplete((e, t) -> registering = false);
    }

    private void reconcile() {
        ClusterImage image = quorum.image();
        Set<Integer> live = quorum.channel().liveNodes();
        for (TopicImage topic : image.topics().values()) {
            for (int p = 0; p < topic.partitions().size(); p++) {
                TopicPartition tp = new TopicPartition(topic.name(), p);
                PartitionRegistration state = topic.partitions().get(p);
                Integer pending = inFlight.get(tp);
                if (pending != null && pending == state.partitionEpoch()) continue;
                PartitionRegistration wanted = decide(topic.name(), state, live, image.shuttingDown());
                if (wanted == null) continue;
                propose(tp, state, wanted.leader(), wanted.isr());
            }
        }
    }

    /** The leader and ISR the partition should have, or null when it is fine as it is. */
    PartitionRegistration decide(String topic, PartitionRegistration state, Set<Integer> live, Set<Integer> shuttingDown) {
        List<Integer> liveIsr = new ArrayList<>();
        for (int r : state.isr()) if (live.contains(r)) liveIsr.add(r);
        Integer eligible = null;
        for (int r : state.replicas()) {
            if (liveIsr.contains(r) && !shuttingDown.contains(r)) {
                eligible = r;
                break;
            }
        }
        if (state.hasLeader() && live.contains(state.leader())) {
            if (shuttingDown.contains(state.leader())) {
                return eligible == null ? null : state.change(eligible, liveIsr);
            }
            if (liveIsr.size() < state.isr().size()) return state.change(state.leader(), liveIsr);
            int preferred = state.replicas().get(0);
            if (config.autoLeaderRebalance() && preferred != state.leader() && live.contains(preferred)
                    && state.isr().contains(preferred) && !shuttingDown.contains(preferred)) {
                return state.change(preferred, state.isr());
            }
            return null;
        }
        if (eligible != null) return state.change(eligible, liveIsr);
        for (int r : state.replicas()) {
            if (liveIsr.contains(r)) return state.change(r, liveIsr);
        }
        if (uncleanAllowed.apply(topic)) {
            for (int r : state.replicas()) {
                if (live.contains(r)) {
                    LOG.log(System.Logger.Level.WARNING, "Unclean leader election for " + topic + ": node " + r
                            + " is not in the ISR " + state.isr());
                    return state.change(r, List.of(r));
                }
            }
        }
        if (state.hasLeader()) return state.change(PartitionRegistration.NO_LEADER, state.isr());
        return null;
    }

    private void propose(TopicPartition tp, PartitionRegistration from, int leader, List<Integer> isr) {
        inFlight.put(tp, from.partitionEpoch());
        LOG.log(System.Logger.Level.INFO, "Controller " + config.nodeId() + ": " + tp + " leader " + from.leader()
                + " -> " + leader + ", ISR " + from.isr() + " -> " + isr);
        quorum.propose(new MetadataCommand.ChangePartition(tp.topic(), tp.partition(), from.partitionEpoch(), leader, isr))
                .whenComplete((e, t) -> inFlight.remove(tp, from.partitionEpoch()));
    }

    /**
     * Begins this node's controlled shutdown: it stops registering itself and asks the quorum to move
     * its leaderships away; the future completes once that is committed.
     */
    public java.util.concurrent.CompletableFuture<org.apache.kafka.common.protocol.Errors> beginShutdown() {
        stopping = true;
        return quorum.propose(new MetadataCommand.BeginShutdown(config.nodeId()));
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
