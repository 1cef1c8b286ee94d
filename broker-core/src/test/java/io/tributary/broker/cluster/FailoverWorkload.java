package io.tributary.broker.cluster;

import io.tributary.broker.testing.Poll;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The load of the failover tests: an idempotent {@code acks=all} producer writing to every
 * partition of a topic in turn, and a consumer (assign + seekToBeginning, no group) reading all of
 * them, both running until {@link #stop()}. Record values are {@code partition:sequence}, so
 * {@link ReplicaVerifier} can check order. Used by {@link ReplicatedFailoverTest} (nodes in this
 * JVM) and {@link ClusterProcessKillTest} (broker processes).
 */
final class FailoverWorkload {
    private final String bootstrap;
    private final String topic;
    private final int partitions;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Map<Integer, List<String>> ackedValues = new ConcurrentHashMap<>();
    private final Map<Integer, List<String>> consumedValues = new ConcurrentHashMap<>();
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final AtomicReference<Throwable> crashed = new AtomicReference<>();
    private final Semaphore inFlight = new Semaphore(500);
    private final AtomicLong ackedCount = new AtomicLong();
    private Thread producerThread;
    private Thread consumerThread;
    private final Map<String, Object> clientSettings;

    FailoverWorkload(String bootstrap, String topic, int partitions) {
        this(bootstrap, topic, partitions, Map.of());
    }

    /** @param clientSettings more settings of the producer and the consumer (security, say) */
    FailoverWorkload(String bootstrap, String topic, int partitions, Map<String, Object> clientSettings) {
        this.clientSettings = clientSettings;
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.partitions = partitions;
        for (int p = 0; p < partitions; p++) {
            ackedValues.put(p, Collections.synchronizedList(new ArrayList<>()));
            consumedValues.put(p, Collections.synchronizedList(new ArrayList<>()));
        }
    }

    void start() {
        producerThread = new Thread(() -> guarded(this::produce), "failover-producer");
        consumerThread = new Thread(() -> guarded(this::consume), "failover-consumer");
        producerThread.start();
        consumerThread.start();
    }

    private void guarded(Runnable body) {
        try {
            body.run();
        } catch (Throwable t) {
            crashed.compareAndSet(null, t);
        }
    }

    private void produce() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "2");
        props.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "50");
        props.put(ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, "50");
        props.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        props.put("metadata.max.age.ms", "1000");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.putAll(clientSettings);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            long seq = 0;
            while (running.get()) {
                inFlight.acquireUninterruptibly();
                int partition = (int) (seq % partitions);
                String value = partition + ":" + seq;
                producer.send(new ProducerRecord<>(topic, partition, "k", value), (md, e) -> {
                    inFlight.release();
                    if (e == null) {
                        ackedValues.get(partition).add(value);
                        ackedCount.incrementAndGet();
                    } else {
                        failures.add(value + ": " + e);
                    }
                });
                seq++;
                if (seq % 50 == 0) Thread.sleep(5);
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void consume() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.RECONNECT_BACKOFF_MS_CONFIG, "50");
        props.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        props.put("metadata.max.age.ms", "1000");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.putAll(clientSettings);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) tps.add(new TopicPartition(topic, p));
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            while (running.get()) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    consumedValues.get(r.partition()).add(r.value());
                }
            }
        }
    }

    long acked() {
        return ackedCount.get();
    }

    /** Waits until {@code n} records in all have been acknowledged; fails if a client thread died. */
    void awaitAcked(long n) throws InterruptedException {
        Poll.until(n + " acknowledged records (" + ackedCount.get() + " so far)", Duration.ofSeconds(90), () -> {
            if (crashed.get() != null) throw new AssertionError("a workload thread died", crashed.get());
            return ackedCount.get() >= n;
        });
    }

    /** Stops sending, waits for every record sent to be acknowledged or failed, stops consuming. */
    void stop() throws InterruptedException {
        running.set(false);
        producerThread.join(180_000);
        consumerThread.join(30_000);
        if (producerThread.isAlive() || consumerThread.isAlive()) {
            throw new AssertionError("the workload did not stop (producer alive: " + producerThread.isAlive()
                    + ", consumer alive: " + consumerThread.isAlive() + ")");
        }
        if (crashed.get() != null) throw new AssertionError("a workload thread died", crashed.get());
    }

    int partitions() {
        return partitions;
    }

    String topic() {
        return topic;
    }

    List<String> ackedValues(int p) {
        synchronized (ackedValues.get(p)) {
            return new ArrayList<>(ackedValues.get(p));
        }
    }

    List<String> consumed(int p) {
        synchronized (consumedValues.get(p)) {
            return new ArrayList<>(consumedValues.get(p));
        }
    }

    List<String> failures() {
        synchronized (failures) {
            return new ArrayList<>(failures);
        }
    }
}
