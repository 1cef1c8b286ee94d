package io.tributary.broker.cluster;

import io.tributary.broker.log.FetchIsolation;
import io.tributary.broker.log.LogReadResult;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.quota.ReplicationQuota;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Records;
import org.jgroups.Message;
import org.jgroups.blocks.RequestHandler;
import org.jgroups.blocks.Response;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The leader's side of replication: answers the replica fetches followers send on the replication
 * channel. Each partition's fetch is first recorded by its {@link Partition} (epochs, the follower's
 * progress, the ISR, the high watermark); the records are then read outside any partition lock. A
 * fetch with nothing to read waits, like a consumer's, in the follower registry of
 * {@link io.tributary.broker.delayed.DelayedFetches} until the log end moves or
 * {@code replica.fetch.wait.max.ms} passes.
 *
 * <p>The leader replication quota applies as in Kafka ({@code ReplicaManager.shouldLeaderThrottle}):
 * a partition throttled on this node whose follower is not in the ISR gets no records while the
 * quota is exceeded (it is otherwise answered as usual: epochs, progress, high watermark), and does
 * not count as data that completes a waiting fetch; the records of throttled partitions in every
 * answer sent are recorded into the quota. A fetch held back by the quota waits until the quota
 * allows more records or {@code replica.fetch.wait.max.ms} passes, whichever comes first (Kafka
 * waits the whole time, which at rates of more than {@code replica.fetch.max.bytes} per wait gives
 * the follower less than the rate).
 *
 * <p>Stateless apart from its collaborators; called on JGroups' threads and the fetch timer.
 */
final class FollowerFetchServer implements RequestHandler {
    private final Function<TopicPartition, Partition> partitions;
    private final ReplicaContext ctx;
    private final ReplicationQuota leaderQuota;

    FollowerFetchServer(Function<TopicPartition, Partition> partitions, ReplicaContext ctx, ReplicationQuota leaderQuota) {
        this.partitions = partitions;
        this.ctx = ctx;
        this.leaderQuota = leaderQuota;
    }

    @Override
    public Object handle(Message msg) {
        throw new UnsupportedOperationException("replica fetches are answered asynchronously");
    }

    @Override
    public void handle(Message msg, Response response) throws Exception {
        ReplicaFetch.Request request = ReplicaFetch.decodeRequest(msg.getArray(), msg.getOffset(), msg.getLength());
        boolean[] heldBack = {false};
        ReplicaFetch.Response first = serve(request, heldBack);
        if (first.bytes() > 0 || hasError(first)) {
            send(response, first);
            return;
        }
        Set<TopicPartition> parts = new HashSet<>();
        for (ReplicaFetch.PartitionRequest p : request.partitions()) parts.add(p.tp());
        // A fetch the quota held back waits only until the quota allows more (when that is sooner):
        // the records are there, only the rate kept them back.
        long waitMs = ctx.config().replicaFetchWaitMaxMs();
        if (heldBack[0]) waitMs = Math.max(1, Math.min(waitMs, leaderQuota.throttleTimeMs()));
        ctx.delayedFetches().followers().park(parts, force -> {
            ReplicaFetch.Response r = serve(request, new boolean[1]);
            if (force || r.bytes() > 0 || hasError(r)) {
                send(response, r);
                return true;
            }
            return false;
        }, waitMs);
    }

    /** Records the bytes of throttled partitions into the leader quota (Kafka records them as it answers), then answers. */
    private void send(Response response, ReplicaFetch.Response r) {
        long throttledBytes = 0;
        for (ReplicaFetch.PartitionResponse p : r.partitions()) {
            if (p.records().length > 0 && leaderQuota.isThrottled(p.tp())) throttledBytes += p.records().length;
        }
        leaderQuota.record(throttledBytes);
        response.send(ReplicaFetch.encode(r), false);
    }

    private static boolean hasError(ReplicaFetch.Response r) {
        for (ReplicaFetch.PartitionResponse p : r.partitions()) {
            if (p.error() != Errors.NONE || p.divergingEpoch() >= 0) return true;
        }
        return false;
    }

    /** The answer to {@code request} now; sets {@code heldBack[0]} when the leader quota kept a partition's records back. */
    private ReplicaFetch.Response serve(ReplicaFetch.Request request, boolean[] heldBack) {
        List<ReplicaFetch.PartitionResponse> out = new ArrayList<>(request.partitions().size());
        int remaining = ctx.config().replicaFetchResponseMaxBytes();
        for (ReplicaFetch.PartitionRequest p : request.partitions()) {
            ReplicaFetch.PartitionResponse resp = serveOne(request.followerId(), p,
                    Math.min(remaining, ctx.config().replicaFetchMaxBytes()), out.isEmpty() || remaining > 0, heldBack);
            remaining -= resp.records().length;
            out.add(resp);
        }
        return new ReplicaFetch.Response(out);
    }

    private ReplicaFetch.PartitionResponse serveOne(int followerId, ReplicaFetch.PartitionRequest p, int maxBytes,
                                                     boolean mayRead, boolean[] heldBack) {
        Partition partition = partitions.apply(p.tp());
        if (partition == null) return ReplicaFetch.PartitionResponse.error(p.tp(), Errors.NOT_LEADER_OR_FOLLOWER);
        Optional<ReplicaFetch.PartitionResponse> answer = partition.onFollowerFetch(followerId, p);
        if (answer.isPresent()) return answer.get();
        PartitionLog log = partition.log();
        byte[] records = new byte[0];
        // Kafka reads and then drops a throttled partition's records; they are not read at all here.
        boolean throttled = leaderQuota.isThrottled(p.tp()) && !partition.isInSync(followerId)
                && leaderQuota.isQuotaExceeded();
        if (throttled && p.fetchOffset() < log.logEndOffset()) heldBack[0] = true;
        if (mayRead && maxBytes > 0 && !throttled) {
            try {
                LogReadResult read = log.read(p.fetchOffset(), maxBytes, true, FetchIsolation.LOG_END);
                records = toBytes(read.records());
            } catch (OffsetOutOfRangeException e) {
                return new ReplicaFetch.PartitionResponse(p.tp(), Errors.OFFSET_OUT_OF_RANGE, log.highWatermark(),
                        log.logStartOffset(), -1, -1, new byte[0]);
            }
        }
        return new ReplicaFetch.PartitionResponse(p.tp(), Errors.NONE, log.highWatermark(), log.logStartOffset(),
                -1, -1, records);
    }

    private static byte[] toBytes(Records records) {
        int size = records.sizeInBytes();
        if (size == 0) return new byte[0];
        ByteBuffer buf = ByteBuffer.allocate(size);
        if (records instanceof MemoryRecords m) {
            buf.put(m.buffer().duplicate());
        } else if (records instanceof FileRecords f) {
            try {
                f.readInto(buf, 0);
            } catch (IOException e) {
                throw new KafkaStorageException("Cannot read " + f + ": " + e.getMessage(), e);
            }
        } else {
            throw new IllegalStateException("Unexpected records type " + records.getClass());
        }
        return buf.array();
    }
}
