package io.tributary.broker.fault;

import io.tributary.broker.testing.Poll;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The load a fault-injection run keeps on the cluster from start to end: several idempotent
 * {@code acks=all} producers, each writing to every partition in turn at a steady pace, and one
 * consumer (assign + seekToBeginning, no group) reading every partition all the time.
 *
 * <p>A record's value is {@code P<producer>:<partition>:<sequence>}, the sequence counting every
 * send of that producer, so the order of one producer's records can be checked in a log. For each
 * acknowledged record the workload keeps the offset the broker returned and the time of the
 * acknowledgement ({@link System#nanoTime()}); a send that fails with an error to the client is
 * kept as a {@link SendFailure}, never as acknowledged. A producer that reports a non-retriable
 * error is closed and replaced (its successor keeps its id and sequence), as an application would.
 * The consumer keeps what it read by offset; reading a different value at an offset it read
 * before (after a reset) is kept as a conflict.
 *
 * <p>Thread safety: producers' callbacks and the consumer thread write; the accessors return
 * snapshots and may be called from any thread at any time.
 */
public final class FaultWorkload {
    /** An acknowledged record: {@code offset} as the broker acknowledged it, {@code ackNanos} when. */
    public record Ack(int producer, int partition, long sequence, long offset, long ackNanos) {
        public String value() {
            return FaultWorkload.value(producer, partition, sequence);
        }
    }

    /** A record whose send failed with an error the client saw. */
    public record SendFailure(int producer, int partition, long sequence, long nanos, String error) {
        public String value() {
            return FaultWorkload.value(producer, partition, sequence);
        }
    }

    private final String bootstrap;
    private final String topic;
    private final int partitions;
    private final int producers;
    private final long sendIntervalMs;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicBoolean consuming = new AtomicBoolean(true);
    private final List<Ack> acks = Collections.synchronizedList(new ArrayList<>());
    private final List<SendFailure> failures = Collections.synchronizedList(new ArrayList<>());
    private final List<List<String>> consumed = new ArrayList<>();
    private final List<String> consumerConflicts = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLongArray lastAckNanos;
    private final AtomicLong producerRestarts = new AtomicLong();
    private final AtomicReference<Throwable> crashed = new AtomicReference<>();
    private final List<Thread> threads = new ArrayList<>();
    private Thread consumerThread;

    public FaultWorkload(String bootstrap, String topic, int partitions, int producers, long sendIntervalMs) {
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.partitions = partitions;
        this.producers = producers;
        this.sendIntervalMs = sendIntervalMs;
        this.lastAckNanos = new AtomicLongArray(partitions);
        for (int p = 0; p < partitions; p++) consumed.add(new ArrayList<>());
    }

    static String value(int producer, int partition, long sequence) {
        return "P" + producer + ":" + partition + ":" + sequence;
    }

    public void start() {
        for (int i = 1; i <= producers; i++) {
            int id = i;
            threads.add(new Thread(() -> guarded(() -> produce(id)), "fault-producer-" + id));
        }
        consumerThread = new Thread(() -> guarded(this::consume), "fault-consumer");
        threads.forEach(Thread::start);
        consumerThread.start();
    }

    private void guarded(Runnable body) {
        try {
            body.run();
        } catch (Throwable t) {
            crashed.compareAndSet(null, t);
        }
    }

    private KafkaProducer<String, String> newProducer(int id) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "fault-producer-" + id);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        props.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "100");
        props.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "500");
        props.put(ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, "50");
        props.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        props.put(ProducerConfig.METADATA_MAX_AGE_CONFIG, "1000");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(props);
    }

    private void produce(int id) {
        Semaphore inFlight = new Semaphore(2000);
        AtomicBoolean replace = new AtomicBoolean();
        KafkaProducer<String, String> producer = newProducer(id);
        long seq = 0;
        try {
            while (running.get()) {
                if (replace.getAndSet(false)) {
                    producer.close(Duration.ofSeconds(150));
                    producerRestarts.incrementAndGet();
                    producer = newProducer(id);
                }
                if (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) continue;
                int partition = (int) (seq % partitions);
                long sequence = seq++;
                try {
                    producer.send(new ProducerRecord<>(topic, partition, "P" + id, value(id, partition, sequence)),
                            (md, e) -> {
                                long now = System.nanoTime();
                                inFlight.release();
                                if (e == null) {
                                    acks.add(new Ack(id, partition, sequence, md.hasOffset() ? md.offset() : -1, now));
                                    lastAckNanos.accumulateAndGet(partition, now, Math::max);
                                } else {
                                    failures.add(new SendFailure(id, partition, sequence, now, describe(e)));
                                    if (!(e instanceof RetriableException)) replace.set(true);
                                }
                            });
                } catch (KafkaException e) {
                    // Thrown by send itself (e.g. metadata not available within max.block.ms): not sent.
                    inFlight.release();
                    failures.add(new SendFailure(id, partition, sequence, System.nanoTime(), "send threw " + describe(e)));
                    if (!(e instanceof RetriableException) && !(e instanceof org.apache.kafka.common.errors.TimeoutException)) {
                        replace.set(true);
                    }
                }
                Thread.sleep(sendIntervalMs);
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            producer.close(Duration.ofSeconds(150));
        }
    }

    private static String describe(Throwable e) {
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private void consume() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "fault-consumer");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        props.put(ConsumerConfig.RECONNECT_BACKOFF_MS_CONFIG, "50");
        props.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        props.put(ConsumerConfig.RETRY_BACKOFF_MS_CONFIG, "100");
        props.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "1000");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) tps.add(new TopicPartition(topic, p));
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            while (consuming.get()) {
                try {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) record(r);
                } catch (KafkaException e) {
                    if (e instanceof org.apache.kafka.common.errors.InterruptException) throw e;
                    // e.g. a timeout while the leader is unreachable: keep reading, as an application would.
                }
            }
        }
    }

    private void record(ConsumerRecord<String, String> r) {
        List<String> log = consumed.get(r.partition());
        synchronized (log) {
            long offset = r.offset();
            while (log.size() < offset) log.add(null);
            if (log.size() == offset) {
                log.add(r.value());
            } else {
                String before = log.get((int) offset);
                if (before == null) {
                    log.set((int) offset, r.value());
                } else if (!before.equals(r.value())) {
                    consumerConflicts.add("partition " + r.partition() + " offset " + offset + ": first read "
                            + before + ", later " + r.value());
                }
            }
        }
    }

    /** Fails if a producer or the consumer thread died of an unexpected exception. */
    public void checkAlive() {
        if (crashed.get() != null) throw new AssertionError("a workload thread died", crashed.get());
    }

    public long ackCount() {
        return acks.size();
    }

    /**
     * Waits until every partition has an acknowledgement later than {@code afterNanos}; false if
     * that does not happen within {@code timeoutMs}.
     */
    public boolean awaitProgress(long afterNanos, long timeoutMs) throws InterruptedException {
        return Poll.within(Duration.ofMillis(timeoutMs), Duration.ofMillis(20), () -> {
            checkAlive();
            boolean all = true;
            for (int p = 0; p < partitions; p++) all &= lastAckNanos.get(p) > afterNanos;
            return all;
        });
    }

    /** Partitions with no acknowledgement after {@code afterNanos}. */
    public List<Integer> partitionsWithoutAckAfter(long afterNanos) {
        List<Integer> out = new ArrayList<>();
        for (int p = 0; p < partitions; p++) if (lastAckNanos.get(p) <= afterNanos) out.add(p);
        return out;
    }

    /** Stops sending and waits until every record sent is acknowledged or failed; then stops consuming. */
    public void stopProducers() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) t.join(200_000);
        for (Thread t : threads) {
            if (t.isAlive()) throw new AssertionError(t.getName() + " did not stop within 200 s");
        }
    }

    /** Stops the consumer (after {@link #stopProducers()}, once it has had time to read the rest). */
    public void stopConsumer() throws InterruptedException {
        consuming.set(false);
        if (consumerThread != null) {
            consumerThread.join(30_000);
            if (consumerThread.isAlive()) throw new AssertionError("the consumer did not stop within 30 s");
        }
    }

    /** Stops everything without waiting for outstanding sends; for cleanup. */
    public void abort() {
        running.set(false);
        consuming.set(false);
        for (Thread t : threads) t.interrupt();
        if (consumerThread != null) consumerThread.interrupt();
    }

    public int partitions() {
        return partitions;
    }

    public int producers() {
        return producers;
    }

    public String topic() {
        return topic;
    }

    public long producerRestarts() {
        return producerRestarts.get();
    }

    public List<Ack> acks() {
        synchronized (acks) {
            return new ArrayList<>(acks);
        }
    }

    public List<SendFailure> failures() {
        synchronized (failures) {
            return new ArrayList<>(failures);
        }
    }

    /** What the consumer read of {@code partition}, by offset (null where it read nothing). */
    public List<String> consumed(int partition) {
        List<String> log = consumed.get(partition);
        synchronized (log) {
            return new ArrayList<>(log);
        }
    }

    public List<String> consumerConflicts() {
        synchronized (consumerConflicts) {
            return new ArrayList<>(consumerConflicts);
        }
    }
}
