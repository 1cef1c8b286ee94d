package io.tributary.broker.cluster;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotControllerException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.protocol.Errors;
import org.jgroups.raft.Options;
import org.jgroups.raft.RaftHandle;

import java.io.File;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * This node's seat in the metadata quorum: proposes {@link MetadataCommand}s through jgroups-raft
 * (any node may propose; REDIRECT forwards to the Raft leader) and publishes every applied
 * {@link ClusterImage} to the local listeners.
 *
 * <p>Images reach listeners in version order on one thread ({@code tributary-metadata}), never on
 * Raft's own thread, so a slow listener cannot stall the quorum. {@link #propose} completes once
 * the command is committed by a majority <em>and</em> applied by this node's listeners.
 */
public final class MetadataQuorum implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MetadataQuorum.class.getName());

    private final ClusterChannel channel;
    private final MetadataStateMachine stateMachine;
    private final RaftHandle raft;
    private final ExecutorService publisher;
    private final java.util.concurrent.ScheduledExecutorService watchdogTimer;
    private final ElectionWatchdog watchdog;
    private final List<Consumer<ClusterImage>> listeners = new CopyOnWriteArrayList<>();
    private final Object appliedLock = new Object();
    private volatile ClusterImage published = ClusterImage.EMPTY;
    private final java.util.TreeMap<Long, List<CompletableFuture<Void>>> versionWaiters = new java.util.TreeMap<>();
    private final long requestTimeoutMs;
    /** The newest image applied, whether or not listeners have seen it yet. Publisher thread only. */
    private ClusterImage latest = ClusterImage.EMPTY;
    /** The version the log had when this node's catch-up marker committed; -1 until then. */
    private volatile long catchUpVersion = -1;
    private volatile boolean caughtUp;
    private volatile boolean closed;

    public MetadataQuorum(ClusterConfig config, File metaDir) throws Exception {
        this.requestTimeoutMs = config.requestTimeoutMs();
        this.publisher = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tributary-metadata-" + config.nodeId());
            t.setDaemon(true);
            return t;
        });
        this.stateMachine = new MetadataStateMachine(image -> publisher.execute(() -> publish(image)));
        this.channel = new ClusterChannel(config, new File(metaDir, "raft"));
        this.raft = new RaftHandle(channel.channel(), stateMachine);
        long fd = config.failureDetectionTimeoutMs();
        this.watchdog = new ElectionWatchdog(channel.raft(), channel.election(), Math.max(2000, fd),
                Math.max(1000, fd / 2), System::currentTimeMillis);
        this.watchdogTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tributary-election-watchdog-" + config.nodeId());
            t.setDaemon(true);
            return t;
        });
    }

    public void addListener(Consumer<ClusterImage> listener) {
        listeners.add(listener);
    }

    /**
     * Joins the cluster. Listeners see no image until this node has caught up with the quorum: the
     * entries replayed from the local Raft log at start describe the past (leaders long replaced,
     * topics not yet created) and acting on them would be wrong. Catching up means committing a
     * {@link MetadataCommand.Noop} and applying everything up to it; listeners then get the current
     * image, and every later one in order.
     */
    public void connect() throws Exception {
        channel.connect();
        watchdogTimer.scheduleWithFixedDelay(this::checkElection, 250, 250, TimeUnit.MILLISECONDS);
        Thread sync = new Thread(this::catchUp, "tributary-metadata-catch-up");
        sync.setDaemon(true);
        sync.start();
    }

    private void catchUp() {
        byte[] noop = MetadataCodec.encode(new MetadataCommand.Noop());
        while (!closed && catchUpVersion < 0) {
            try {
                if (raft.leader() == null) {
                    Thread.sleep(100);
                    continue;
                }
                byte[] answer = raft.setAsync(noop, 0, noop.length, Options.create(false))
                        .get(requestTimeoutMs, TimeUnit.MILLISECONDS);
                MetadataStateMachine.Result result = MetadataStateMachine.Result.decode(answer);
                if (result.error() != Errors.NONE) continue;
                catchUpVersion = result.version();
                publisher.execute(() -> publish(latest));
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                LOG.log(System.Logger.Level.DEBUG, "Catching up with the metadata quorum: " + e);
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private void checkElection() {
        try {
            watchdog.check(channel.channel().getView());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Checking the metadata quorum's leader failed", e);
        }
    }

    /** True once this node has applied the metadata committed before it joined. */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** Publisher thread only. */
    private void publish(ClusterImage image) {
        if (image.version() >= latest.version()) latest = image;
        if (!caughtUp) {
            long target = catchUpVersion;
            if (target < 0 || latest.version() < target) return;
            caughtUp = true;
            LOG.log(System.Logger.Level.INFO, "Node caught up with the metadata quorum at version " + latest.version());
            image = latest;
        } else if (image.version() < published.version()) {
            return;
        }
        deliver(image);
    }

    private void deliver(ClusterImage image) {
        for (Consumer<ClusterImage> l : listeners) {
            try {
                l.accept(image);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "Applying metadata version " + image.version() + " failed", e);
            }
        }
        List<CompletableFuture<Void>> done = new java.util.ArrayList<>();
        synchronized (appliedLock) {
            published = image;
            appliedLock.notifyAll();
            var head = versionWaiters.headMap(image.version(), true);
            head.values().forEach(done::addAll);
            head.clear();
        }
        done.forEach(f -> f.complete(null));
    }

    /** The latest image every local listener has seen. */
    public ClusterImage image() {
        return published;
    }

    /**
     * Proposes {@code command}; the future yields the state machine's answer once this node has
     * applied it, or fails with a Kafka {@link TimeoutException} / {@link NotControllerException}.
     */
    public CompletableFuture<Errors> propose(MetadataCommand command) {
        byte[] bytes = MetadataCodec.encode(command);
        CompletableFuture<byte[]> raw;
        try {
            raw = raft.setAsync(bytes, 0, bytes.length, Options.create(false));
        } catch (Exception e) {
            return CompletableFuture.failedFuture(new NotControllerException(
                    "The metadata quorum cannot take " + command.getClass().getSimpleName() + ": " + e.getMessage()));
        }
        return raw.orTimeout(requestTimeoutMs, TimeUnit.MILLISECONDS).<MetadataStateMachine.Result>handle((answer, error) -> {
            if (error != null) {
                Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                if (cause instanceof java.util.concurrent.TimeoutException) {
                    throw new TimeoutException("The metadata quorum did not commit " + command.getClass().getSimpleName()
                            + " within " + requestTimeoutMs + " ms (no majority of the voters reachable?)");
                }
                throw new NotControllerException("The metadata quorum refused " + command.getClass().getSimpleName()
                        + ": " + cause);
            }
            return MetadataStateMachine.Result.decode(answer);
        }).thenCompose(result -> whenPublished(result.version()).thenApply(v -> result.error()));
    }

    /** Proposes and waits; a Kafka exception on failure. */
    public Errors proposeAndWait(MetadataCommand command) {
        try {
            return propose(command).get(requestTimeoutMs + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeoutException("Interrupted while waiting for the metadata quorum");
        } catch (java.util.concurrent.TimeoutException e) {
            throw new TimeoutException("The metadata quorum did not answer within " + requestTimeoutMs + " ms");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new NotControllerException(String.valueOf(e.getCause()));
        }
    }

    /**
     * Waits up to {@code maxWaitMs} until the published image has {@code tp}; true when it has.
     * Blocks the calling thread.
     */
    public boolean awaitPartition(TopicPartition tp, long maxWaitMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMs);
        synchronized (appliedLock) {
            while (published.partition(tp).isEmpty()) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0 || closed) return false;
                try {
                    appliedLock.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * Waits, at most {@code maxWaitMs}, until this node has applied every change the quorum had
     * committed when the call began: commits a no-op and waits for its image to be published.
     * Returns quietly when that does not happen in time.
     */
    public void catchUp(long maxWaitMs) {
        try {
            propose(new MetadataCommand.Noop()).get(maxWaitMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.log(System.Logger.Level.DEBUG, "Catching up with the metadata quorum: " + e);
        }
    }

    /** Completes once the local listeners have seen image {@code version} (or a later one). */
    private CompletableFuture<Void> whenPublished(long version) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        synchronized (appliedLock) {
            if (published.version() >= version) return CompletableFuture.completedFuture(null);
            versionWaiters.computeIfAbsent(version, v -> new java.util.ArrayList<>()).add(f);
        }
        return f.orTimeout(requestTimeoutMs, TimeUnit.MILLISECONDS);
    }

    /** True while this node knows a Raft leader, i.e. it is on the side of the majority. */
    public boolean hasQuorum() {
        return raft.leader() != null;
    }

    /** True on the node whose Raft role is leader: it acts as the cluster's controller. */
    public boolean isController() {
        return raft.isLeader();
    }

    /** The node id of the Raft leader, or -1 when none is known. */
    public int controllerId() {
        Integer id = raft.leader() == null ? null : ClusterChannel.nodeIdOf(raft.leader());
        return id == null ? -1 : id;
    }

    public ClusterChannel channel() {
        return channel;
    }

    public RaftHandle raft() {
        return raft;
    }

    @Override
    public void close() {
        closed = true;
        watchdogTimer.shutdownNow();
        channel.close();
        publisher.shutdown();
        try {
            publisher.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
