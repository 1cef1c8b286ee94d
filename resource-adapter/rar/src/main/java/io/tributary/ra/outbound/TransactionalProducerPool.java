package io.tributary.ra.outbound;

import io.tributary.ra.config.ClientSettings;

import io.tributary.api.TributaryException;
import io.tributary.ra.AdapterClassLoader;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Transactional Kafka producers for JTA branches, reused from one branch to the next so that a
 * JTA transaction does not pay for a producer's start and its InitProducerId, and the coordinator
 * does not keep one transactional id per JTA transaction. Their transactional ids are
 * {@code <scope><n>}, where the factory's scope ({@code <prefix>.<node>.<run>.<factory>.}) is new at
 * every start of the server: a restarted server never initialises (and so never aborts) an id
 * whose transaction a crash left prepared; recovery completes those.
 *
 * <p>Thread-safe: the idle deque is guarded by this object's monitor, never held while a producer
 * starts or closes.
 */
final class TransactionalProducerPool implements AutoCloseable {
    private final ClientSettings settings;
    private final String idPrefix;
    private final int transactionTimeoutMs;
    private final Map<String, String> extra;
    private final AtomicInteger next = new AtomicInteger();
    private final ArrayDeque<KafkaProducer<byte[], byte[]>> idle = new ArrayDeque<>();
    private final Map<KafkaProducer<byte[], byte[]>, String> ids = new java.util.concurrent.ConcurrentHashMap<>();
    private boolean closed;

    TransactionalProducerPool(ClientSettings settings, String scope, int transactionTimeoutMs, Map<String, String> extra) {
        this.settings = settings;
        this.idPrefix = scope;
        this.transactionTimeoutMs = transactionTimeoutMs;
        this.extra = extra;
    }

    /** An idle producer, or a new one with its transactions initialised. */
    KafkaProducer<byte[], byte[]> acquire() {
        synchronized (this) {
            if (closed) throw new TributaryException("The Tributary connection factory is stopped");
            KafkaProducer<byte[], byte[]> p = idle.pollFirst();
            if (p != null) return p;
        }
        String id = idPrefix + next.getAndIncrement();
        Map<String, Object> props = settings.clientConfig(extra);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, transactionTimeoutMs);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        KafkaProducer<byte[], byte[]> p = AdapterClassLoader.call(() -> new KafkaProducer<>(props,
                new ByteArraySerializer(), new ByteArraySerializer()));
        try {
            p.initTransactions();
        } catch (RuntimeException e) {
            p.close(Duration.ZERO);
            throw new TributaryException("Cannot start the transactional producer " + id + ": " + e.getMessage(), e);
        }
        ids.put(p, id);
        return p;
    }

    String transactionalId(KafkaProducer<byte[], byte[]> p) {
        return ids.get(p);
    }

    /** Returns a producer whose transaction ended; {@code healthy} false closes it instead. */
    void release(KafkaProducer<byte[], byte[]> p, boolean healthy) {
        synchronized (this) {
            if (healthy && !closed) {
                idle.addLast(p);
                return;
            }
        }
        ids.remove(p);
        p.close(Duration.ofSeconds(5));
    }

    @Override
    public void close() {
        KafkaProducer<?, ?>[] toClose;
        synchronized (this) {
            closed = true;
            toClose = idle.toArray(new KafkaProducer<?, ?>[0]);
            idle.clear();
        }
        for (KafkaProducer<?, ?> p : toClose) p.close(Duration.ofSeconds(5));
    }
}
