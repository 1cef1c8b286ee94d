package io.tributary.broker;

import io.tributary.broker.cluster.ReplicaCounts;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.metrics.BrokerTopicMetrics;
import io.tributary.broker.metrics.JmxReporter;
import io.tributary.broker.metrics.Meter;
import io.tributary.broker.metrics.MetricName;
import io.tributary.broker.metrics.MetricRegistry;
import io.tributary.broker.metrics.MetricValue;
import io.tributary.broker.metrics.RequestMetrics;
import io.tributary.broker.topic.TopicManager;
import io.tributary.broker.topic.TopicMetadata;
import org.apache.kafka.common.TopicPartition;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The metrics of one broker, under Kafka's JMX names and attribute names so that Kafka dashboards
 * and JMX exporters read them unchanged (the list, and where Tributary differs, is in
 * {@code docs/operations.md}, "Metrics"):
 * <ul>
 *   <li>{@code kafka.server:type=BrokerTopicMetrics,...} ({@link BrokerTopicMetrics}), counted by the
 *   Produce and Fetch handlers;</li>
 *   <li>{@code kafka.network:type=RequestMetrics,...} ({@link RequestMetrics}), timed by the
 *   connections and counted by the request dispatcher;</li>
 *   <li>{@code kafka.server:type=ReplicaManager,name=PartitionCount|LeaderCount|UnderReplicatedPartitions|UnderMinIsrPartitionCount|OfflineReplicaCount|IsrShrinksPerSec|IsrExpandsPerSec};</li>
 *   <li>{@code kafka.controller:type=KafkaController,name=ActiveControllerCount|OfflinePartitionsCount|GlobalTopicCount|GlobalPartitionCount};</li>
 *   <li>{@code kafka.log:type=Log,name=Size|LogEndOffset|LogStartOffset|NumLogSegments,topic=..,partition=..}
 *   for every partition log this node holds, registered when the log opens and removed when it is deleted;</li>
 *   <li>{@code kafka.network:type=RequestChannel,name=RequestQueueSize} and
 *   {@code kafka.network:type=SocketServer,name=MemoryPoolAvailable|MemoryPoolUsed|MemoryPoolDepletedTimeTotal},
 *   the bounds on requests read and not yet answered;</li>
 *   <li>{@code kafka.server:type=KafkaServer,name=BrokerState} (Kafka's values: 1 starting, 3 running,
 *   6 pending controlled shutdown, 7 shutting down).</li>
 * </ul>
 *
 * <p>Reading: {@link #snapshot()} (every metric with its name and values, see {@link MetricRegistry})
 * serves exporters other than JMX; {@link #registry()} is the same registry for finer use.
 *
 * <p>JMX: with {@code tributary.metrics.jmx.enabled=true} (the default) the metrics are registered in
 * the platform MBeanServer when the broker has started ({@link #exportToJmx}) and unregistered when
 * it closes. Kafka's names carry no broker id, so one broker per JVM owns them: the first to start
 * (the node embedded in an application server is the one of its JVM); a broker started while
 * another of the same JVM owns them registers none and logs one line saying so (tests and tools
 * that run several brokers in one JVM). Its {@link #snapshot()} works all the same.
 *
 * <p>Thread safety: see the classes of the metrics; the broker state is a volatile byte.
 */
public final class BrokerMetrics implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BrokerMetrics.class.getName());
    /** Whether the metrics are registered in the platform MBeanServer. */
    public static final String JMX_ENABLED = "tributary.metrics.jmx.enabled";
    public static final MetricName BROKER_STATE = MetricName.of("kafka.server", "KafkaServer", "BrokerState");
    static final byte STARTING = 1;
    static final byte RUNNING = 3;
    static final byte PENDING_CONTROLLED_SHUTDOWN = 6;
    static final byte SHUTTING_DOWN = 7;

    /** What the replica and controller gauges read: in a cluster the replica manager and the quorum, alone the logs. */
    record ReplicationView(Supplier<ReplicaCounts> counts, BooleanSupplier activeController,
                           LongSupplier offlinePartitions, Meter isrShrinks, Meter isrExpands) {
    }

    private final MetricRegistry registry = new MetricRegistry();
    private final BrokerTopicMetrics topics;
    private final RequestMetrics requests;
    private final LogManager logs;
    private volatile byte state = STARTING;
    private volatile JmxReporter jmx;

    /** Starts following {@code logs}: every log open now or later gets its {@code kafka.log} gauges and topic meters. */
    BrokerMetrics(LogManager logs) {
        this.logs = logs;
        this.topics = new BrokerTopicMetrics(registry);
        this.requests = new RequestMetrics(registry);
        registry.gauge(BROKER_STATE, () -> state);
        logs.addListener(new LogManager.LogListener() {
            @Override
            public void opened(PartitionLog log) {
                logOpened(log);
            }

            @Override
            public void deleted(TopicPartition tp) {
                logDeleted(tp);
            }
        });
    }

    private static MetricName logMetric(String name, TopicPartition tp) {
        return MetricName.of("kafka.log", "Log", name).with("topic", tp.topic())
                .with("partition", Integer.toString(tp.partition()));
    }

    private void logOpened(PartitionLog log) {
        TopicPartition tp = log.topicPartition();
        topics.addTopic(tp.topic());
        registry.gauge(logMetric("Size", tp), log::size);
        registry.gauge(logMetric("LogEndOffset", tp), log::logEndOffset);
        registry.gauge(logMetric("LogStartOffset", tp), log::logStartOffset);
        registry.gauge(logMetric("NumLogSegments", tp), log::segmentCount);
    }

    private void logDeleted(TopicPartition tp) {
        for (String name : List.of("Size", "LogEndOffset", "LogStartOffset", "NumLogSegments")) {
            registry.remove(logMetric(name, tp));
        }
        boolean topicLeft = logs.all().stream().anyMatch(l -> l.topicPartition().topic().equals(tp.topic()));
        if (!topicLeft) topics.removeTopic(tp.topic());
    }

    /**
     * Registers the gauges of the request bounds under Kafka's names:
     * {@code kafka.network:type=RequestChannel,name=RequestQueueSize} and
     * {@code kafka.network:type=SocketServer,name=MemoryPoolAvailable|MemoryPoolUsed|MemoryPoolDepletedTimeTotal}
     * (the last in milliseconds).
     */
    void followRequestQueue(io.tributary.broker.network.RequestQueueLimits limits) {
        registry.gauge(MetricName.of("kafka.network", "RequestChannel", "RequestQueueSize"), limits::queuedRequests);
        MetricName server = MetricName.of("kafka.network", "SocketServer", "x");
        registry.gauge(named(server, "MemoryPoolAvailable"), limits::availableBytes);
        registry.gauge(named(server, "MemoryPoolUsed"), limits::usedBytes);
        registry.gauge(named(server, "MemoryPoolDepletedTimeTotal"), limits::depletedMillis);
    }

    /** Registers the replica manager's and the controller's metrics, read from {@code view} and {@code topicManager}. */
    void replication(ReplicationView view, TopicManager topicManager) {
        MetricName rm = MetricName.of("kafka.server", "ReplicaManager", "x");
        registry.gauge(named(rm, "PartitionCount"), () -> view.counts().get().partitions());
        registry.gauge(named(rm, "LeaderCount"), () -> view.counts().get().leaders());
        registry.gauge(named(rm, "UnderReplicatedPartitions"), () -> view.counts().get().underReplicated());
        registry.gauge(named(rm, "UnderMinIsrPartitionCount"), () -> view.counts().get().underMinIsr());
        // One log directory whose failure stops the broker: no replica is ever offline while it runs.
        registry.gauge(named(rm, "OfflineReplicaCount"), () -> 0);
        registry.register(named(rm, "IsrShrinksPerSec"), view.isrShrinks());
        registry.register(named(rm, "IsrExpandsPerSec"), view.isrExpands());
        MetricName kc = MetricName.of("kafka.controller", "KafkaController", "x");
        BooleanSupplier active = view.activeController();
        registry.gauge(named(kc, "ActiveControllerCount"), () -> active.getAsBoolean() ? 1 : 0);
        registry.gauge(named(kc, "OfflinePartitionsCount"), () -> active.getAsBoolean() ? view.offlinePartitions().getAsLong() : 0);
        registry.gauge(named(kc, "GlobalTopicCount"), () -> active.getAsBoolean() ? topicManager.all().size() : 0);
        registry.gauge(named(kc, "GlobalPartitionCount"), () -> {
            if (!active.getAsBoolean()) return 0;
            long n = 0;
            for (TopicMetadata t : topicManager.all()) n += t.partitions();
            return n;
        });
    }

    private static MetricName named(MetricName template, String name) {
        return MetricName.of(template.domain(), template.type(), name);
    }

    /**
     * Registers every metric in the platform MBeanServer, unless {@code enabled} is false or another
     * broker of this JVM owns Kafka's names (then says so once in the log).
     */
    void exportToJmx(boolean enabled, int nodeId) {
        if (!enabled) return;
        jmx = JmxReporter.start(ManagementFactory.getPlatformMBeanServer(), registry, BROKER_STATE).orElse(null);
        if (jmx == null) {
            LOG.log(System.Logger.Level.INFO, "Broker " + nodeId + " does not register its metrics in JMX: another "
                    + "broker of this JVM has Kafka's names (" + BROKER_STATE + "); its metrics are read through "
                    + "Broker.metrics().snapshot()");
        }
    }

    void state(byte brokerState) {
        this.state = brokerState;
    }

    /** Whether this broker's metrics are in the platform MBeanServer. */
    public boolean exportedToJmx() {
        return jmx != null;
    }

    /** Every metric of this broker with its current values, sorted by name. */
    public List<MetricValue> snapshot() {
        return registry.snapshot();
    }

    public MetricRegistry registry() {
        return registry;
    }

    public BrokerTopicMetrics topics() {
        return topics;
    }

    public RequestMetrics requests() {
        return requests;
    }

    /** Unregisters the MBeans and removes every metric. */
    @Override
    public void close() {
        JmxReporter reporter = jmx;
        jmx = null;
        if (reporter != null) reporter.close();
        registry.removeAll();
    }
}
