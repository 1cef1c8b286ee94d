package io.tributary.ra.inbound;

import io.tributary.api.ValueReader;
import io.tributary.ra.AdapterClassLoader;
import io.tributary.ra.inbound.ConsumerStatus.State;
import io.tributary.ra.inbound.DeferredDeliveries.Deferred;
import io.tributary.ra.inbound.RecordDelivery.Result;
import jakarta.resource.spi.endpoint.MessageEndpointFactory;
import jakarta.resource.spi.work.HintsContext;
import jakarta.resource.spi.work.Work;
import jakarta.resource.spi.work.WorkContext;
import jakarta.resource.spi.work.WorkContextProvider;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * One consumer-group member of an activated message-driven bean, run as a long-running {@link Work}
 * on the adapter's WorkManager (it asks for {@link HintsContext#LONGRUNNING_HINT}; the WorkManager
 * may ignore it). It polls, and delivers each record (or each poll, to a batch listener) in
 * partition order through a {@link RecordDelivery}, on its own thread, so a partition's records are
 * never delivered concurrently and a rebalance (which runs inside {@code poll}) never finds a
 * delivery in flight. When partitions are assigned it seeks to the offsets stored with the bean's
 * data, so what the database says is what is delivered next.
 *
 * <p><b>Failed deliveries never block polling.</b> A delivery that must be retried later is
 * deferred ({@link DeferredDeliveries}): its partitions are paused and the consumer keeps polling,
 * which keeps it in its group whatever the backoff and {@code max.poll.interval.ms}, and keeps its
 * other partitions flowing; when the backoff ends the records are delivered again and the
 * partitions resumed. An outage ({@link FailureClassifier}) is retried with the outage backoff
 * forever, spending no redelivery; a record's own failure with the redelivery backoff, up to
 * {@code maxRedeliveries} times, and then it is published to the dead-letter topic and its offset
 * stored; a non-retryable failure is dead-lettered at once. A batch that keeps failing (or fails
 * non-retryably) is delivered again record by record, so only the failing records are dead-lettered.
 *
 * <p><b>Supervision.</b> When the consumer's loop fails unexpectedly (any exception or error out of
 * {@code poll}, the rebalance listener, opening the offset store…) the consumer is closed and, after
 * the outage backoff (growing while the restarted consumer fails before it could poll once), a new
 * one is started, until the activation is deactivated. Only a {@link LinkageError} ends it for good
 * ({@link State#FAILED}). Its {@link #status()} tells which of this is happening.
 *
 * <p><b>Monitoring.</b> Each delivery updates the activation's {@link DeliveryMetrics}; after a
 * poll (at most once a second) the consumer records each assigned partition's lag as its last fetch
 * reported it ({@code currentLag}, no request of its own). A {@link #seek} request is queued and
 * carried out by the work's thread between two polls, like every other change of the consumer.
 *
 * <p>Thread safety: all state is confined to the work's thread, except {@link #release()},
 * {@link #status()}, {@link #lag()} and {@link #seek}, which may be called from any thread.
 */
public final class EndpointConsumer implements Work, WorkContextProvider {
    private static final System.Logger LOG = System.getLogger(EndpointConsumer.class.getName());
    private static final long POLL_MS = 500;
    private static final long LAG_REFRESH_NANOS = 1_000_000_000L;

    /** A request to store {@code offset} as the next offset of {@code partition} and seek there; completes with whether this consumer held it. */
    record SeekRequest(TopicPartition partition, long offset, CompletableFuture<Boolean> done) {
    }

    private final MessageEndpointFactory factory;
    private final TributaryActivationSpec spec;
    private final String clientId;
    private final Supplier<KafkaConsumer<byte[], byte[]>> consumerFactory;
    private final Supplier<OffsetSink> sinkFactory;
    private final DeadLetterPublisher deadLetters;
    private final ValueReader valueReader;
    private final boolean batch;
    private final DeliveryMetrics metrics;
    private final Queue<SeekRequest> seeks = new ConcurrentLinkedQueue<>();
    private final FailureClassifier classifier;
    private final Backoff redeliveryBackoff;
    private final Backoff outageBackoff;
    private final CountDownLatch finished = new CountDownLatch(1);
    /** Notified by {@link #release()}, to end a wait before a restart. */
    private final Object releaseSignal = new Object();
    private volatile boolean running = true;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile ConsumerStatus status;
    /** Lag of each assigned partition as last seen; replaced (never changed) by the work's thread. */
    private volatile Map<TopicPartition, Long> lag = Map.of();

    // Confined to the work's thread; the first three belong to the current consumer.
    private OffsetSink sink;
    private RecordDelivery delivery;
    private DeferredDeliveries deferred = new DeferredDeliveries();
    /** The current consumer was given its partitions (possibly none) by the group. */
    private boolean assigned;
    /** A poll of the current consumer returned normally after {@link #assigned}: it works. */
    private boolean polledOnce;
    private int restarts;
    private String lastError;
    private long lagRefreshedNanos;

    EndpointConsumer(MessageEndpointFactory factory, TributaryActivationSpec spec, String clientId,
                     Supplier<KafkaConsumer<byte[], byte[]>> consumerFactory, Supplier<OffsetSink> sinkFactory,
                     DeadLetterPublisher deadLetters, ValueReader valueReader, boolean batch, DeliveryMetrics metrics) {
        this.factory = factory;
        this.spec = spec;
        this.clientId = clientId;
        this.consumerFactory = consumerFactory;
        this.sinkFactory = sinkFactory;
        this.deadLetters = deadLetters;
        this.valueReader = valueReader;
        this.batch = batch;
        this.metrics = metrics;
        this.classifier = new FailureClassifier(spec.retryableExceptionList(), spec.nonRetryableExceptionList());
        this.redeliveryBackoff = spec.redeliveryBackoffPolicy();
        this.outageBackoff = spec.outageBackoffPolicy();
        this.status = new ConsumerStatus(clientId, State.STOPPED, null, Instant.now(), 0, List.of());
    }

    /** What this consumer is doing now. */
    public ConsumerStatus status() {
        return status;
    }

    /** The lag of each partition this consumer holds, as its fetches last reported it; empty while it is not running. */
    Map<TopicPartition, Long> lag() {
        return lag;
    }

    /** Queues a seek for the work's thread; {@code request} completes when it is done or when this consumer does not hold the partition. */
    void seek(SeekRequest request) {
        seeks.add(request);
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) c.wakeup();
        if (!running || status.state() == State.RETRYING || status.state() == State.FAILED) {
            drainSeeks(null);
        }
    }

    @Override
    public List<WorkContext> getWorkContexts() {
        HintsContext hints = new HintsContext();
        hints.setName("Tributary consumer " + clientId);
        hints.setDescription("Polls and delivers to a message-driven bean until the bean is deactivated");
        hints.setHint(HintsContext.NAME_HINT, "Tributary consumer " + clientId);
        hints.setHint(HintsContext.LONGRUNNING_HINT, Boolean.TRUE);
        return List.of(hints);
    }

    @Override
    public void run() {
        try {
            AdapterClassLoader.run(this::supervise);
        } finally {
            finished.countDown();
        }
    }

    /** Runs consumers one after another until released; runs with the adapter's class loader as context class loader. */
    private void supervise() {
        int failuresInARow = 0;
        while (running) {
            try {
                polledOnce = false;
                assigned = false;
                consume();
            } catch (RuntimeException | Error e) {
                if (!running) break;
                lastError = ConsumerStatus.describe(e);
                if (e instanceof LinkageError) {
                    LOG.log(System.Logger.Level.ERROR, "Consumer " + clientId + " of group " + spec.getGroupId()
                            + " failed and cannot be restarted", e);
                    setState(State.FAILED);
                    return;
                }
                failuresInARow = polledOnce ? 1 : failuresInARow + 1;
                long delay = outageBackoff.delayMs(failuresInARow);
                LOG.log(System.Logger.Level.WARNING, "Consumer " + clientId + " of group " + spec.getGroupId()
                        + " failed; restarting it in " + delay + " ms", e);
                setState(State.RETRYING);
                awaitRelease(delay);
                if (running) restarts++;
            }
        }
        setState(State.STOPPED);
    }

    /** One consumer: subscribes, polls and delivers until released; closes everything it opened. */
    private void consume() {
        deferred = new DeferredDeliveries();
        try {
            sink = sinkFactory.get();
            Class<?> bean = factory.getEndpointClass();
            delivery = new RecordDelivery(factory, spec.getGroupId(), sink,
                    RecordConverter.of(spec, valueReader, bean == null ? null : bean.getClassLoader()), batch, classifier);
            KafkaConsumer<byte[], byte[]> c = consumerFactory.get();
            consumer = c;
            ConsumerRebalanceListener listener = new SeekToStoredOffsets(c);
            if (spec.usesTopicPattern()) {
                c.subscribe(Pattern.compile(spec.getTopicPattern()), listener);
            } else {
                c.subscribe(spec.topicList(), listener);
            }
            // A restarted consumer stays RETRYING until it has proved itself (a poll after its
            // assignment), so that readiness does not flap while the same failure repeats.
            if (status.state() != State.RETRYING) setState(State.RUNNING);
            while (running) {
                drainSeeks(c);
                Map<TopicPartition, OffsetAndMetadata> done = new LinkedHashMap<>();
                for (Deferred d : deferred.takeDue()) {
                    if (!running) break;
                    if (d.asBatch()) deliverBatch(c, d.records(), d.retry(), done);
                    else deliverSingly(c, d.records(), d.retry(), done);
                    deferred.resumeUnlessDeferred(c, d.partitions());
                }
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = c.poll(Duration.ofMillis(deferred.millisUntilNextDue(POLL_MS)));
                } catch (WakeupException e) {
                    if (!running) break;
                    continue;
                }
                if (assigned) polledOnce = true;
                refreshLag(c);
                if (!records.isEmpty()) {
                    List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>(records.count());
                    for (TopicPartition tp : records.partitions()) all.addAll(records.records(tp));
                    if (batch) deliverBatch(c, all, Retry.NONE, done);
                    else deliverSingly(c, all, Retry.NONE, done);
                }
                if (!done.isEmpty()) c.commitAsync(done, null);
                if (polledOnce) setState(deferred.paused().isEmpty() ? State.RUNNING : State.PAUSED);
            }
        } catch (WakeupException e) {
            if (running) throw e;
        } finally {
            if (delivery != null) delivery.close();
            delivery = null;
            KafkaConsumer<byte[], byte[]> c = consumer;
            consumer = null;
            if (c != null) {
                try {
                    // Short: close sends LeaveGroup, then waits for every request in flight, and a
                    // JoinGroup in flight waits for the whole rebalance (members of a crashed run stay
                    // until their session times out). The offsets are in the database, not in flight,
                    // and servers stop endpoints one after another within a limit (Payara: 30 s for all).
                    c.close(Duration.ofSeconds(2));
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "Error closing consumer " + clientId + " of group " + spec.getGroupId(), e);
                }
            }
            drainSeeks(null);
            if (sink != null) sink.close();
            sink = null;
            deferred = new DeferredDeliveries();
            lag = Map.of();
        }
    }

    /**
     * Carries out the queued seeks of partitions {@code c} holds (stores the offset, drops what waits for
     * a backoff, resumes and seeks); answers the others with false, as do all when {@code c} is null.
     */
    private void drainSeeks(KafkaConsumer<byte[], byte[]> c) {
        SeekRequest r;
        while ((r = seeks.poll()) != null) {
            if (c == null || !c.assignment().contains(r.partition())) {
                r.done().complete(false);
                continue;
            }
            try {
                TopicPartition tp = r.partition();
                sink.writeNow(spec.getGroupId(), tp.topic(), Map.of(tp.partition(), r.offset()));
                deferred.forget(List.of(tp));
                c.resume(List.of(tp));
                c.seek(tp, r.offset());
                LOG.log(System.Logger.Level.INFO, "Consumer " + clientId + " of group " + spec.getGroupId() + " seeks "
                        + tp + " to offset " + r.offset() + " (administrative request)");
                r.done().complete(true);
            } catch (Exception e) {
                r.done().completeExceptionally(e);
            }
        }
    }

    /** Records each assigned partition's lag from the consumer's fetch state, at most once a second. */
    private void refreshLag(KafkaConsumer<byte[], byte[]> c) {
        long now = System.nanoTime();
        if (now - lagRefreshedNanos < LAG_REFRESH_NANOS) return;
        lagRefreshedNanos = now;
        Map<TopicPartition, Long> m = new HashMap<>();
        for (TopicPartition tp : c.assignment()) {
            OptionalLong l = c.currentLag(tp);
            if (l.isPresent()) m.put(tp, l.getAsLong());
        }
        lag = Map.copyOf(m);
    }

    /** Delivers through {@link #delivery}, timing it for the metrics. */
    private Result deliver(List<ConsumerRecord<byte[], byte[]>> records, int attempt) {
        long start = System.nanoTime();
        Result result = delivery.deliver(records, attempt);
        if (result.attempted() || result.outcome() == RecordDelivery.Outcome.COMMITTED) {
            metrics.delivery(records.size(), attempt, System.nanoTime() - start);
        }
        if (result.outcome() == RecordDelivery.Outcome.COMMITTED) metrics.committed(records.size());
        else if (result.outcome() == RecordDelivery.Outcome.OUTAGE) metrics.outagePause();
        return result;
    }

    /** Seeks each newly assigned partition to the offset stored with the bean's data; forgets the deliveries deferred for revoked ones. */
    private final class SeekToStoredOffsets implements ConsumerRebalanceListener {
        private final KafkaConsumer<byte[], byte[]> c;

        SeekToStoredOffsets(KafkaConsumer<byte[], byte[]> c) {
            this.c = c;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // Deliveries run on this thread, so none is in flight while poll() rebalances.
            deferred.forget(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            assigned = true;
            Map<String, List<TopicPartition>> byTopic = new HashMap<>();
            for (TopicPartition tp : partitions) byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp);
            for (Map.Entry<String, List<TopicPartition>> e : byTopic.entrySet()) {
                try {
                    Map<Integer, Long> stored = sink.read(spec.getGroupId(), e.getKey(), () -> running);
                    for (TopicPartition tp : e.getValue()) {
                        Long next = stored.get(tp.partition());
                        if (next != null) c.seek(tp, next);
                    }
                } catch (java.sql.SQLException ex) {
                    // Released while waiting: poll() returns to a loop that ends without delivering.
                    if (!running) throw new WakeupException();
                    throw new IllegalStateException("Cannot read the stored offsets of group " + spec.getGroupId()
                            + " for " + e.getKey() + ": " + ex.getMessage(), ex);
                }
            }
        }
    }

    /**
     * Delivers {@code records} (in partition order) one by one; {@code firstRetry} is how the delivery of
     * the first record went so far. A record that must wait defers it with the rest of its partition's
     * records, and the other partitions go on. Adds the next offset of each partition's delivered records to {@code done}.
     */
    private void deliverSingly(KafkaConsumer<byte[], byte[]> c, List<ConsumerRecord<byte[], byte[]>> records, Retry firstRetry,
                               Map<TopicPartition, OffsetAndMetadata> done) {
        Set<TopicPartition> waiting = new HashSet<>();
        for (int i = 0; i < records.size(); i++) {
            if (!running) return;
            ConsumerRecord<byte[], byte[]> r = records.get(i);
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            if (waiting.contains(tp)) continue;
            Retry retry = i == 0 ? firstRetry : Retry.NONE;
            Retry later = deliverOne(r, retry);
            if (later == null) {
                done.put(tp, new OffsetAndMetadata(r.offset() + 1));
                continue;
            }
            waiting.add(tp);
            List<ConsumerRecord<byte[], byte[]>> rest = new ArrayList<>();
            for (int j = i; j < records.size(); j++) {
                ConsumerRecord<byte[], byte[]> o = records.get(j);
                if (o.topic().equals(r.topic()) && o.partition() == r.partition()) rest.add(o);
            }
            deferred.defer(c, rest, false, later, delayOf(later));
        }
    }

    /** Delivers, or dead-letters, one record: null when that is done, otherwise how it went (to try again after a backoff). */
    private Retry deliverOne(ConsumerRecord<byte[], byte[]> r, Retry retry) {
        if (retry.deadLetter()) return deadLetter(r, retry);
        Result result = deliver(List.of(r), retry.deliveries() + 1);
        Retry next = retry.after(result);
        switch (result.outcome()) {
            case COMMITTED:
                return null;
            case ALREADY_DELIVERED:
                // Another delivery stored this record (a consumer that still held the partition, or a
                // transaction recovered after a crash): processing it again would duplicate it.
                LOG.log(System.Logger.Level.INFO, "Skipping " + describe(r) + " for group " + spec.getGroupId()
                        + ": " + result.error().getMessage());
                return null;
            case OUTAGE:
                lastError = ConsumerStatus.describe(result.error());
                LOG.log(System.Logger.Level.WARNING, "Could not deliver " + describe(r) + " to group " + spec.getGroupId()
                        + ", retrying without spending a redelivery (outage " + next.outages() + "): " + result.error());
                return next;
            case POISON:
                return deadLetter(r, next);
            case RECORD_FAILED:
            default:
                lastError = describeRecordFailure(result.error());
                if (next.failures() > spec.getMaxRedeliveries()) return deadLetter(r, next.toDeadLetter());
                LOG.log(System.Logger.Level.INFO, "Delivery of " + describe(r) + " to group " + spec.getGroupId()
                        + " failed (attempt " + next.failures() + "), redelivering: " + lastError);
                return next;
        }
    }

    /** Publishes a record to the dead-letter topic and stores the offset after it: null when done, otherwise how it went. */
    private Retry deadLetter(ConsumerRecord<byte[], byte[]> r, Retry retry) {
        String dlt = spec.deadLetterTopicFor(r.topic());
        boolean published = retry.published();
        try {
            if (!published) {
                deadLetters.publish(dlt, r, retry.deliveries(), retry.lastError());
                published = true;
            }
            sink.writeNow(spec.getGroupId(), r.topic(), Map.of(r.partition(), r.offset() + 1));
            metrics.deadLettered();
            LOG.log(System.Logger.Level.WARNING, "Record " + describe(r) + " failed " + retry.deliveries()
                    + " time(s) (" + describeRecordFailure(retry.lastError()) + "); published to dead-letter topic " + dlt);
            return null;
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            lastError = ConsumerStatus.describe(e);
            LOG.log(System.Logger.Level.ERROR, "Cannot dead-letter " + describe(r) + " to " + dlt + "; retrying", e);
            return retry.deadLetterFailed(published);
        }
    }

    /**
     * Delivers {@code records} (of one or more partitions) as one batch; {@code retry} is how it went so
     * far. A batch that failed {@code 1 + maxRedeliveries} times, or non-retryably, or that mixes stored
     * and new records, is delivered again one record at a time, each checked on its own.
     */
    private void deliverBatch(KafkaConsumer<byte[], byte[]> c, List<ConsumerRecord<byte[], byte[]>> records, Retry retry,
                              Map<TopicPartition, OffsetAndMetadata> done) {
        Result result = deliver(records, retry.deliveries() + 1);
        Retry next = retry.after(result);
        switch (result.outcome()) {
            case COMMITTED:
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    done.merge(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1),
                            (a, b) -> a.offset() >= b.offset() ? a : b);
                }
                return;
            case OUTAGE:
                lastError = ConsumerStatus.describe(result.error());
                LOG.log(System.Logger.Level.WARNING, "Could not deliver " + describe(records) + " to group " + spec.getGroupId()
                        + ", retrying without spending a redelivery (outage " + next.outages() + "): " + result.error());
                deferred.defer(c, records, true, next, delayOf(next));
                return;
            case RECORD_FAILED:
                lastError = describeRecordFailure(result.error());
                if (next.failures() <= spec.getMaxRedeliveries()) {
                    LOG.log(System.Logger.Level.INFO, "Delivery of " + describe(records) + " to group " + spec.getGroupId()
                            + " failed (attempt " + next.failures() + "), redelivering: " + lastError);
                    deferred.defer(c, records, true, next, delayOf(next));
                    return;
                }
                break;
            case POISON:
                lastError = describeRecordFailure(result.error());
                break;
            case ALREADY_DELIVERED:
            default:
                break;
        }
        deliverSingly(c, records, Retry.NONE, done);
    }

    /** How long a delivery that went as {@code retry} waits before its next try. */
    private long delayOf(Retry retry) {
        if (retry.deadLetter() || retry.outages() > 0) return outageBackoff.delayMs(Math.max(1, retry.outages()));
        return redeliveryBackoff.delayMs(retry.failures());
    }

    private void setState(State state) {
        ConsumerStatus previous = status;
        List<TopicPartition> paused = state == State.PAUSED ? new ArrayList<>(deferred.paused()) : List.of();
        if (previous.state() == state && previous.restarts() == restarts && previous.pausedPartitions().equals(paused)
                && java.util.Objects.equals(previous.lastError(), lastError)) {
            return;
        }
        Instant since = previous.state() == state ? previous.since() : Instant.now();
        status = new ConsumerStatus(clientId, state, lastError, since, restarts, paused);
    }

    /** Waits up to {@code millis}, or until released. */
    private void awaitRelease(long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        synchronized (releaseSignal) {
            long left;
            while (running && (left = deadline - System.nanoTime()) > 0) {
                try {
                    releaseSignal.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    running = false;
                }
            }
        }
    }

    private static String describeRecordFailure(Throwable error) {
        return error == null ? "the transaction was rolled back" : ConsumerStatus.describe(error);
    }

    private static String describe(ConsumerRecord<byte[], byte[]> r) {
        return r.topic() + "-" + r.partition() + "@" + r.offset();
    }

    private static String describe(List<ConsumerRecord<byte[], byte[]>> records) {
        ConsumerRecord<byte[], byte[]> first = records.get(0);
        return records.size() == 1 ? describe(first) : records.size() + " records from " + describe(first);
    }

    @Override
    public void release() {
        running = false;
        synchronized (releaseSignal) {
            releaseSignal.notifyAll();
        }
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) c.wakeup();
    }

    /** Waits until the work has stopped (its consumer left the group). */
    boolean awaitStopped(long millis) throws InterruptedException {
        return finished.await(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
}
