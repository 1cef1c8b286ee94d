package io.tributary.ra.outbound;

import io.tributary.api.OutgoingRecord;
import io.tributary.api.SentRecord;
import io.tributary.api.TributaryException;
import io.tributary.ra.AdapterClassLoader;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The Kafka transaction of one JTA transaction branch: a transactional producer whose
 * {@code transactional.id} names the branch ({@link XidNames}), begun when the branch starts. Its
 * records become visible to {@code read_committed} consumers only when {@link #commit} runs (the
 * transaction manager's commit); {@link #abort} (rollback) or a crash discards them.
 *
 * <p>{@link #prepare} makes sure every record sent in the branch is acknowledged by the cluster:
 * after it, the records are durable in an open Kafka transaction that only an EndTxn ends (the
 * producer, or after a restart the {@link TransactionCompleter}). The transaction must be completed
 * within {@code transaction.timeout.ms} of its first send, or the coordinator aborts it.
 *
 * <p>Thread-safe: the Kafka producer is; the sends list is concurrent.
 */
final class TransactionalBranch implements RecordSender, AutoCloseable {
    private final String transactionalId;
    private final KafkaProducer<byte[], byte[]> producer;
    private final List<CompletableFuture<SentRecord>> sends = new CopyOnWriteArrayList<>();

    TransactionalBranch(String bootstrapServers, String transactionalId, int transactionTimeoutMs,
                        Map<String, String> extra) {
        this.transactionalId = transactionalId;
        Map<String, Object> props = new HashMap<>(extra);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, transactionTimeoutMs);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        this.producer = AdapterClassLoader.call(() -> new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer()));
        try {
            producer.initTransactions();
            producer.beginTransaction();
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
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
    public CompletionStage<SentRecord> send(OutgoingRecord r) {
        RecordHeaders headers = new RecordHeaders();
        r.headers().forEach(headers::add);
        CompletableFuture<SentRecord> result = new CompletableFuture<>();
        sends.add(result);
        try {
            producer.send(new ProducerRecord<>(r.topic(), r.partition(), r.timestamp(), r.key(), r.value(), headers),
                    (metadata, error) -> {
                        if (error != null) {
                            result.completeExceptionally(new TributaryException("Send to " + r.topic() + " in transaction "
                                    + transactionalId + " failed: " + error.getMessage(), error));
                        } else {
                            result.complete(new SentRecord(metadata.topic(), metadata.partition(), metadata.offset(),
                                    metadata.timestamp()));
                        }
                    });
        } catch (RuntimeException e) {
            result.completeExceptionally(new TributaryException("Send to " + r.topic() + " failed: " + e.getMessage(), e));
        }
        return result;
    }

    /** Waits until every send of the branch is acknowledged; throws when one failed. */
    void prepare() {
        producer.flush();
        for (CompletableFuture<SentRecord> f : sends) {
            if (f.isCompletedExceptionally() || !f.isDone()) {
                throw new TributaryException("A record sent in transaction " + transactionalId + " was not acknowledged");
            }
        }
    }

    void commit() {
        producer.commitTransaction();
    }

    void abort() {
        producer.abortTransaction();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
