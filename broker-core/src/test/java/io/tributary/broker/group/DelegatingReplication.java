package io.tributary.broker.group;

import io.tributary.broker.log.AppendOrigin;
import io.tributary.broker.cluster.BrokerRegistration;
import io.tributary.broker.cluster.PartitionRegistration;
import io.tributary.broker.cluster.Replication;
import io.tributary.broker.log.LogAppendInfo;
import io.tributary.broker.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.MemoryRecords;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A {@link Replication} that passes everything to another; tests override what they change. */
abstract class DelegatingReplication implements Replication {
    protected final Replication delegate;

    DelegatingReplication(Replication delegate) {
        this.delegate = delegate;
    }

    @Override
    public List<BrokerRegistration> liveBrokers() {
        return delegate.liveBrokers();
    }

    @Override
    public boolean cutOff() {
        return delegate.cutOff();
    }

    @Override
    public int controllerId() {
        return delegate.controllerId();
    }

    @Override
    public Optional<PartitionRegistration> partitionState(TopicPartition tp) {
        return delegate.partitionState(tp);
    }

    @Override
    public void awaitPartition(TopicPartition tp) {
        delegate.awaitPartition(tp);
    }

    @Override
    public PartitionLog leaderLog(TopicPartition tp, int currentLeaderEpoch) {
        return delegate.leaderLog(tp, currentLeaderEpoch);
    }

    @Override
    public int leaderEpoch(TopicPartition tp) {
        return delegate.leaderEpoch(tp);
    }

    @Override
    public CompletableFuture<LogAppendInfo> appendAsLeader(TopicPartition tp, MemoryRecords records, short acks,
                                                           AppendOrigin origin, long timeoutMs) {
        return delegate.appendAsLeader(tp, records, acks, origin, timeoutMs);
    }
}
