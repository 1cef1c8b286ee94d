package io.tributary.broker.api;

import io.tributary.broker.delayed.FetchWaiters;
import io.tributary.broker.log.AbortedTxn;
import io.tributary.broker.log.FetchIsolation;
import io.tributary.broker.log.LogReadResult;
import io.tributary.broker.metrics.BrokerTopicMetrics;
import org.apache.kafka.common.IsolationLevel;
import io.tributary.broker.network.RequestContext;
import io.tributary.broker.topic.TopicManager;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;

import java.util.HashSet;
import java.util.Optional;
import io.tributary.broker.cluster.Replication;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Fetch (v4+): reads each requested partition from its offset, up to the partition's and the
 * response's byte limits (the first batch is returned whole even when larger, as Kafka does), and
 * answers with file regions of the segments, which are sent with zero copy. When fewer than
 * {@code min.bytes} are available the fetch waits up to {@code max.wait.ms} for the high
 * watermark to move ({@code waiters} is the consumer registry of {@link io.tributary.broker.delayed.DelayedFetches}).
 * A {@code read_committed} fetch reads up to the last stable offset and lists the aborted
 * transactions among the records it returns; every fetch reports the last stable offset.
 * Fetch sessions are not kept: every response has session id 0, so clients send full fetches.
 * A fetch below v10 from a topic whose {@code compression.type} is {@code zstd} gets
 * {@code UNSUPPORTED_COMPRESSION_TYPE} for that partition, as in Kafka (which decides on the topic's
 * setting, not on the codec of the stored batches).
 *
 * <p>The answer sent is counted in {@link BrokerTopicMetrics}, once per partition whatever the
 * number of reads a waiting fetch made: a fetch request, the bytes of records sent, a failure.
 */
public final class FetchHandler implements ApiHandler<FetchRequestData> {
    private final TopicManager topics;
    private final FetchWaiters waiters;
    private final int brokerMaxBytes;
    private final Replication replication;
    private final BrokerTopicMetrics metrics;
    private final java.util.function.ToIntFunction<RequestContext> quotaMaxBytes;

    public FetchHandler(TopicManager topics, FetchWaiters waiters, int brokerMaxBytes, Replication replication) {
        this(topics, waiters, brokerMaxBytes, replication, null);
    }

    /** @param metrics where the answers are counted, or null */
    public FetchHandler(TopicManager topics, FetchWaiters waiters, int brokerMaxBytes, Replication replication,
                        BrokerTopicMetrics metrics) {
        this(topics, waiters, brokerMaxBytes, replication, metrics, ctx -> Integer.MAX_VALUE);
    }

    /**
     * @param quotaMaxBytes the most bytes the client's fetch quota allows in one response (Kafka caps
     *                      {@code max_bytes}, and {@code min_bytes} with it, at the quota times its
     *                      window); {@link Integer#MAX_VALUE} without a quota
     */
    public FetchHandler(TopicManager topics, FetchWaiters waiters, int brokerMaxBytes, Replication replication,
                        BrokerTopicMetrics metrics, java.util.function.ToIntFunction<RequestContext> quotaMaxBytes) {
        this.quotaMaxBytes = quotaMaxBytes;
        this.metrics = metrics;
        this.topics = topics;
        this.replication = replication;
        this.waiters = waiters;
        this.brokerMaxBytes = brokerMaxBytes;
    }

    private record Result(FetchResponseData response, int bytes, boolean hasError) {
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, FetchRequestData request) {
        short version = ctx.apiVersion();
        int quotaMax = quotaMaxBytes.applyAsInt(ctx);
        if (quotaMax < Integer.MAX_VALUE && (request.maxBytes() <= 0 || request.maxBytes() > quotaMax)) {
            request.setMaxBytes(quotaMax).setMinBytes(Math.min(request.minBytes(), quotaMax));
        }
        Result first = read(request, version);
        if (request.maxWaitMs() <= 0 || first.bytes() >= request.minBytes() || first.hasError()
                || request.topics().isEmpty()) {
            return CompletableFuture.completedFuture(counted(first.response(), version));
        }
        CompletableFuture<ApiMessage> future = new CompletableFuture<>();
        Set<TopicPartition> partitions = new HashSet<>();
        for (FetchRequestData.FetchTopic t : request.topics()) {
            Optional<String> name = topicName(t, version);
            name.ifPresent(n -> t.partitions().forEach(p -> partitions.add(new TopicPartition(n, p.partition()))));
        }
        waiters.park(partitions, force -> {
            Result r = read(request, version);
            if (force || r.bytes() >= request.minBytes() || r.hasError()) {
                future.complete(counted(r.response(), version));
                return true;
            }
            return false;
        }, request.maxWaitMs());
        return future;
    }

