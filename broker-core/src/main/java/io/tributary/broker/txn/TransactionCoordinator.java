package io.tributary.broker.txn;

import io.tributary.broker.producer.ProducerIdManager;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.CoordinatorLoadInProgressException;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Kafka's transaction coordinator: the state of every transactional id whose
 * {@code __transaction_state} partition this node leads, and the protocol that moves it (KIP-98,
 * transaction protocol version 1): InitProducerId (producer id and epoch, fencing of the previous
 * instance, abort of its open transaction), AddPartitionsToTxn and AddOffsetsToTxn, EndTxn (the
 * prepare record, then the markers, then the complete record), and the abort of transactions that
 * outlive their timeout (with an epoch bump, so the late producer is fenced).
 *
 * <p>Guarantees: a state is acted on only once it is replicated in the state log ({@link
 * TransactionStateStore}); an EndTxn is answered once its decision (PrepareCommit or PrepareAbort)
 * is replicated, and from then on the markers are written until they are all in place, by this
 * node or, if it loses the partition, by the node that loads it next (a loaded Prepare* state is
 * completed at once). At most one state change of a transactional id is in flight at a time;
 * requests arriving meanwhile get {@code CONCURRENT_TRANSACTIONS} and retry.
 *
 * <p>Thread safety: the loaded partitions and their ids are in concurrent maps; each id's
 * {@link Entry} is guarded by its own monitor, which is never held across I/O (writes and markers
 * are asynchronous and re-take it when they complete).
 */
