package io.tributary.broker.metrics;

import org.apache.kafka.common.protocol.Errors;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kafka's {@code kafka.server:type=BrokerTopicMetrics} meters, for all topics and per topic
 * ({@code ,topic=<name>}): {@code MessagesInPerSec}, {@code BytesInPerSec}, {@code BytesOutPerSec},
 * {@code TotalProduceRequestsPerSec}, {@code TotalFetchRequestsPerSec},
 * {@code FailedProduceRequestsPerSec}, {@code FailedFetchRequestsPerSec}. As in Kafka, the request
 * meters count partitions (one produce request naming three partitions counts three) and the byte
 * meters count record batch bytes as stored and sent.
 *
 * <p>A topic has its own meters while this broker holds a log of it ({@link #addTopic},
 * {@link #removeTopic}); events of other topics (unknown ones, say) count for all topics only, so
 * a client cannot make the broker register names at will.
 *
 * <p>Thread safety: the event methods take no lock and allocate nothing (a map lookup by topic
 * name and {@link Meter#mark} on two meters); topics are added and removed under the registry's lock.
 */
public final class BrokerTopicMetrics {
    public static final String DOMAIN = "kafka.server";
    public static final String TYPE = "BrokerTopicMetrics";

    /** The seven meters of one topic, or of all. */
    public record Meters(Meter messagesIn, Meter bytesIn, Meter bytesOut, Meter totalProduceRequests,
                         Meter totalFetchRequests, Meter failedProduceRequests, Meter failedFetchRequests) {
        static Meters register(MetricRegistry registry, String topic) {
            return new Meters(
                    registry.meter(name("MessagesInPerSec", topic), "messages"),
                    registry.meter(name("BytesInPerSec", topic), "bytes"),
                    registry.meter(name("BytesOutPerSec", topic), "bytes"),
                    registry.meter(name("TotalProduceRequestsPerSec", topic), "requests"),
                    registry.meter(name("TotalFetchRequestsPerSec", topic), "requests"),
                    registry.meter(name("FailedProduceRequestsPerSec", topic), "requests"),
                    registry.meter(name("FailedFetchRequestsPerSec", topic), "requests"));
        }
    }

    private static final Set<Errors> NOT_PRODUCE_FAILURES = EnumSet.of(Errors.UNKNOWN_TOPIC_OR_PARTITION,
            Errors.UNKNOWN_TOPIC_ID, Errors.NOT_LEADER_OR_FOLLOWER, Errors.MESSAGE_TOO_LARGE,
            Errors.RECORD_LIST_TOO_LARGE, Errors.CORRUPT_MESSAGE, Errors.KAFKA_STORAGE_ERROR);
    private static final Set<Errors> NOT_FETCH_FAILURES = EnumSet.of(Errors.UNKNOWN_TOPIC_OR_PARTITION,
            Errors.UNKNOWN_TOPIC_ID, Errors.NOT_LEADER_OR_FOLLOWER, Errors.UNKNOWN_LEADER_EPOCH,
            Errors.FENCED_LEADER_EPOCH, Errors.REPLICA_NOT_AVAILABLE, Errors.KAFKA_STORAGE_ERROR,
            Errors.INCONSISTENT_TOPIC_ID, Errors.OFFSET_OUT_OF_RANGE);

    private final MetricRegistry registry;
    private final Meters all;
    private final Map<String, Meters> topics = new ConcurrentHashMap<>();

    public BrokerTopicMetrics(MetricRegistry registry) {
        this.registry = registry;
        this.all = Meters.register(registry, null);
    }

    /** The name of meter {@code name} of {@code topic}, or of all topics when it is null. */
    public static MetricName name(String name, String topic) {
        MetricName n = MetricName.of(DOMAIN, TYPE, name);
        return topic == null ? n : n.with("topic", topic);
    }

    public Meters allTopics() {
        return all;
    }

    /** The meters of {@code topic}, or null while it has none. */
    public Meters topic(String topic) {
        return topics.get(topic);
    }

    /** Gives {@code topic} its own meters (no-op if it has them). */
    public void addTopic(String topic) {
        topics.computeIfAbsent(topic, t -> Meters.register(registry, t));
    }

    /** Removes {@code topic}'s meters; its events so far stay counted for all topics. */
    public void removeTopic(String topic) {
        if (topics.remove(topic) == null) return;
        registry.removeIf(n -> TYPE.equals(n.type()) && DOMAIN.equals(n.domain()) && topic.equals(n.tag("topic")));
    }

    private Meters of(String topic) {
        return topic == null ? null : topics.get(topic);
    }

    /** A produce request named a partition of {@code topic} (null: a topic unknown here). */
    public void produceRequest(String topic) {
        all.totalProduceRequests.mark();
        Meters t = of(topic);
        if (t != null) t.totalProduceRequests.mark();
    }

    /** {@code messages} records in {@code bytes} bytes were appended to a partition of {@code topic} for a producer. */
    public void appended(String topic, long bytes, long messages) {
        all.bytesIn.mark(bytes);
        all.messagesIn.mark(messages);
        Meters t = of(topic);
        if (t != null) {
            t.bytesIn.mark(bytes);
            t.messagesIn.mark(messages);
        }
    }

    /**
     * Appending to a partition of {@code topic} failed with {@code error}. As in Kafka, answers that
     * route the client elsewhere or refuse its batch as such (unknown topic or partition, not the
     * leader, record or batch too large, corrupt records, a storage error) are not failures of the
     * broker and are not counted.
     */
    public void produceFailed(String topic, Errors error) {
        if (NOT_PRODUCE_FAILURES.contains(error)) return;
        all.failedProduceRequests.mark();
        Meters t = of(topic);
        if (t != null) t.failedProduceRequests.mark();
    }

    /** A consumer's fetch answered a partition of {@code topic} with {@code bytes} bytes of records. */
    public void fetched(String topic, long bytes) {
        all.totalFetchRequests.mark();
        if (bytes > 0) all.bytesOut.mark(bytes);
        Meters t = of(topic);
        if (t != null) {
            t.totalFetchRequests.mark();
            if (bytes > 0) t.bytesOut.mark(bytes);
        }
    }

    /**
     * Reading a partition of {@code topic} for a consumer failed with {@code error}. As in Kafka,
     * answers that route the client elsewhere or correct its position (unknown topic or partition,
     * not the leader, leader epochs, offset out of range, a storage error) are not counted.
     */
    public void fetchFailed(String topic, Errors error) {
        if (NOT_FETCH_FAILURES.contains(error)) return;
        all.failedFetchRequests.mark();
        Meters t = of(topic);
        if (t != null) t.failedFetchRequests.mark();
    }
}
