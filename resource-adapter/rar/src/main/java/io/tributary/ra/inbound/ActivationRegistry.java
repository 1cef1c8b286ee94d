package io.tributary.ra.inbound;

import io.tributary.api.BatchRecordListener;
import io.tributary.ra.AdapterClassLoader;
import io.tributary.ra.OffsetDatabase;
import io.tributary.ra.config.ClientSettings;
import io.tributary.ra.config.ConfigProperties;
import io.tributary.ra.json.JsonbCodec;
import io.tributary.ra.management.MBeans;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.ActivationSpec;
import jakarta.resource.spi.endpoint.MessageEndpointFactory;
import jakarta.resource.spi.work.WorkException;
import jakarta.resource.spi.work.WorkManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import javax.management.ObjectName;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.sql.DataSource;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The activated message-driven beans: for each, {@code concurrency} {@link EndpointConsumer}s (one
 * consumer-group member each) scheduled on the WorkManager as long-running work, and one dead-letter
 * publisher. {@link #statuses()} reports what each consumer is doing, and each activation is an MBean
 * ({@code io.tributary:type=Activation,name=<name>}, see {@link ActivationMonitor}) while it is active.
 * Deactivation stops the consumers and waits until they have left the group. It knows of the
 * adapter only what it is given: the brokers' address, the WorkManager and the adapter's offset
 * database (for activations without an {@code offsetDataSource}). Thread-safe.
 */
public final class ActivationRegistry {
    private static final System.Logger LOG = System.getLogger(ActivationRegistry.class.getName());
    private static final long STOP_TIMEOUT_MS = 30_000;

    private record Activation(String name, TributaryActivationSpec spec, List<EndpointConsumer> consumers,
                              DeadLetterPublisher deadLetters, ObjectName mbean) {
    }

    private final ClientSettings clients;
    private final WorkManager workManager;
    private final OffsetDatabase offsetDatabase;
    /** The server's, to tell whether a delivery's transaction began; null when the server offers none. */
    private final TransactionSynchronizationRegistry transactions;
    private final JsonbCodec valueReader = new JsonbCodec();
    private final Map<MessageEndpointFactory, Activation> active = new ConcurrentHashMap<>();

    public ActivationRegistry(ClientSettings clients, WorkManager workManager, OffsetDatabase offsetDatabase,
                              TransactionSynchronizationRegistry transactions) {
        this.clients = clients;
        this.workManager = workManager;
        this.offsetDatabase = offsetDatabase;
        this.transactions = transactions;
    }

    public void activate(MessageEndpointFactory factory, TributaryActivationSpec spec) throws ResourceException {
        boolean batch = BatchRecordListener.class.isAssignableFrom(factory.getEndpointClass() == null
                ? Object.class : factory.getEndpointClass());
        String name = factory.getActivationName() == null ? spec.getGroupId() : factory.getActivationName();
        // A deserializer that cannot be made fails the deployment, rather than every consumer later.
        try {
            ClassLoader beanLoader = factory.getEndpointClass() == null ? null : factory.getEndpointClass().getClassLoader();
            AdapterClassLoader.call(() -> RecordConverter.of(spec, valueReader, beanLoader)).close();
        } catch (RuntimeException e) {
            throw new jakarta.resource.spi.InvalidPropertyException("Cannot activate " + name + ": " + e.getMessage(), e);
        }
        if (transactions == null && ConfigProperties.isSet(spec.getOffsetDataSource())) {
            LOG.log(System.Logger.Level.WARNING, "The server offers the adapter no TransactionSynchronizationRegistry: "
                    + "deliveries to " + name + " cannot check that the container began their transaction before "
                    + "offsets are written to " + spec.getOffsetDataSource());
        }
        DeadLetterPublisher deadLetters = AdapterClassLoader.call(() ->
                new DeadLetterPublisher(clients, "tributary-dlt-" + spec.getGroupId()));
        List<EndpointConsumer> consumers = new ArrayList<>();
        DeliveryMetrics metrics = new DeliveryMetrics();
        for (int i = 0; i < spec.getConcurrency(); i++) {
            String clientId = "tributary-" + spec.getGroupId() + "-" + i;
            consumers.add(new EndpointConsumer(factory, spec, clientId, () -> newConsumer(spec, clientId), () -> newSink(spec),
                    deadLetters, valueReader, batch, metrics));
        }
        ObjectName mbean = MBeans.register(new ActivationMonitor(name, spec, consumers, metrics), "Activation", name);
        active.put(factory, new Activation(name, spec, consumers, deadLetters, mbean));
        try {
            for (EndpointConsumer c : consumers) workManager.scheduleWork(c);
        } catch (WorkException e) {
            deactivate(factory, spec);
            throw new ResourceException("Cannot schedule the consumers of " + name + ": " + e.getMessage(), e);
        }
        LOG.log(System.Logger.Level.INFO, "Activated " + name + ": group " + spec.getGroupId() + ", "
                + (spec.usesTopicPattern() ? "pattern " + spec.getTopicPattern() : "topics " + spec.topicList())
                + ", " + spec.getConcurrency() + " consumer(s), " + (batch ? "batch" : "per-record") + " delivery");
    }

    public void deactivate(MessageEndpointFactory factory, ActivationSpec spec) {
        Activation a = active.remove(factory);
        if (a == null) return;
        MBeans.unregister(a.mbean());
        for (EndpointConsumer c : a.consumers()) c.release();
        for (EndpointConsumer c : a.consumers()) {
            try {
                if (!c.awaitStopped(STOP_TIMEOUT_MS)) {
                    LOG.log(System.Logger.Level.WARNING, "A consumer of group " + a.spec().getGroupId() + " did not stop within "
                            + STOP_TIMEOUT_MS + " ms");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        a.deadLetters().close();
    }

    /**
     * What every active bean's consumers are doing, for health checks and metrics: a snapshot taken
     * now, one entry per activation (in no particular order). Cheap and safe to call from any thread
     * at any time; a bean being deactivated is no longer listed.
     */
    public List<ActivationStatus> statuses() {
        List<ActivationStatus> out = new ArrayList<>();
        for (Activation a : active.values()) {
            out.add(new ActivationStatus(a.name(), a.spec().getGroupId(),
                    a.consumers().stream().map(EndpointConsumer::status).toList()));
        }
        return out;
    }

    public void deactivateAll() {
        for (Map.Entry<MessageEndpointFactory, Activation> e : Map.copyOf(active).entrySet()) {
            deactivate(e.getKey(), e.getValue().spec());
        }
    }

    private KafkaConsumer<byte[], byte[]> newConsumer(TributaryActivationSpec spec, String clientId) {
        Map<String, Object> props = clients.clientConfig();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, spec.getGroupId());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, spec.autoOffsetResetValue());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, spec.isolationLevelValue());
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, spec.getMaxPollRecords());
        props.putAll(spec.consumerPropertyMap());
        return AdapterClassLoader.call(() -> new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer()));
    }

    private OffsetSink newSink(TributaryActivationSpec spec) {
        try {
            if (ConfigProperties.isSet(spec.getOffsetDataSource())) {
                DataSource ds = (DataSource) new InitialContext().lookup(spec.getOffsetDataSource());
                return new DataSourceOffsetSink(ds, transactions);
            }
            return new H2OffsetSink(offsetDatabase);
        } catch (NamingException | SQLException e) {
            throw new IllegalStateException("Cannot open the offset store of group " + spec.getGroupId() + ": " + e.getMessage(), e);
        }
    }
}
