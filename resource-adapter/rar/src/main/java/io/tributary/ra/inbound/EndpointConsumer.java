package io.tributary.ra.inbound;

import io.tributary.api.BatchRecordListener;
import io.tributary.api.RecordListener;
import io.tributary.api.TributaryRecord;
import io.tributary.api.ValueReader;
import io.tributary.ra.AdapterClassLoader;
import jakarta.resource.spi.UnavailableException;
import jakarta.resource.spi.endpoint.MessageEndpoint;
import jakarta.resource.spi.endpoint.MessageEndpointFactory;
import jakarta.resource.spi.work.Work;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import java.util.function.Supplier;

/**
 * One consumer-group member of an activated message-driven bean, run as a {@link Work} on the
 * adapter's WorkManager. It polls, and delivers each record (or each poll, to a batch listener) in
 * partition order, on its own thread, so a partition's records are never delivered concurrently
 * and a rebalance (which runs inside {@code poll}) never finds a delivery in flight.
 *
 * <p>Delivery follows the resource adapter pattern of transacted JMS adapters: when the bean's
 * method is transacted, the endpoint is created with the offset store's XAResource, the offset row
 * is written after {@code beforeDelivery} (inside the bean's transaction) and before the bean
 * runs, and {@code afterDelivery} commits or rolls back both together. A rollback — an exception
 * or {@code setRollbackOnly} — leaves the stored offset where it was: the record is delivered again
 * after {@code redeliveryBackoff}, up to {@code maxRedeliveries} times, then published to the
 * dead-letter topic and skipped. Non-transacted beans get at-least-once delivery: the offset is
 * written after the method returns. When partitions are assigned the consumer seeks to the stored
 * offsets, so what the database says is what is delivered next.
 *
 * <p>Thread safety: all state is confined to the work's thread, except {@link #release()}, which
 * may be called from any thread.
 */
public final class EndpointConsumer implements Work {
    private static final System.Logger LOG = System.getLogger(EndpointConsumer.class.getName());
    static final Method ON_RECORD;
    static final Method ON_RECORDS;

