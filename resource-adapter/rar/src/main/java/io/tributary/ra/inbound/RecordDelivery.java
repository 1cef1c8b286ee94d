package io.tributary.ra.inbound;

import io.tributary.api.BatchRecordListener;
import io.tributary.api.RecordListener;
import io.tributary.api.TributaryRecord;
import io.tributary.ra.AlreadyDeliveredException;
import io.tributary.ra.inbound.FailureClassifier.Phase;
import io.tributary.ra.inbound.FailureClassifier.Verdict;
import jakarta.resource.spi.endpoint.MessageEndpoint;
import jakarta.resource.spi.endpoint.MessageEndpointFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.lang.reflect.Method;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One delivery of records to the bean — a record, or a batch to a batch listener — and how it
 * ended. It never waits and never retries: the consumer decides what to do with the
 * {@link Result}.
 *
 * <p>When the bean's method is transacted, the endpoint is created with the offset store's
 * XAResource, the offset row is written after {@code beforeDelivery} (inside the bean's
 * transaction) and before the bean runs, and {@code afterDelivery} commits or rolls back both
 * together; whether it committed is read back from the offset store. Otherwise the offset is
 * written after the method returned. Each record carries the header {@code tributary.delivery.attempt} ({@link TributaryRecord#DELIVERY_ATTEMPT_HEADER}): 1 at
 * its first delivery, counting every delivery that reached the bean.
 *
 * <p>Keeps one endpoint between deliveries and releases it after a failed one. Confined to the
 * consumer's thread; not thread-safe.
 */
final class RecordDelivery implements AutoCloseable {
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

    /** How a delivery ended. */
    enum Outcome {
        /** Processed and its offsets stored. */
        COMMITTED,
        /** Another delivery had stored these offsets already (fencing); the bean was not invoked. */
        ALREADY_DELIVERED,
        /** Failed for an outage ({@link Verdict#OUTAGE}). */
        OUTAGE,
        /** Failed for the record's own sake ({@link Verdict#RECORD}). */
        RECORD_FAILED,
        /** Failed with a non-retryable exception ({@link Verdict#POISON}). */
        POISON
    }

    /**
     * @param error     what failed, or null (a commit, or a rollback without an exception)
     * @param attempted whether the records reached conversion or the bean (so the delivery counts as an attempt)
     */
    record Result(Outcome outcome, Throwable error, boolean attempted) {
    }

    private final MessageEndpointFactory factory;
    private final String group;
    private final OffsetSink sink;
    private final RecordConverter converter;
    private final boolean batch;
    private final FailureClassifier classifier;
    private MessageEndpoint endpoint;

    /** @param converter turns polled records into what the bean receives; closed with this delivery */
    RecordDelivery(MessageEndpointFactory factory, String group, OffsetSink sink, RecordConverter converter, boolean batch,
                   FailureClassifier classifier) {
        this.factory = factory;
        this.group = group;
        this.sink = sink;
        this.converter = converter;
        this.batch = batch;
        this.classifier = classifier;
    }

    /** Delivers {@code records} (one, unless to a batch listener) as delivery number {@code attempt} of them. */
    Result deliver(List<ConsumerRecord<byte[], byte[]>> records, int attempt) {
        Method method = batch ? ON_RECORDS : ON_RECORD;
        Map<String, Map<Integer, Long>> next = new LinkedHashMap<>();
        Map<String, Map<Integer, Long>> first = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            next.computeIfAbsent(r.topic(), t -> new LinkedHashMap<>()).merge(r.partition(), r.offset() + 1, Math::max);
            first.computeIfAbsent(r.topic(), t -> new LinkedHashMap<>()).merge(r.partition(), r.offset(), Math::min);
        }
        List<TributaryRecord> converted = new ArrayList<>(records.size());
        try {
            for (ConsumerRecord<byte[], byte[]> r : records) converted.add(converter.convert(r, attempt));
        } catch (RuntimeException e) {
            return failed(Phase.CONVERSION, e);
        }
        boolean transacted;
        MessageEndpoint ep;
        try {
            transacted = factory.isDeliveryTransacted(method);
            ep = endpoint(transacted);
        } catch (Exception e) {
            return failed(Phase.BEFORE_BEAN, e);
        }
        Phase phase = Phase.BEFORE_BEAN;
        Throwable error = null;
        boolean began = false;
        try {
            ep.beforeDelivery(method);
            began = true;
            if (transacted && !sink.inTransaction()) {
                throw new IllegalStateException("The container began no transaction for the delivery of " + describe(records)
                        + " to " + factory.getActivationName() + " (could it create the bean?); nothing was stored, "
                        + "the records are delivered again");
            }
            if (transacted) {
                for (Map.Entry<String, Map<Integer, Long>> e : next.entrySet()) {
                    sink.writeInTransaction(group, e.getKey(), first.get(e.getKey()), e.getValue());
                }
            }
            phase = Phase.BEAN;
            if (batch) ((BatchRecordListener) ep).onRecords(converted);
            else ((RecordListener) ep).onRecord(converted.get(0));
            phase = Phase.COMPLETION;
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
        if (phase == Phase.BEFORE_BEAN) {
            // The bean never ran: whatever the transaction's outcome — possibly still the previous
            // delivery's — these records were not processed and must be delivered again.
            if (error instanceof AlreadyDeliveredException) return new Result(Outcome.ALREADY_DELIVERED, error, false);
            return failed(phase, error);
        }
        try {
            if (transacted) {
                boolean committed = true;
                for (Map.Entry<String, Map<Integer, Long>> e : next.entrySet()) {
                    committed &= sink.committed(group, e.getKey(), e.getValue());
                }
                if (committed) return new Result(Outcome.COMMITTED, error, true);
                // Rolled back with no exception: the bean called setRollbackOnly.
                return failed(error == null ? Phase.BEAN : phase, error);
            }
            if (error != null) return failed(phase, error);
            for (Map.Entry<String, Map<Integer, Long>> e : next.entrySet()) {
                sink.writeNow(group, e.getKey(), e.getValue());
            }
            return new Result(Outcome.COMMITTED, null, true);
        } catch (SQLException e) {
            return failed(Phase.COMPLETION, e);
        }
    }

    private static String describe(List<ConsumerRecord<byte[], byte[]>> records) {
        ConsumerRecord<byte[], byte[]> first = records.get(0);
        ConsumerRecord<byte[], byte[]> last = records.get(records.size() - 1);
        return records.size() == 1 ? first.topic() + "-" + first.partition() + "@" + first.offset()
                : records.size() + " records from " + first.topic() + "-" + first.partition() + "@" + first.offset()
                + " to " + last.topic() + "-" + last.partition() + "@" + last.offset();
    }

    private Result failed(Phase phase, Throwable error) {
        boolean attempted = phase != Phase.BEFORE_BEAN;
        return switch (classifier.classify(phase, error)) {
            case OUTAGE -> new Result(Outcome.OUTAGE, error, attempted);
            case RECORD -> new Result(Outcome.RECORD_FAILED, error, attempted);
            case POISON -> new Result(Outcome.POISON, error, attempted);
        };
    }

    private MessageEndpoint endpoint(boolean transacted) throws Exception {
        if (endpoint == null) endpoint = factory.createEndpoint(transacted ? sink.xaResource() : null);
        return endpoint;
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

    /** Releases the endpoint. */
    @Override
    public void close() {
        releaseEndpoint();
        converter.close();
    }
}
