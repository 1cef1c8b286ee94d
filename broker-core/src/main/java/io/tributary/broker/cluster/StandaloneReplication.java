package io.tributary.broker.cluster;

import io.tributary.broker.log.AppendOrigin;
import io.tributary.broker.delayed.DelayedFetches;
import io.tributary.broker.log.LogAppendInfo;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.topic.TopicManager;
import io.tributary.broker.topic.TopicMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.record.MemoryRecords;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Replication of a node on its own: it is the only broker, the controller and the leader (epoch
 * 0) of every partition, whose only in-sync replica it is; every append is committed at once, so
 * an append moves the high watermark and wakes the consumer fetches waiting for it.
 * Stateless apart from its collaborators; thread-safe.
 */
public final class StandaloneReplication implements Replication {
    private final TopicManager topics;
    private final int nodeId;
    private final Supplier<BrokerRegistration> self;
    private final DelayedFetches delayedFetches;

    /** {@code self} is read per call: the advertised port is known only once the listener is bound. */
    public StandaloneReplication(TopicManager topics, int nodeId, Supplier<BrokerRegistration> self,
                                 DelayedFetches delayedFetches) {
        this.topics = topics;
        this.delayedFetches = delayedFetches;
        this.nodeId = nodeId;
        this.self = self;
    }

    @Override
    public List<BrokerRegistration> liveBrokers() {
        return List.of(self.get());
    }

    @Override
    public void awaitPartition(TopicPartition tp) {
        // Topics are created here synchronously: nothing to wait for.
    }

    @Override
    public boolean cutOff() {
        return false;
    }

    @Override
    public int controllerId() {
        return nodeId;
    }

    @Override
    public Optional<PartitionRegistration> partitionState(TopicPartition tp) {
        Optional<TopicMetadata> t = topics.get(tp.topic());
        if (t.isEmpty() || tp.partition() < 0 || tp.partition() >= t.get().partitions()) return Optional.empty();
        List<Integer> me = List.of(nodeId);
        return Optional.of(new PartitionRegistration(me, me, nodeId, 0, 0));
    }

    @Override
    public PartitionLog leaderLog(TopicPartition tp, int currentLeaderEpoch) {
        return topics.log(tp);
    }

    @Override
    public int leaderEpoch(TopicPartition tp) {
        return 0;
    }

    @Override
    public CompletableFuture<LogAppendInfo> appendAsLeader(TopicPartition tp, MemoryRecords records, short acks,
                                                           AppendOrigin origin, long timeoutMs) {
        try {
            PartitionLog log = topics.log(tp);
            int min = log.config().minInsyncReplicas();
            if (acks == -1 && min > 1) {
                throw new NotEnoughReplicasException("The size of the current ISR [" + nodeId + "] of " + tp
                        + " is less than min.insync.replicas " + min);
            }
            LogAppendInfo info = log.append(records, 0, origin);
            if (!info.duplicate()) delayedFetches.onHighWatermark(tp);
            return CompletableFuture.completedFuture(info);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
