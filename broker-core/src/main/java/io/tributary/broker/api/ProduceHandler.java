package io.tributary.broker.api;

import io.tributary.broker.log.LogAppendInfo;
import io.tributary.broker.metrics.BrokerTopicMetrics;
import io.tributary.broker.network.RequestContext;
import io.tributary.broker.network.RequestProcessor.ConnectionCloseException;
import io.tributary.broker.topic.TopicManager;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.errors.UnsupportedCompressionTypeException;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import io.tributary.broker.txn.TransactionVerifier;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import io.tributary.broker.log.AppendOrigin;
import io.tributary.broker.cluster.Replication;
import java.util.concurrent.CompletableFuture;

/**
 * Produce (v3+): validates and appends each partition's batch, answering per partition with the
 * base offset or the Kafka error of what went wrong. A failed partition never affects another,
 * and nothing is written for a batch that fails validation. With {@code acks=0} there is no
 * response; if any partition fails the connection is closed, which is how Kafka tells such a
 * producer. On a single node {@code acks=1} and {@code acks=all} are answered after the local
 * append (and its fsync when the topic flushes every batch).
 *
 * <p>Each partition named is counted in {@link BrokerTopicMetrics}: a produce request, then the
 * bytes and records appended (a retried duplicate batch is not counted again) or a failure.
 */
public final class ProduceHandler implements ApiHandler<ProduceRequestData> {
    private final TopicManager topics;
    private final Replication replication;
    private final TransactionVerifier verifier;
    private final BrokerTopicMetrics metrics;

    public ProduceHandler(TopicManager topics, Replication replication, TransactionVerifier verifier) {
        this(topics, replication, verifier, null);
    }

    /** @param metrics where appends are counted, or null */
    public ProduceHandler(TopicManager topics, Replication replication, TransactionVerifier verifier,
                          BrokerTopicMetrics metrics) {
        this.metrics = metrics;
        this.topics = topics;
        this.replication = replication;
        this.verifier = verifier;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, ProduceRequestData request) {
        short version = ctx.apiVersion();
        short acks = request.acks();
        boolean validAcks = acks == 0 || acks == 1 || acks == -1;
        ProduceResponseData response = new ProduceResponseData();
        boolean anyError = false;
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        for (ProduceRequestData.TopicProduceData topicData : request.topicData()) {
            Optional<String> name = version >= 13 ? topics.nameOf(topicData.topicId()) : Optional.of(topicData.name());
            TopicProduceResponse topicResponse = new TopicProduceResponse();
            if (version >= 13) topicResponse.setTopicId(topicData.topicId());
            else topicResponse.setName(topicData.name());
            for (ProduceRequestData.PartitionProduceData pd : topicData.partitionData()) {
                PartitionProduceResponse pr = new PartitionProduceResponse().setIndex(pd.index())
                        .setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1);
                if (!validAcks) {
                    fail(pr, Errors.INVALID_REQUIRED_ACKS, "acks must be -1, 0 or 1, got " + acks, version);
                } else if (name.isEmpty()) {
                    fail(pr, version >= 13 ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION,
                            "Unknown topic id " + topicData.topicId(), version);
                } else {
                    TopicPartition tp = new TopicPartition(name.get(), pd.index());
                    if (metrics != null) metrics.produceRequest(tp.topic());
                    try {
                        if (io.tributary.broker.topic.TopicNames.isInternal(tp.topic())) {
                            throw new org.apache.kafka.common.errors.InvalidTopicException(
                                    "Cannot append to internal topic " + tp.topic());
                        }
                        replication.awaitPartition(tp);
                        MemoryRecords records = (MemoryRecords) pd.records();
                        if (records == null) records = MemoryRecords.EMPTY;
                        if (version < 7) refuseZstd(records, version);
                        CompletableFuture<LogAppendInfo> appended = appendVerified(request, tp, records,
                                acks == 0 ? 1 : acks);
                        int bytes = records.sizeInBytes();
                        if (appended.isDone()) {
                            answer(pr, appended, version);
                            count(tp.topic(), bytes, appended, true);
                        } else {
                            pending.add(appended.handle((info, error) -> {
                                synchronized (pr) {
                                    answer(pr, appended, version);
                                }
                                count(tp.topic(), bytes, appended, false);
                                return null;
                            }));
                        }
                    } catch (RuntimeException e) {
                        fail(pr, Errors.forException(e), e.getMessage(), version);
                        if (metrics != null) metrics.produceFailed(tp.topic(), Errors.forException(e));
                    }
                }
                anyError |= pr.errorCode() != 0;
                topicResponse.partitionResponses().add(pr);
            }
            response.responses().add(topicResponse);
        }
        if (!pending.isEmpty()) {
            return CompletableFuture.allOf(pending.toArray(new CompletableFuture[0])).thenApply(v -> response);
        }
        if (acks == 0) {
            if (anyError) throw new ConnectionCloseException("a produce request with acks=0 failed: " + firstError(response));
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.completedFuture(response);
    }

