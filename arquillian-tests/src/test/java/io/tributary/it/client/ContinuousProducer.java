package io.tributary.it.client;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sends records {@code <prefix>-<n>} (key and value alike, spread over the partitions by key) to a
 * topic at a steady pace on a thread of its own until stopped, and keeps what the broker
 * acknowledged ({@code acks=all}, idempotent): the ids, and each partition's next offset after them.
 * Only JDK types cross its boundary.
 */
public final class ContinuousProducer implements AutoCloseable {
    private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    private final Map<Integer, Long> logEnd = new ConcurrentHashMap<>();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean running = true;

    public ContinuousProducer(String bootstrap, String topic, String prefix, long intervalMs) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        thread = new Thread(() -> {
            try (KafkaProducer<String, String> p = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
                for (long n = 0; running; n++) {
                    String id = prefix + "-" + n;
                    p.send(new ProducerRecord<>(topic, id, id), (metadata, e) -> {
                        if (e != null) {
                            failure.compareAndSet(null, e);
                        } else {
                            acknowledged.add(id);
                            logEnd.merge(metadata.partition(), metadata.offset() + 1, Math::max);
                        }
                    });
                    Thread.sleep(intervalMs);
                }
                p.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
            }
        }, "continuous-producer-" + topic);
        thread.setDaemon(true);
    }

    public ContinuousProducer start() {
        thread.start();
        return this;
    }

    /** How many records the broker has acknowledged so far. */
    public int acknowledgedCount() {
        return acknowledged.size();
    }

    /** Stops sending and waits until every record sent is acknowledged; fails when a send failed. */
    @Override
    public void close() throws Exception {
        running = false;
        thread.join(60_000);
        if (failure.get() != null) throw failure.get();
    }

    /** The ids acknowledged (complete after {@link #close()}). */
    public Set<String> acknowledged() {
        return Set.copyOf(acknowledged);
    }

    /** Each partition's offset after its last acknowledged record (complete after {@link #close()}). */
    public Map<Integer, Long> logEnd() {
        return Map.copyOf(logEnd);
    }
}