    /** Counts the answer to be sent, partition by partition; returns it. */
    private FetchResponseData counted(FetchResponseData response, short version) {
        if (metrics == null) return response;
        for (FetchableTopicResponse t : response.responses()) {
            String topic = version >= 13 ? topics.nameOf(t.topicId()).orElse(null) : t.topic();
            for (PartitionData p : t.partitions()) {
                metrics.fetched(topic, p.records() == null ? 0 : p.records().sizeInBytes());
                if (p.errorCode() != Errors.NONE.code()) metrics.fetchFailed(topic, Errors.forCode(p.errorCode()));
            }
        }
        return response;
    }

    private Optional<String> topicName(FetchRequestData.FetchTopic t, short version) {
        return version >= 13 ? topics.nameOf(t.topicId()) : Optional.of(t.topic());
    }

    private Result read(FetchRequestData request, short version) {
        FetchResponseData response = new FetchResponseData().setErrorCode((short) 0).setSessionId(0);
        FetchIsolation isolation = request.isolationLevel() == IsolationLevel.READ_COMMITTED.id()
                ? FetchIsolation.TXN_COMMITTED : FetchIsolation.HIGH_WATERMARK;
        int remaining = Math.min(request.maxBytes() <= 0 ? Integer.MAX_VALUE : request.maxBytes(), brokerMaxBytes);
        int total = 0;
        boolean hasError = false;
        for (FetchRequestData.FetchTopic t : request.topics()) {
            FetchableTopicResponse topicResponse = new FetchableTopicResponse();
            if (version >= 13) topicResponse.setTopicId(t.topicId());
            else topicResponse.setTopic(t.topic());
            Optional<String> name = topicName(t, version);
            for (FetchRequestData.FetchPartition p : t.partitions()) {
                PartitionData pd = new PartitionData().setPartitionIndex(p.partition())
                        .setHighWatermark(-1).setLastStableOffset(-1).setLogStartOffset(-1)
                        .setAbortedTransactions(null).setPreferredReadReplica(-1).setRecords(MemoryRecords.EMPTY);
                if (name.isEmpty()) {
                    pd.setErrorCode((version >= 13 ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION).code());
                    hasError = true;
                } else {
                    TopicPartition tp = new TopicPartition(name.get(), p.partition());
                    try {
                        var log = replication.leaderLog(tp, p.currentLeaderEpoch());
                        if (version < 10 && "zstd".equals(log.config().compressionType())) {
                            // Kafka's rule: such a fetcher may not understand zstd batches
                            pd.setErrorCode(Errors.UNSUPPORTED_COMPRESSION_TYPE.code());
                            hasError = true;
                            topicResponse.partitions().add(pd);
                            continue;
                        }
                        try {
                            int limit = Math.min(p.partitionMaxBytes(), remaining);
                            LogReadResult r = log.read(p.fetchOffset(), Math.max(limit, 0), total == 0, isolation);
                            int size = r.sizeInBytes();
                            if (size > 0 && (limit > 0 || total == 0)) {
                                pd.setRecords(r.records());
                                total += size;
                                remaining = Math.max(0, remaining - size);
                            }
                            pd.setHighWatermark(r.highWatermark()).setLastStableOffset(r.lastStableOffset())
                                    .setLogStartOffset(r.logStartOffset());
                            if (r.abortedTransactions() != null) pd.setAbortedTransactions(aborted(r.abortedTransactions()));
                        } catch (OffsetOutOfRangeException e) {
                            pd.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code()).setHighWatermark(log.highWatermark())
                                    .setLastStableOffset(log.lastStableOffset()).setLogStartOffset(log.logStartOffset());
                            hasError = true;
                        }
                    } catch (RuntimeException e) {
                        pd.setErrorCode(Errors.forException(e).code());
                        hasError = true;
                    }
                }
                topicResponse.partitions().add(pd);
            }
            response.responses().add(topicResponse);
        }
        return new Result(response, total, hasError);
    }

    private static java.util.List<FetchResponseData.AbortedTransaction> aborted(java.util.List<AbortedTxn> txns) {
        java.util.List<FetchResponseData.AbortedTransaction> out = new java.util.ArrayList<>(txns.size());
        for (AbortedTxn t : txns) {
            out.add(new FetchResponseData.AbortedTransaction().setProducerId(t.producerId()).setFirstOffset(t.firstOffset()));
        }
        return out;
    }

    static boolean isZero(Uuid id) {
        return id == null || Uuid.ZERO_UUID.equals(id);
    }
}
