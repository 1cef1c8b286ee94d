package io.tributary.ra.inbound;

import io.tributary.ra.inbound.ConsumerStatus.State;
import io.tributary.ra.management.ActivationMXBean;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The JMX view of one activation ({@link ActivationMXBean}): reads the consumers' statuses and lag
 * and the activation's {@link DeliveryMetrics}, each a snapshot, and hands seek requests to the
 * consumers, which carry them out on their own threads. Holds no state of its own; thread-safe.
 */
final class ActivationMonitor implements ActivationMXBean {
    private static final long SEEK_TIMEOUT_MS = 30_000;
    /** Worst first: the state an activation reports is that of its worst consumer. */
    private static final List<State> SEVERITY = List.of(State.FAILED, State.RETRYING, State.STOPPED, State.PAUSED, State.RUNNING);

    private final String name;
    private final TributaryActivationSpec spec;
    private final List<EndpointConsumer> consumers;
    private final DeliveryMetrics metrics;

    ActivationMonitor(String name, TributaryActivationSpec spec, List<EndpointConsumer> consumers, DeliveryMetrics metrics) {
        this.name = name;
        this.spec = spec;
        this.consumers = List.copyOf(consumers);
        this.metrics = metrics;
    }

    private List<ConsumerStatus> statuses() {
        return consumers.stream().map(EndpointConsumer::status).toList();
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public String getGroupId() {
        return spec.getGroupId();
    }

    @Override
    public String getTopics() {
        return spec.usesTopicPattern() ? "pattern " + spec.getTopicPattern() : String.join(",", spec.topicList());
    }

    @Override
    public String getState() {
        return statuses().stream().map(ConsumerStatus::state).min(Comparator.comparingInt(SEVERITY::indexOf))
                .orElse(State.STOPPED).name();
    }

    @Override
    public String[] getConsumerStates() {
        return statuses().stream().map(s -> s.clientId() + " " + s.state() + " since " + s.since() + ", " + s.restarts()
                + " restart(s)" + (s.pausedPartitions().isEmpty() ? "" : ", paused " + s.pausedPartitions())).toArray(String[]::new);
    }

    @Override
    public boolean isLive() {
        return statuses().stream().noneMatch(s -> s.state() == State.FAILED);
    }

    @Override
    public boolean isReady() {
        return statuses().stream().allMatch(s -> s.state() == State.RUNNING || s.state() == State.PAUSED);
    }

    @Override
    public String getLastError() {
        // The consumer that failed most recently, as far as the statuses tell: the latest change of state.
        return statuses().stream().filter(s -> s.lastError() != null).max(Comparator.comparing(ConsumerStatus::since))
                .map(ConsumerStatus::lastError).orElse(null);
    }

    @Override
    public int getRestarts() {
        return statuses().stream().mapToInt(ConsumerStatus::restarts).sum();
    }

    @Override
    public String[] getPausedPartitions() {
        return statuses().stream().flatMap(s -> s.pausedPartitions().stream()).map(TopicPartition::toString).sorted()
                .toArray(String[]::new);
    }

    @Override
    public long getDelivered() {
        return metrics.delivered();
    }

    @Override
    public long getRedelivered() {
        return metrics.redelivered();
    }

    @Override
    public long getDeadLettered() {
        return metrics.deadLetteredCount();
    }

    @Override
    public long getOutagePauses() {
        return metrics.outagePauses();
    }

    @Override
    public long getDeliveryCount() {
        return metrics.deliveries();
    }

    @Override
    public double getDeliveryTimeMeanMs() {
        return metrics.meanDeliveryMs();
    }

    @Override
    public double getDeliveryTimeMaxMs() {
        return metrics.maxDeliveryMs();
    }

    @Override
    public Map<String, Long> getLagByPartition() {
        Map<String, Long> out = new TreeMap<>();
        for (EndpointConsumer c : consumers) c.lag().forEach((tp, lag) -> out.put(tp.toString(), lag));
        return out;
    }

    @Override
    public long getTotalLag() {
        return consumers.stream().flatMap(c -> c.lag().values().stream()).mapToLong(Long::longValue).sum();
    }

    @Override
    public String seek(String topic, int partition, long offset) {
        if (offset < 0) throw new IllegalArgumentException("offset must be >= 0, not " + offset);
        TopicPartition tp = new TopicPartition(topic, partition);
        List<CompletableFuture<Boolean>> answers = new ArrayList<>();
        for (EndpointConsumer c : consumers) {
            CompletableFuture<Boolean> done = new CompletableFuture<>();
            answers.add(done);
            c.seek(new EndpointConsumer.SeekRequest(tp, offset, done));
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SEEK_TIMEOUT_MS);
        for (CompletableFuture<Boolean> done : answers) {
            try {
                if (done.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    return "Group " + spec.getGroupId() + " delivers " + tp + " from offset " + offset;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while seeking " + tp + " of group " + spec.getGroupId());
            } catch (ExecutionException e) {
                throw new IllegalStateException("Cannot seek " + tp + " of group " + spec.getGroupId() + " to offset "
                        + offset + ": " + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                throw new IllegalStateException("No consumer of group " + spec.getGroupId() + " answered the seek of " + tp
                        + " within " + SEEK_TIMEOUT_MS + " ms; states: " + String.join("; ", getConsumerStates()));
            }
        }
        throw new IllegalStateException("No consumer of group " + spec.getGroupId() + " holds " + tp
                + " (the bean consumes " + getTopics() + "; states: " + String.join("; ", getConsumerStates()) + ")");
    }
}
