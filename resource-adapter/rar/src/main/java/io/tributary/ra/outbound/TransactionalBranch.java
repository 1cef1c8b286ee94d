package io.tributary.ra.outbound;

import io.tributary.api.OutgoingRecord;
import io.tributary.api.SentRecord;
import io.tributary.api.TributaryException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import javax.transaction.xa.Xid;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The Kafka transaction of one JTA transaction branch, on a producer of the
 * {@link TransactionalProducerPool}, begun when the branch starts. Its records become visible to
 * {@code read_committed} consumers only when {@link #commit} runs (the transaction manager's
 * commit); {@link #abort} (rollback) or a crash discards them.
 *
 * <p>{@link #prepare} writes the branch record (key: the producer's transactional id, value: the
 * Xid) to the branch log topic inside the same Kafka transaction, then makes sure every record of
 * the branch is acknowledged by the cluster: from then on the records are durable in an open Kafka
 * transaction that only an EndTxn ends (the producer, or after a restart the
 * {@link TransactionCompleter}, which finds the branch through that record). The transaction must
 * be completed within {@code transaction.timeout.ms} of its first send, or the coordinator aborts it.
 *
 * <p>Thread-safe: the Kafka producer is; the sends list is concurrent.
 */
final class TransactionalBranch implements RecordSender {
    private final Xid xid;
    private final TransactionalProducerPool pool;
    private final KafkaProducer<byte[], byte[]> producer;
    private final String transactionalId;
    private final List<CompletableFuture<SentRecord>> sends = new CopyOnWriteArrayList<>();

    TransactionalBranch(Xid xid, TransactionalProducerPool pool) {
        this.xid = xid;
        this.pool = pool;
        this.producer = pool.acquire();
        this.transactionalId = pool.transactionalId(producer);
        try {
            producer.beginTransaction();
        } catch (RuntimeException e) {
            pool.release(producer, false);
            throw new TributaryException("Cannot begin the Kafka transaction " + transactionalId + ": " + e.getMessage(), e);
        }
    }

    String transactionalId() {
        return transactionalId;
    }

    boolean hasSends() {
        return !sends.isEmpty();
    }

    @Override
    public CompletionStage<SentRecord> send(OutgoingRecord r, Duration timeout) {
        RecordHeaders headers = new RecordHeaders();
        r.headers().forEach(headers::add);
        return track(r, new ProducerRecord<>(r.topic(), r.partition(), r.timestamp(), r.key(), r.value(), headers), timeout);
    }

    /**
     * Sends {@code record} in the transaction and tracks it for prepare. With a timeout, the
     * tracked future is the limited one: a send the application was told timed out fails prepare,
     * so the transaction never commits it.
     */
    private CompletableFuture<SentRecord> track(OutgoingRecord r, ProducerRecord<byte[], byte[]> record, Duration timeout) {
        CompletableFuture<SentRecord> result = new CompletableFuture<>();
        String context = " in transaction " + transactionalId;
        try {
            producer.send(record, (metadata, error) -> {
                if (error != null) {
                    result.completeExceptionally(SendErrors.failed(r, context, error));
                } else {
                    result.complete(new SentRecord(metadata.topic(), metadata.partition(), metadata.offset(),
                            metadata.timestamp()));
                }
            });
        } catch (RuntimeException e) {
            result.completeExceptionally(SendErrors.failed(r, context, e));
        }
        CompletableFuture<SentRecord> tracked = SendErrors.limit(result, r, timeout);
        sends.add(tracked);
        return tracked;
    }

    /** Writes the branch record and waits until every record of the branch is acknowledged; throws when one failed. */
    void prepare(String branchLogTopic) {
        byte[] key = transactionalId.getBytes(StandardCharsets.UTF_8);
        byte[] value = XidNames.encode(xid).getBytes(StandardCharsets.UTF_8);
        track(new OutgoingRecord(branchLogTopic, null, null, key, value, null),
                new ProducerRecord<>(branchLogTopic, key, value), null);
        producer.flush();
        for (CompletableFuture<SentRecord> f : sends) {
            if (f.isCompletedExceptionally() || !f.isDone()) {
                throw new TributaryException("A record sent in transaction " + transactionalId + " was not acknowledged");
            }
        }
    }

    /** One-phase commit: no branch record is needed, only the acknowledgements. */
    void prepareOnePhase() {
        producer.flush();
        for (CompletableFuture<SentRecord> f : sends) {
            if (f.isCompletedExceptionally() || !f.isDone()) {
                throw new TributaryException("A record sent in transaction " + transactionalId + " was not acknowledged");
            }
        }
    }

    /** Commits the Kafka transaction and returns the producer to the pool. */
    void commit() {
        end(true);
    }

    /** Aborts the Kafka transaction and returns the producer to the pool. */
    void abort() {
        end(false);
    }

    private void end(boolean commit) {
        boolean healthy = false;
        try {
            if (commit) producer.commitTransaction();
            else producer.abortTransaction();
            healthy = true;
        } finally {
            pool.release(producer, healthy);
        }
    }
}
