package io.tributary.broker.cluster;

import io.tributary.broker.quota.ReplicationQuota;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The thread that copies, for every partition this node follows with the same leader, the
 * leader's log into the local one: it asks from its log end offset with the epoch of its last
 * batch, appends what comes back, truncates where the leader reports divergence, and moves the
 * local high watermark up to the leader's.
 *
 * <p>The follower replication quota applies as in Kafka's fetcher ({@code shouldFollowerThrottle}): a
 * partition throttled on this node is left out of the fetch while the quota is exceeded, unless it
 * is in sync (its log end had reached the leader's high watermark at the last answer); the records
 * received for throttled partitions are recorded into the quota. When every partition is left out
 * the fetcher waits until the quota allows more (at most {@value #MAX_THROTTLED_WAIT_MS} ms, Kafka's
 * {@code replica.fetch.backoff.ms}), or until a partition is added.
 *
 * <p>One fetcher per leader node; partitions are added and removed from any thread (a concurrent
 * set); the fetch loop runs on the fetcher's own thread only. {@link #shutdown} interrupts the
 * thread only while it waits (for the leader's answer, or to retry), never while it writes the log:
 * an interrupt during file I/O closes the log's channel. Applying an answer and shutting down are
 * serialized by {@code applying}.
 */
final class ReplicaFetcher {
    private static final System.Logger LOG = System.getLogger(ReplicaFetcher.class.getName());

    /** The longest the fetcher waits when the follower quota holds back every partition it fetches. */
    static final long MAX_THROTTLED_WAIT_MS = 1_000;

    private final ReplicaManager manager;
    private final int leaderId;
    private final ClusterConfig config;
    private final ReplicationQuota quota;
    private final Set<TopicPartition> partitions = ConcurrentHashMap.newKeySet();
    /** The leader's high watermark in its last answer for each partition; the fetch thread's own. */
    private final Map<TopicPartition, Long> leaderHighWatermarks = new HashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    /** Held while an answer is applied to the logs; {@link #shutdown} takes it to interrupt safely. */
    private final Object applying = new Object();

    ReplicaFetcher(ReplicaManager manager, int leaderId, ClusterConfig config, ReplicationQuota quota) {
        this.manager = manager;
        this.leaderId = leaderId;
        this.config = config;
        this.quota = quota;
        this.thread = new Thread(this::run, "tributary-replica-fetcher-" + manager.nodeId() + "-from-" + leaderId);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    void add(TopicPartition tp) {
        partitions.add(tp);
        synchronized (this) {
            notifyAll();
        }
    }

    void remove(TopicPartition tp) {
        partitions.remove(tp);
    }

    /** Stops the loop; returns once the thread has ended (at most {@code timeoutMs}). */
    void shutdown(long timeoutMs) throws InterruptedException {
        synchronized (applying) {
            running = false;
            thread.interrupt();
        }
        thread.join(timeoutMs);
    }

    /** Kafka's {@code isReplicaInSync}: the fetch starts at or past the leader's last high watermark. */
    private boolean inSync(ReplicaFetch.PartitionRequest p) {
        Long hw = leaderHighWatermarks.get(p.tp());
        return hw != null && p.fetchOffset() >= hw;
    }

    private void run() {
        while (running && !manager.isClosed()) {
            try {
                List<ReplicaFetch.PartitionRequest> wanted = new ArrayList<>();
                boolean heldBack = false;
                for (TopicPartition tp : partitions) {
                    ReplicaFetch.PartitionRequest p = manager.fetchRequest(tp, leaderId);
                    if (p == null) {
                        partitions.remove(tp);
                    } else if (quota.shouldThrottle(tp, inSync(p))) {
                        heldBack = true;
                    } else {
                        wanted.add(p);
                    }
                }
                leaderHighWatermarks.keySet().retainAll(partitions);
                if (wanted.isEmpty()) {
                    synchronized (this) {
                        if (partitions.isEmpty()) wait(200);
                        else if (heldBack) wait(Math.max(1, Math.min(MAX_THROTTLED_WAIT_MS, quota.throttleTimeMs())));
                    }
                    continue;
                }
                ReplicaFetch.Response response = manager.sendFetch(leaderId,
                        new ReplicaFetch.Request(manager.nodeId(), config.replicaFetchResponseMaxBytes(), wanted));
                if (response == null) {
                    Thread.sleep(100);
                    continue;
                }
                Map<TopicPartition, ReplicaFetch.PartitionRequest> sent = new HashMap<>();
                for (ReplicaFetch.PartitionRequest p : wanted) sent.put(p.tp(), p);
                boolean errorsOnly = true;
                synchronized (applying) {
                    if (!running) return;
                    Thread.interrupted(); // an interrupt meant for the wait must not reach the file I/O
                    for (ReplicaFetch.PartitionResponse p : response.partitions()) {
                        ReplicaFetch.PartitionRequest req = sent.get(p.tp());
                        if (req == null) continue;
                        if (p.error() == org.apache.kafka.common.protocol.Errors.NONE) {
                            errorsOnly = false;
                            leaderHighWatermarks.put(p.tp(), p.highWatermark());
                        }
                        manager.applyFetched(leaderId, req, p);
                        if (p.records().length > 0 && quota.isThrottled(p.tp())) quota.record(p.records().length);
                    }
                }
                // A leader that answers only errors has not caught up with the metadata yet.
                if (errorsOnly) Thread.sleep(50);
            } catch (InterruptedException e) {
                if (!running) return;
            } catch (Exception e) {
                if (!running || manager.isClosed()) return;
                LOG.log(System.Logger.Level.INFO, "Fetch from node " + leaderId + " failed: " + e);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    if (!running) return;
                }
            }
        }
    }
}