    static {
        try {
            ON_RECORD = RecordListener.class.getMethod("onRecord", TributaryRecord.class);
            ON_RECORDS = BatchRecordListener.class.getMethod("onRecords", List.class);
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final MessageEndpointFactory factory;
    private final TributaryActivationSpec spec;
    private final Supplier<KafkaConsumer<byte[], byte[]>> consumerFactory;
    private final Supplier<OffsetSink> sinkFactory;
    private final DeadLetterPublisher deadLetters;
    private final ValueReader valueReader;
    private final boolean batch;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private OffsetSink sink;
    private MessageEndpoint endpoint;

    EndpointConsumer(MessageEndpointFactory factory, TributaryActivationSpec spec,
                     Supplier<KafkaConsumer<byte[], byte[]>> consumerFactory, Supplier<OffsetSink> sinkFactory,
                     DeadLetterPublisher deadLetters, ValueReader valueReader, boolean batch) {
        this.factory = factory;
        this.spec = spec;
        this.consumerFactory = consumerFactory;
        this.sinkFactory = sinkFactory;
        this.deadLetters = deadLetters;
        this.valueReader = valueReader;
        this.batch = batch;
    }

    @Override
    public void run() {
        try {
            AdapterClassLoader.run(this::consume);
        } finally {
            finished.countDown();
        }
    }

    /** Subscribes, polls and delivers until released; runs with the adapter's class loader as context class loader. */
    private void consume() {
        try {
            sink = sinkFactory.get();
            consumer = consumerFactory.get();
            ConsumerRebalanceListener listener = new SeekToStoredOffsets();
            if (spec.usesTopicPattern()) {
                consumer.subscribe(Pattern.compile(spec.getTopicPattern()), listener);
            } else {
                consumer.subscribe(spec.topicList(), listener);
            }
            while (running) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(Duration.ofMillis(500));
                } catch (WakeupException e) {
                    if (!running) break;
                    continue;
                }
                if (records.isEmpty()) continue;
                Map<TopicPartition, OffsetAndMetadata> done = batch ? deliverBatch(records) : deliverEach(records);
                if (!done.isEmpty()) consumer.commitAsync(done, null);
            }
        } catch (WakeupException e) {
            // released
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "Consumer of group " + spec.getGroupId() + " stopped", e);
        } finally {
            releaseEndpoint();
            if (consumer != null) {
                try {
                    // Short: close sends LeaveGroup, then waits for every request in flight, and a
                    // JoinGroup in flight waits for the whole rebalance (members of a crashed run stay
                    // until their session times out). The offsets are in the database, not in flight,
                    // and servers stop endpoints one after another within a limit (Payara: 30 s for all).
                    consumer.close(Duration.ofSeconds(2));
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "Error closing consumer of group " + spec.getGroupId(), e);
                }
            }
            if (sink != null) sink.close();
        }
    }

    /** Seeks each newly assigned partition to the offset stored with the bean's data. */
    private final class SeekToStoredOffsets implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // Deliveries run on this thread, so none is in flight while poll() rebalances.
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            Map<String, List<TopicPartition>> byTopic = new HashMap<>();
            for (TopicPartition tp : partitions) byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp);
            for (Map.Entry<String, List<TopicPartition>> e : byTopic.entrySet()) {
                try {
                    Map<Integer, Long> stored = sink.read(spec.getGroupId(), e.getKey(), () -> running);
                    for (TopicPartition tp : e.getValue()) {
                        Long next = stored.get(tp.partition());
                        if (next != null) consumer.seek(tp, next);
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

    private Map<TopicPartition, OffsetAndMetadata> deliverEach(ConsumerRecords<byte[], byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> done = new LinkedHashMap<>();
        for (TopicPartition tp : records.partitions()) {
            for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                if (!running) return done;
                // False only when stopping mid-redelivery: the record was not delivered, so do not commit past it.
                if (!deliverWithRedelivery(List.of(r), false)) return done;
                done.put(tp, new OffsetAndMetadata(r.offset() + 1));
            }
        }
        return done;
    }

    private Map<TopicPartition, OffsetAndMetadata> deliverBatch(ConsumerRecords<byte[], byte[]> records) {
        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
        Map<TopicPartition, OffsetAndMetadata> done = new LinkedHashMap<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> rs = records.records(tp);
            all.addAll(rs);
            done.put(tp, new OffsetAndMetadata(rs.get(rs.size() - 1).offset() + 1));
        }
        if (!deliverWithRedelivery(all, true)) {
            // The batch kept failing: deliver its records one by one, so only the failing ones go to the dead-letter topic.
            for (ConsumerRecord<byte[], byte[]> r : all) {
                if (!running) return Map.of();
                deliverWithRedelivery(List.of(r), false);
            }
        }
        return done;
    }

    /**
     * Delivers until it commits, or until {@code maxRedeliveries} is exhausted. For a single record
     * exhaustion means dead-lettering it and storing the offset after it; for a batch it returns
     * false and the caller falls back to single records.
     */
    private boolean deliverWithRedelivery(List<ConsumerRecord<byte[], byte[]>> records, boolean isBatch) {
        int attempts = 0;
        Throwable lastError = null;
        while (running) {
            Attempt a = deliverOnce(records);
            if (a.committed()) return true;
            if (!a.beanInvoked() && a.error() instanceof io.tributary.ra.AlreadyDeliveredException done) {
                // Another delivery stored these records (a consumer that still held the partition, or a
                // transaction recovered after a crash): processing them again would duplicate them. A batch
                // may mix stored and new records: it falls back to single records, each checked on its own.
                if (isBatch) return false;
                LOG.log(System.Logger.Level.INFO, "Skipping " + describe(records) + " for group " + spec.getGroupId()
                        + ": " + done.getMessage());
                return true;
            }
            if (!a.beanInvoked()) {
                // The offset store or the container failed before the bean ran (e.g. rows locked by a
                // transaction awaiting recovery): wait and retry without spending a redelivery.
                LOG.log(System.Logger.Level.WARNING, "Could not deliver " + describe(records) + " to group "
                        + spec.getGroupId() + ", retrying: " + a.error());
                sleep(Math.max(1000, spec.getRedeliveryBackoff()));
                continue;
            }
            attempts++;
            lastError = a.error();
            if (attempts > spec.getMaxRedeliveries()) break;
            LOG.log(System.Logger.Level.INFO, "Delivery of " + describe(records) + " to group " + spec.getGroupId()
                    + " failed (attempt " + attempts + "), redelivering: " + (lastError == null ? "rolled back" : lastError));
            sleep(spec.getRedeliveryBackoff());
        }
        if (!running || isBatch) return false;
        ConsumerRecord<byte[], byte[]> r = records.get(0);
        String dlt = spec.deadLetterTopicFor(r.topic());
        while (running) {
            try {
                deadLetters.publish(dlt, r, attempts, lastError);
                sink.writeNow(spec.getGroupId(), r.topic(), Map.of(r.partition(), r.offset() + 1));
                LOG.log(System.Logger.Level.WARNING, "Record " + describe(records) + " failed " + attempts
                        + " times; published to dead-letter topic " + dlt);
                return true;
            } catch (Exception e) {
                LOG.log(System.Logger.Level.ERROR, "Cannot dead-letter " + describe(records) + " to " + dlt + "; retrying", e);
                sleep(Math.max(1000, spec.getRedeliveryBackoff()));
            }
        }
        return false;
    }

    /** How one delivery ended; {@code beanInvoked} is false when it failed before the bean ran (infrastructure). */
    private record Attempt(boolean committed, Throwable error, boolean beanInvoked) {
        Attempt(boolean committed, Throwable error) {
            this(committed, error, true);
        }
    }

    private Attempt deliverOnce(List<ConsumerRecord<byte[], byte[]>> records) {
        Method method = batch ? ON_RECORDS : ON_RECORD;
        String topicOfAll = records.get(0).topic();
        Map<String, Map<Integer, Long>> next = new LinkedHashMap<>();
        Map<String, Map<Integer, Long>> first = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            next.computeIfAbsent(r.topic(), t -> new LinkedHashMap<>()).merge(r.partition(), r.offset() + 1, Math::max);
            first.computeIfAbsent(r.topic(), t -> new LinkedHashMap<>()).merge(r.partition(), r.offset(), Math::min);
        }
        Throwable error = null;
        boolean transacted;
        MessageEndpoint ep;
        try {
            transacted = factory.isDeliveryTransacted(method);
            ep = endpoint(transacted);
        } catch (Exception e) {
            return new Attempt(false, e);
        }
        boolean began = false;
        boolean invoked = false;
        try {
            ep.beforeDelivery(method);
            began = true;
            if (transacted) {
                for (Map.Entry<String, Map<Integer, Long>> e : next.entrySet()) {
                    sink.writeInTransaction(spec.getGroupId(), e.getKey(), first.get(e.getKey()), e.getValue());
                }
            }
            List<TributaryRecord> converted = new ArrayList<>(records.size());
            for (ConsumerRecord<byte[], byte[]> r : records) converted.add(convert(r));
            invoked = true;
            if (batch) ((BatchRecordListener) ep).onRecords(converted);
            else ((RecordListener) ep).onRecord(converted.get(0));
        } catch (Throwable t) {
            error = t;
        } finally {
            if (began) {
                try {
                    ep.afterDelivery();
                } catch (Throwable t) {
                    if (error == null) error = t;
                }
            }
        }
        if (error != null) releaseEndpoint();
        // The bean never ran (beforeDelivery or the offset write failed): whatever the transaction's outcome —
        // possibly still the previous delivery's — these records were not processed and must be delivered again.
        if (!invoked) return new Attempt(false, error, false);
        try {
            if (transacted) {
                boolean committed = true;
                for (Map.Entry<String, Map<Integer, Long>> e : next.entrySet()) {
                    committed &= sink.committed(spec.getGroupId(), e.getKey(), e.getValue());
                }
                return new Attempt(committed, error);
            }
            if (error != null) return new Attempt(false, error);
            for (Map.Entry<String, Map<Integer, Long>> e : next.entrySet()) {
                sink.writeNow(spec.getGroupId(), e.getKey(), e.getValue());
            }
            return new Attempt(true, null);
        } catch (java.sql.SQLException e) {
            return new Attempt(false, e);
        }
    }

    private MessageEndpoint endpoint(boolean transacted) throws UnavailableException {
        if (endpoint != null) return endpoint;
        UnavailableException last = null;
        for (int i = 0; i < 60 && running; i++) {
            try {
                endpoint = factory.createEndpoint(transacted ? sink.xaResource() : null);
                return endpoint;
            } catch (UnavailableException e) {
                last = e;
                sleep(500);
            }
        }
        throw last != null ? last : new UnavailableException("The endpoint of group " + spec.getGroupId() + " is stopping");
    }

    private void releaseEndpoint() {
        if (endpoint != null) {
            try {
                endpoint.release();
            } catch (RuntimeException ignored) {
                // The container discards it.
            }
            endpoint = null;
        }
    }

    /** Created on the first record, on this work's thread: deserializers are per consumer, like a Kafka consumer's. */
    private RecordConverter converter;

    /** @throws io.tributary.api.RecordDeserializationException when the activation's deserializer cannot read the record */
    private TributaryRecord convert(ConsumerRecord<byte[], byte[]> r) {
        if (converter == null) {
            Class<?> bean = factory.getEndpointClass();
            converter = RecordConverter.of(spec, valueReader, bean == null ? null : bean.getClassLoader());
        }
        return converter.convert(r);
    }

    private static String describe(List<ConsumerRecord<byte[], byte[]>> records) {
        ConsumerRecord<byte[], byte[]> first = records.get(0);
        return records.size() == 1 ? first.topic() + "-" + first.partition() + "@" + first.offset()
                : records.size() + " records from " + first.topic() + "-" + first.partition() + "@" + first.offset();
    }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void release() {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) c.wakeup();
    }

    /** Waits until the work has stopped (its consumer left the group). */
    boolean awaitStopped(long millis) throws InterruptedException {
        return finished.await(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
}