    /**
     * Appends {@code records}; the first transactional batch of a producer's transaction in this
     * partition is first checked with the transaction's coordinator ({@link TransactionVerifier}).
     */
    private CompletableFuture<LogAppendInfo> appendVerified(ProduceRequestData request, TopicPartition tp,
                                                            MemoryRecords records, short acks) {
        RecordBatch first = firstBatch(records);
        if (first == null || !first.isTransactional() || verifier == null) {
            return replication.appendAsLeader(tp, records, acks, AppendOrigin.CLIENT, request.timeoutMs());
        }
        String transactionalId = request.transactionalId();
        if (transactionalId == null || transactionalId.isEmpty()) {
            throw new TransactionalIdAuthorizationException("Transactional records for " + tp
                    + " in a produce request without a transactional id");
        }
        if (replication.leaderLog(tp, Replication.NO_EPOCH).hasOpenTransaction(first.producerId())) {
            return replication.appendAsLeader(tp, records, acks, AppendOrigin.CLIENT, request.timeoutMs());
        }
        return verifier.verify(transactionalId, first.producerId(), first.producerEpoch(), tp).thenCompose(error -> {
            if (error == Errors.NONE) {
                return replication.appendAsLeader(tp, records, acks, AppendOrigin.CLIENT, request.timeoutMs());
            }
            // As Kafka: a coordinator the client cannot reach from a produce is a retriable NOT_ENOUGH_REPLICAS.
            Errors answer = switch (error) {
                case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS, CONCURRENT_TRANSACTIONS ->
                        Errors.NOT_ENOUGH_REPLICAS;
                default -> error;
            };
            return CompletableFuture.failedFuture(answer.exception("The transaction of producer " + first.producerId()
                    + " (" + transactionalId + ", epoch " + first.producerEpoch() + ") does not include " + tp
                    + ": " + error.name()));
        });
    }

    private static RecordBatch firstBatch(MemoryRecords records) {
        var it = records.batches().iterator();
        return it.hasNext() ? it.next() : null;
    }

    /**
     * Counts a completed append: its bytes and records, or, when the append itself failed
     * ({@code local}: it failed before it returned, not while waiting for replicas), a failure.
     */
    private void count(String topic, int bytes, CompletableFuture<LogAppendInfo> appended, boolean local) {
        if (metrics == null) return;
        if (!appended.isCompletedExceptionally()) {
            LogAppendInfo info = appended.join();
            if (!info.duplicate()) metrics.appended(topic, bytes, info.recordCount());
        } else if (local) {
            try {
                appended.join();
            } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                metrics.produceFailed(topic, Errors.forException(cause));
            }
        }
    }

    /** Fills {@code pr} from a completed append. */
    private static void answer(PartitionProduceResponse pr, CompletableFuture<LogAppendInfo> appended, short version) {
        try {
            LogAppendInfo info = appended.join();
            pr.setBaseOffset(info.firstOffset()).setLogAppendTimeMs(info.logAppendTime())
                    .setLogStartOffset(info.logStartOffset());
        } catch (java.util.concurrent.CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            fail(pr, Errors.forException(cause), cause.getMessage(), version);
        }
    }

    /** Kafka's rule (ProduceRequest.validateRecords): zstd needs Produce v7+; the first batch decides. */
    private static void refuseZstd(MemoryRecords records, short version) {
        var batches = records.batches().iterator();
        if (batches.hasNext() && batches.next().compressionType() == CompressionType.ZSTD) {
            throw new UnsupportedCompressionTypeException("Produce requests with version " + version
                    + " may not use zstd compression (it needs version 7 or later)");
        }
    }

    private static void fail(PartitionProduceResponse pr, Errors error, String message, short version) {
        pr.setErrorCode(error.code());
        if (version >= 8) pr.setErrorMessage(message);
    }

    private static String firstError(ProduceResponseData response) {
        for (TopicProduceResponse t : response.responses()) {
            for (PartitionProduceResponse p : t.partitionResponses()) {
                if (p.errorCode() != 0) return (t.name() != null && !t.name().isEmpty() ? t.name() : t.topicId())
                        + "-" + p.index() + ": " + Errors.forCode(p.errorCode());
            }
        }
        return "unknown";
    }

    static boolean isZero(Uuid id) {
        return id == null || Uuid.ZERO_UUID.equals(id);
    }
}