public final class TransactionCoordinator implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TransactionCoordinator.class.getName());
    private static final long RETRY_BACKOFF_MS = 500;

    /** What InitProducerId answers. */
    public record InitResult(Errors error, long producerId, short producerEpoch) {
        static InitResult error(Errors e) {
            return new InitResult(e, RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH);
        }
    }

    /** A loaded state log partition: the coordinator epoch it was loaded in and its transactional ids. */
    private record Loaded(int coordinatorEpoch, Map<String, Entry> txns) {
    }

    /** One transactional id: its replicated state and the state change in flight, if any. Guarded by its monitor. */
    private static final class Entry {
        TransactionMetadata current;
        TransactionState pending;

        Entry(TransactionMetadata current) {
            this.current = current;
        }
    }

    private final TransactionStateStore store;
    private final ProducerIdManager producerIds;
    private final TransactionMarkerWriter markers;
    private final TransactionConfig config;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final Map<Integer, Loaded> loaded = new ConcurrentHashMap<>();
    /** State log partitions this node leads and is still loading. */
    private final Set<Integer> loading = ConcurrentHashMap.newKeySet();
    private final ScheduledFuture<?> timeoutTask;
    private final ScheduledFuture<?> expiryTask;
    private volatile boolean closed;

    public TransactionCoordinator(TransactionStateStore store, ProducerIdManager producerIds,
                                  TransactionMarkerWriter markers, TransactionConfig config, Clock clock,
                                  ScheduledExecutorService scheduler) {
        this.store = store;
        this.producerIds = producerIds;
        this.markers = markers;
        this.config = config;
        this.clock = clock;
        this.scheduler = scheduler;
        long interval = config.abortTimedOutIntervalMs();
        this.timeoutTask = scheduler.scheduleWithFixedDelay(this::abortTimedOut, interval, interval, TimeUnit.MILLISECONDS);
        long expiry = config.removeExpiredIntervalMs();
        this.expiryTask = scheduler.scheduleWithFixedDelay(this::removeExpired, expiry, expiry, TimeUnit.MILLISECONDS);
    }

    public TransactionStateStore store() {
        return store;
    }

    // ---------------------------------------------------------------- loading

    /** This node is about to load state log partition {@code partition}: requests for it are told to wait. */
    public void beginLoading(int partition) {
        loading.add(partition);
    }

    /**
     * Loads state log partition {@code partition}, which this node now leads in
     * {@code coordinatorEpoch}: replays its log, then completes every transaction it finds prepared.
     */
    public void load(int partition, int coordinatorEpoch) {
        loading.add(partition);
        try {
            Map<String, Entry> txns = new ConcurrentHashMap<>();
            store.replay(partition).forEach((id, m) -> txns.put(id, new Entry(m)));
            loaded.put(partition, new Loaded(coordinatorEpoch, txns));
            LOG.log(System.Logger.Level.INFO, "Loaded " + txns.size() + " transactional id(s) of "
                    + TransactionStateStore.TOPIC + "-" + partition + " in coordinator epoch " + coordinatorEpoch);
            for (Entry e : txns.values()) {
                synchronized (e) {
                    if (e.current.state().completing()) {
                        e.pending = e.current.state() == TransactionState.PREPARE_COMMIT
                                ? TransactionState.COMPLETE_COMMIT : TransactionState.COMPLETE_ABORT;
                        TransactionMetadata prepared = e.current;
                        scheduler.execute(() -> sendMarkers(e, prepared, coordinatorEpoch));
                    }
                }
            }
        } finally {
            loading.remove(partition);
        }
    }

    /** This node stopped leading state log partition {@code partition}: it forgets its ids. */
    public void unload(int partition) {
        loading.remove(partition);
        loaded.remove(partition);
    }

    /** Whether some state log partition this node leads is still being loaded (its ids cannot be listed yet). */
    public boolean loadingAny() {
        return !loading.isEmpty();
    }

    /** Whether this node coordinates {@code transactionalId} now. */
    public boolean coordinates(String transactionalId) {
        return loaded.containsKey(store.partitionFor(transactionalId));
    }

    private Loaded partitionOf(String transactionalId) {
        int p = store.partitionFor(transactionalId);
        Loaded l = loaded.get(p);
        if (l != null) return l;
        if (loading.contains(p)) {
            throw new CoordinatorLoadInProgressException("The state of transactional id " + transactionalId
                    + " is being loaded on this node");
        }
        throw new NotCoordinatorException("This node does not coordinate transactional id " + transactionalId);
    }

    // ---------------------------------------------------------------- InitProducerId

    /**
     * InitProducerId for a transactional id: a new producer id (first use, or the epoch ran out) or
     * the next epoch of the current one, which fences the previous instance. An open transaction
     * is aborted first (the answer is then {@code CONCURRENT_TRANSACTIONS} and the client retries).
     *
     * @param expectedProducerId the id the producer has (KIP-360 epoch bump), or -1
     */
    public CompletableFuture<InitResult> initProducerId(String transactionalId, int timeoutMs, long expectedProducerId,
                                                        short expectedEpoch) {
        if (transactionalId.isEmpty()) return done(InitResult.error(Errors.INVALID_REQUEST));
        if (timeoutMs <= 0 || timeoutMs > config.maxTimeoutMs()) {
            return done(InitResult.error(Errors.INVALID_TRANSACTION_TIMEOUT));
        }
        Loaded part;
        try {
            part = partitionOf(transactionalId);
        } catch (RuntimeException e) {
            return done(InitResult.error(Errors.forException(e)));
        }
        Entry entry;
        try {
            entry = part.txns().get(transactionalId);
            if (entry == null) {
                Entry fresh = new Entry(TransactionMetadata.fresh(transactionalId, producerIds.nextId(), timeoutMs, now()));
                entry = part.txns().computeIfAbsent(transactionalId, id -> fresh);
            }
        } catch (IOException e) {
            return done(InitResult.error(Errors.KAFKA_STORAGE_ERROR));
        }
        TransactionMetadata next;
        TransactionMetadata fencing = null;
        synchronized (entry) {
            if (entry.pending != null) return done(InitResult.error(Errors.CONCURRENT_TRANSACTIONS));
            TransactionMetadata m = entry.current;
            if (expectedProducerId != RecordBatch.NO_PRODUCER_ID) {
                boolean current = expectedProducerId == m.producerId() && expectedEpoch == m.producerEpoch();
                boolean retried = (expectedProducerId == m.producerId() && expectedEpoch == m.lastProducerEpoch())
                        || expectedProducerId == m.previousProducerId();
                if (retried && m.state().idle()) {
                    return done(new InitResult(Errors.NONE, m.producerId(), m.producerEpoch()));
                }
                if (!current && !retried) return done(InitResult.error(Errors.PRODUCER_FENCED));
            }
            switch (m.state()) {
                case PREPARE_COMMIT, PREPARE_ABORT, PREPARE_EPOCH_FENCE -> {
                    return done(InitResult.error(Errors.CONCURRENT_TRANSACTIONS));
                }
                case ONGOING -> {
                    fencing = prepareEpochBumpAbort(entry, "the producer was initialised again");
                    next = null;
                }
                default -> {
                    long now = now();
                    if (m.producerEpoch() == RecordBatch.NO_PRODUCER_EPOCH) {
                        next = m.withEpoch(m.producerId(), m.previousProducerId(), (short) 0,
                                RecordBatch.NO_PRODUCER_EPOCH, timeoutMs, TransactionState.EMPTY, now);
                    } else if (m.epochExhausted()) {
                        long newId;
                        try {
                            newId = producerIds.nextId();
                        } catch (IOException e) {
                            return done(InitResult.error(Errors.KAFKA_STORAGE_ERROR));
                        }
                        next = m.withEpoch(newId, m.producerId(), (short) 0, RecordBatch.NO_PRODUCER_EPOCH, timeoutMs,
                                TransactionState.EMPTY, now);
                    } else {
                        next = m.withEpoch(m.producerId(), m.previousProducerId(), (short) (m.producerEpoch() + 1),
                                m.producerEpoch(), timeoutMs, TransactionState.EMPTY, now);
                    }
                    entry.pending = TransactionState.EMPTY;
                }
            }
        }
        if (fencing != null) {
            abort(entry, fencing, part.coordinatorEpoch());
            return done(InitResult.error(Errors.CONCURRENT_TRANSACTIONS));
        }
        return persist(entry, next).thenApply(error -> error == Errors.NONE
                ? new InitResult(Errors.NONE, next.producerId(), next.producerEpoch()) : InitResult.error(error));
    }

    // ---------------------------------------------------------------- AddPartitionsToTxn / AddOffsetsToTxn

    /** AddPartitionsToTxn: the partitions join the transaction, which begins if none is open. */
    public CompletableFuture<Errors> addPartitions(String transactionalId, long producerId, short producerEpoch,
                                                   Set<TopicPartition> partitions) {
        Lookup found = lookup(transactionalId);
        if (found.error() != null) return done(found.error());
        Entry entry = found.entry();
        TransactionMetadata next;
        synchronized (entry) {
            TransactionMetadata m = entry.current;
            Errors invalid = checkProducer(m, producerId, producerEpoch);
            if (invalid != null) return done(invalid);
            if (entry.pending != null || m.state().completing()) return done(Errors.CONCURRENT_TRANSACTIONS);
            if (m.state() == TransactionState.PREPARE_EPOCH_FENCE || m.state() == TransactionState.DEAD) {
                return done(Errors.INVALID_TXN_STATE);
            }
            if (m.state() == TransactionState.ONGOING && m.partitions().containsAll(partitions)) return done(Errors.NONE);
            next = m.withPartitions(partitions, now());
            entry.pending = TransactionState.ONGOING;
        }
        return persist(entry, next);
    }

    /**
     * Whether {@code partition} is part of {@code transactionalId}'s open transaction for this
     * producer (a leader's check before the first transactional write to a partition).
     */
    public Errors verifyPartition(String transactionalId, long producerId, short producerEpoch, TopicPartition partition) {
        Lookup found = lookup(transactionalId);
        if (found.error() != null) return found.error();
        Entry entry = found.entry();
        synchronized (entry) {
            Errors invalid = checkProducer(entry.current, producerId, producerEpoch);
            if (invalid != null) return invalid;
            return entry.current.state() == TransactionState.ONGOING && entry.current.hasPartition(partition)
                    ? Errors.NONE : Errors.INVALID_TXN_STATE;
        }
    }

    /** A transactional id's loaded partition and entry, or the error to answer when there is none. */
    private record Lookup(Loaded part, Entry entry, Errors error) {
    }

    private Lookup lookup(String transactionalId) {
        Loaded part;
        try {
            part = partitionOf(transactionalId);
        } catch (RuntimeException e) {
            return new Lookup(null, null, Errors.forException(e));
        }
        Entry entry = part.txns().get(transactionalId);
        return entry == null ? new Lookup(part, null, Errors.INVALID_PRODUCER_ID_MAPPING) : new Lookup(part, entry, null);
    }

    private static Errors checkProducer(TransactionMetadata m, long producerId, short producerEpoch) {
        if (m.producerId() != producerId) return Errors.INVALID_PRODUCER_ID_MAPPING;
        if (m.producerEpoch() != producerEpoch) return Errors.PRODUCER_FENCED;
        return null;
    }

    // ---------------------------------------------------------------- EndTxn

    /**
     * EndTxn: records the decision (PrepareCommit or PrepareAbort) and answers once it is replicated;
     * the markers and the final state follow in the background. A retried EndTxn of a completed
     * transaction with the same decision is answered {@code NONE}.
     */
    public CompletableFuture<Errors> endTransaction(String transactionalId, long producerId, short producerEpoch,
                                                    boolean commit) {
        Lookup found = lookup(transactionalId);
        if (found.error() != null) return done(found.error());
        Entry entry = found.entry();
        TransactionMetadata prepared;
        synchronized (entry) {
            TransactionMetadata m = entry.current;
            Errors invalid = checkProducer(m, producerId, producerEpoch);
            if (invalid != null) return done(invalid);
            if (entry.pending != null) return done(Errors.CONCURRENT_TRANSACTIONS);
            switch (m.state()) {
                case ONGOING -> {
                    prepared = m.withState(commit ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT, now());
                    entry.pending = prepared.state();
                }
                case COMPLETE_COMMIT -> {
                    return done(commit ? Errors.NONE : Errors.INVALID_TXN_STATE);
                }
                case COMPLETE_ABORT -> {
                    return done(commit ? Errors.INVALID_TXN_STATE : Errors.NONE);
                }
                case PREPARE_COMMIT -> {
                    return done(commit ? Errors.CONCURRENT_TRANSACTIONS : Errors.INVALID_TXN_STATE);
                }
                case PREPARE_ABORT -> {
                    return done(commit ? Errors.INVALID_TXN_STATE : Errors.CONCURRENT_TRANSACTIONS);
                }
                default -> {
                    return done(Errors.INVALID_TXN_STATE);
                }
            }
        }
        int coordinatorEpoch = found.part().coordinatorEpoch();
        return persist(entry, prepared).thenApply(error -> {
            if (error == Errors.NONE) startCompletion(entry, prepared, coordinatorEpoch);
            return error;
        });
    }

    // ---------------------------------------------------------------- completion

    /** Marks {@code prepared} as being completed and sends its markers. */
    private void startCompletion(Entry entry, TransactionMetadata prepared, int coordinatorEpoch) {
        synchronized (entry) {
            if (entry.current != prepared || entry.pending != null) return;
            entry.pending = prepared.state() == TransactionState.PREPARE_COMMIT
                    ? TransactionState.COMPLETE_COMMIT : TransactionState.COMPLETE_ABORT;
        }
        sendMarkers(entry, prepared, coordinatorEpoch);
    }

    /** Writes the markers of {@code prepared}, then its complete state; retries until done or no longer coordinator. */
    private void sendMarkers(Entry entry, TransactionMetadata prepared, int coordinatorEpoch) {
        if (closed) return;
        boolean commit = prepared.state() == TransactionState.PREPARE_COMMIT;
        markers.write(prepared.producerId(), prepared.producerEpoch(), coordinatorEpoch, commit, prepared.partitions())
                .whenComplete((ok, error) -> {
                    if (error != null) {
                        if (stillCoordinating(prepared.transactionalId(), coordinatorEpoch) && !closed) {
                            LOG.log(System.Logger.Level.WARNING, "Markers of transactional id " + prepared.transactionalId()
                                    + " not written yet, retrying: " + cause(error).getMessage());
                            scheduler.schedule(() -> sendMarkers(entry, prepared, coordinatorEpoch), RETRY_BACKOFF_MS,
                                    TimeUnit.MILLISECONDS);
                        } else {
                            clearPending(entry, prepared);
                        }
                        return;
                    }
                    writeComplete(entry, prepared, coordinatorEpoch);
                });
    }

    private void writeComplete(Entry entry, TransactionMetadata prepared, int coordinatorEpoch) {
        TransactionMetadata complete = prepared.completed(prepared.state() == TransactionState.PREPARE_COMMIT
                ? TransactionState.COMPLETE_COMMIT : TransactionState.COMPLETE_ABORT, now());
        store.write(complete).whenComplete((ok, error) -> {
            synchronized (entry) {
                if (error == null) {
                    if (entry.current == prepared) {
                        entry.current = complete;
                        entry.pending = null;
                    }
                    return;
                }
            }
            if (stillCoordinating(prepared.transactionalId(), coordinatorEpoch) && !closed) {
                scheduler.schedule(() -> writeComplete(entry, prepared, coordinatorEpoch), RETRY_BACKOFF_MS,
                        TimeUnit.MILLISECONDS);
            } else {
                clearPending(entry, prepared);
            }
        });
    }

    private static void clearPending(Entry entry, TransactionMetadata prepared) {
        synchronized (entry) {
            if (entry.current == prepared) entry.pending = null;
        }
    }

    private boolean stillCoordinating(String transactionalId, int coordinatorEpoch) {
        Loaded l = loaded.get(store.partitionFor(transactionalId));
        return l != null && l.coordinatorEpoch() == coordinatorEpoch;
    }

    /**
     * The PrepareAbort state that aborts {@code entry}'s open transaction with the producer epoch
     * bumped, so that the producer that opened it is fenced; marks it pending. Under {@code entry}'s
     * monitor, with nothing pending; the caller then runs {@link #abort} outside it.
     */
    private TransactionMetadata prepareEpochBumpAbort(Entry entry, String why) {
        TransactionMetadata m = entry.current;
        short epoch = m.epochExhausted() ? m.producerEpoch() : (short) (m.producerEpoch() + 1);
        entry.pending = TransactionState.PREPARE_ABORT;
        LOG.log(System.Logger.Level.INFO, "Aborting the transaction of " + m.transactionalId() + " (producer "
                + m.producerId() + ", epoch " + m.producerEpoch() + " -> " + epoch + "): " + why);
        return m.withEpoch(m.producerId(), m.previousProducerId(), epoch, m.producerEpoch(), m.timeoutMs(),
                TransactionState.PREPARE_ABORT, now());
    }

    private void abort(Entry entry, TransactionMetadata prepared, int coordinatorEpoch) {
        persist(entry, prepared).thenAccept(error -> {
            if (error == Errors.NONE) startCompletion(entry, prepared, coordinatorEpoch);
        });
    }

    /** Aborts every open transaction older than its timeout (run every {@code transaction.abort.timed.out.transaction.cleanup.interval.ms}). */
    public void abortTimedOut() {
        if (closed) return;
        long now = now();
        try {
            for (Loaded part : loaded.values()) {
                for (Entry e : part.txns().values()) {
                    TransactionMetadata prepared = null;
                    synchronized (e) {
                        TransactionMetadata m = e.current;
                        if (e.pending == null && m.state() == TransactionState.ONGOING
                                && m.startTimestampMs() + m.timeoutMs() < now) {
                            prepared = prepareEpochBumpAbort(e, "it exceeded its timeout of " + m.timeoutMs() + " ms");
                        }
                    }
                    if (prepared != null) abort(e, prepared, part.coordinatorEpoch());
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Aborting timed-out transactions failed", e);
        }
    }

    /**
     * Removes the transactional ids without an open transaction whose last state change is older
     * than {@code transactional.id.expiration.ms} (run every
     * {@code transaction.remove.expired.transaction.cleanup.interval.ms}): a tombstone is written to
     * the state log, then the id is forgotten; its next InitProducerId starts afresh.
     */
    public void removeExpired() {
        if (closed) return;
        long now = now();
        try {
            for (Loaded part : loaded.values()) {
                for (Map.Entry<String, Entry> e : part.txns().entrySet()) {
                    Entry entry = e.getValue();
                    TransactionMetadata m;
                    synchronized (entry) {
                        m = entry.current;
                        if (entry.pending != null || !m.state().idle()
                                || now - m.lastUpdateTimestampMs() <= config.transactionalIdExpirationMs()) continue;
                        entry.pending = TransactionState.DEAD;
                    }
                    store.writeTombstone(m.transactionalId(), now).whenComplete((ok, error) -> {
                        synchronized (entry) {
                            entry.pending = null;
                            if (error == null && entry.current == m) {
                                entry.current = m.withState(TransactionState.DEAD, now);
                                part.txns().remove(m.transactionalId(), entry);
                            }
                        }
                    });
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Removing expired transactional ids failed", e);
        }
    }

    /**
     * Writes {@code next} to the state log; on success it becomes {@code entry}'s state. Completes with
     * the error to answer ({@code NONE} on success). The entry's pending state is cleared either way.
     */
    private CompletableFuture<Errors> persist(Entry entry, TransactionMetadata next) {
        return store.write(next).handle((ok, error) -> {
            synchronized (entry) {
                entry.pending = null;
                if (error == null) {
                    entry.current = next;
                    return Errors.NONE;
                }
            }
            Throwable cause = cause(error);
            LOG.log(System.Logger.Level.DEBUG, "Writing the state of " + next.transactionalId() + " failed", cause);
            Errors e = Errors.forException(cause);
            return e == Errors.UNKNOWN_SERVER_ERROR ? Errors.COORDINATOR_NOT_AVAILABLE : e;
        });
    }

    // ---------------------------------------------------------------- admin

    /** The current state of {@code transactionalId}, if this node coordinates it and knows it. */
    public Optional<TransactionMetadata> describe(String transactionalId) {
        Loaded l = partitionOf(transactionalId);
        Entry e = l.txns().get(transactionalId);
        if (e == null) return Optional.empty();
        synchronized (e) {
            return Optional.of(e.current);
        }
    }

    /** The transactional ids this node coordinates that {@code filter} accepts. */
    public List<TransactionMetadata> list(Predicate<TransactionMetadata> filter) {
        List<TransactionMetadata> out = new ArrayList<>();
        for (Loaded l : loaded.values()) {
            for (Entry e : l.txns().values()) {
                TransactionMetadata m;
                synchronized (e) {
                    m = e.current;
                }
                if (m.producerEpoch() != RecordBatch.NO_PRODUCER_EPOCH && filter.test(m)) out.add(m);
            }
        }
        return out;
    }

    private long now() {
        return clock.millis();
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    private static Throwable cause(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    @Override
    public void close() {
        closed = true;
        timeoutTask.cancel(false);
        expiryTask.cancel(false);
    }
}
