package io.tributary.ra;

import io.tributary.broker.Broker;
import io.tributary.broker.BrokerConfig;
import io.tributary.ra.config.ClientSettings;
import io.tributary.ra.config.ConfigProperties;
import io.tributary.ra.inbound.ActivationRegistry;
import io.tributary.ra.inbound.TributaryActivationSpec;
import io.tributary.ra.management.MBeans;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.ActivationSpec;
import jakarta.resource.spi.BootstrapContext;
import jakarta.resource.spi.ConfigProperty;
import jakarta.resource.spi.Connector;
import jakarta.resource.spi.ResourceAdapter;
import jakarta.resource.spi.ResourceAdapterInternalException;
import jakarta.resource.spi.TransactionSupport;
import jakarta.resource.spi.endpoint.MessageEndpointFactory;
import jakarta.resource.spi.work.WorkManager;

import javax.transaction.xa.XAResource;
import java.io.File;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The Tributary resource adapter. On {@link #start} it starts an embedded broker node (unless
 * {@code bootstrapServers} names an existing Kafka-compatible cluster), then serves outbound
 * connection factories and inbound message-driven beans; {@link #stop} deactivates every
 * endpoint, then shuts the node down cleanly.
 *
 * <p>Configuration properties (defaults work on a laptop): {@code dataDirectory}
 * ({@code tributary-data} under the server's working directory), {@code host} (127.0.0.1),
 * {@code port} (9092), {@code nodeId} (0), {@code bootstrapServers} (empty: embedded),
 * {@code offsetDatabaseUrl} (an H2 file database in the data directory) and
 * {@code brokerProperties} ({@code name=value;name=value}, any broker property). JVM system
 * properties {@code tributary.broker.<name>} override broker properties (for example
 * {@code -Dtributary.broker.listeners=127.0.0.1:19092}).
 *
 * <p>While started it is an MBean, {@code io.tributary:type=Adapter,name=<n>} ({@link AdapterMonitor}),
 * and each activated bean one more ({@code io.tributary:type=Activation,name=<activation>}).
 *
 * <p>Thread safety: the container calls the lifecycle methods one at a time; the activation
 * registry is thread-safe.
 */
@Connector(displayName = "Tributary", vendorName = "Tributary", eisType = "Kafka-compatible commit log",
        version = "0.1", transactionSupport = TransactionSupport.TransactionSupportLevel.XATransaction)
public class TributaryResourceAdapter implements ResourceAdapter, Serializable {
    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger(TributaryResourceAdapter.class.getName());
    /** JVM system properties {@code tributary.broker.<name>} set broker property {@code <name>} of the embedded node, last. */
    public static final String SYSTEM_PROPERTY_PREFIX = "tributary.broker.";

    @ConfigProperty(defaultValue = "tributary-data", description = "Data directory of the embedded broker node")
    private String dataDirectory = "tributary-data";
    @ConfigProperty(defaultValue = "127.0.0.1", description = "Address the embedded node listens on")
    private String host = "127.0.0.1";
    @ConfigProperty(defaultValue = "9092", description = "Kafka protocol port of the embedded node")
    private Integer port = 9092;
    @ConfigProperty(defaultValue = "0", description = "Node id of the embedded node")
    private Integer nodeId = 0;
    @ConfigProperty(defaultValue = "", description = "host:port list of an existing cluster; when set no node is embedded")
    private String bootstrapServers = "";
    @ConfigProperty(defaultValue = "", description = "JDBC URL of the H2 offset database; default <dataDirectory>/offsets")
    private String offsetDatabaseUrl = "";
    @ConfigProperty(defaultValue = "", description = "Cluster members as id@host:port of their JGroups address, "
            + "comma separated (broker property controller.quorum.voters); empty for a node on its own")
    private String clusterMembers = "";
    @ConfigProperty(defaultValue = "tributary", description = "Name of the cluster the embedded node joins")
    private String clusterName = "tributary";
    @ConfigProperty(defaultValue = "", description = "Further broker properties, name=value;name=value")
    private String brokerProperties = "";
    @ConfigProperty(defaultValue = "", description = "Kafka client properties for every client the adapter creates "
            + "(security.protocol, ssl.*, sasl.*), name=value;name=value")
    private String clientProperties = "";

    private transient volatile Broker broker;
    private transient WorkManager workManager;
    private transient volatile ActivationRegistry activations;
    private transient volatile boolean started;
    /** Tasks waiting for {@link #start} (a server may configure factories first); guarded by itself. */
    private final transient List<Runnable> whenStarted = new ArrayList<>();
    /** This instance's MBean ({@code io.tributary:type=Adapter,name=<n>}) while started. */
    private transient javax.management.ObjectName mbean;
    private transient OffsetDatabase offsetDatabase;
    private transient volatile ClientSettings clientSettings;
    private transient volatile int effectiveNodeId;
    /** This run of the adapter ({@link AdapterRuns}), while started. */
    private transient String runId;
    private transient String runKey;
    private static final java.util.concurrent.atomic.AtomicInteger FACTORIES = new java.util.concurrent.atomic.AtomicInteger();
    private final transient List<AutoCloseable> closeOnStop = new CopyOnWriteArrayList<>();
    /** What recovery asks, besides the offset database: the outbound factories' XA resources. */
    private final transient Map<Object, java.util.function.Supplier<XAResource>> recoveryResources =
            new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public void start(BootstrapContext ctx) throws ResourceAdapterInternalException {
        this.workManager = ctx.getWorkManager();
        this.runKey = new File(dataDirectory).getAbsolutePath();
        this.runId = AdapterRuns.join(runKey);
        try {
            if (!ConfigProperties.isSet(bootstrapServers)) {
                BrokerConfig config = BrokerConfig.defaults()
                        .with("listeners", host + ":" + port)
                        .with("log.dirs", new File(dataDirectory, "broker").getAbsolutePath())
                        .with("node.id", Integer.toString(nodeId))
                        .with("cluster.name", ConfigProperties.orDefault(clusterName, "tributary"));
                if (ConfigProperties.isSet(clusterMembers)) {
                    config = config.with("controller.quorum.voters", clusterMembers.trim());
                }
                for (Map.Entry<String, String> e : ConfigProperties.nameValuePairs("brokerProperties", brokerProperties).entrySet()) {
                    config = config.with(e.getKey(), e.getValue());
                }
                for (String name : System.getProperties().stringPropertyNames()) {
                    if (name.startsWith(SYSTEM_PROPERTY_PREFIX)) {
                        String key = name.substring(SYSTEM_PROPERTY_PREFIX.length());
                        config = config.with(key, ConfigProperties.expandReferences(name, key, System.getProperty(name)));
                    }
                }
                BrokerConfig nodeConfig = config;
                ClientSettings clients = ClientSettings.of("", clientProperties, System.getProperties());
                Broker.checkSecurity(nodeConfig); // the node's own settings first: they name what is wrong there
                checkClientsCanConnect(nodeConfig.listeners().get(0), clients);
                broker = EmbeddedNodes.acquire(new File(dataDirectory), () -> Broker.start(nodeConfig));
                clientSettings = new ClientSettings(broker.bootstrapServers(), clients.properties());
                effectiveNodeId = nodeConfig.nodeId();
            } else {
                clientSettings = ClientSettings.of(bootstrapServers.trim(), clientProperties, System.getProperties());
                effectiveNodeId = nodeId;
            }
            offsetDatabase = new OffsetDatabase(ConfigProperties.isSet(offsetDatabaseUrl)
                    ? offsetDatabaseUrl : OffsetDatabase.defaultUrl(new File(dataDirectory)));
            activations = new ActivationRegistry(clientSettings, workManager, offsetDatabase,
                    ctx.getTransactionSynchronizationRegistry());
            LOG.log(System.Logger.Level.INFO, "Tributary resource adapter started; brokers at " + clientSettings.bootstrapServers()
                    + " (" + clientSettings.securityProtocol() + ")"
                    + (broker == null ? "" : " (embedded node " + nodeId + ", data in "
                    + new File(dataDirectory).getAbsolutePath() + ")"));
            List<Runnable> waiting;
            synchronized (whenStarted) {
                started = true;
                waiting = new ArrayList<>(whenStarted);
                whenStarted.clear();
            }
            mbean = registerMBean();
            waiting.forEach(Runnable::run);
        } catch (IOException | java.sql.SQLException | RuntimeException e) {
            stopBroker();
            AdapterRuns.leave(runKey);
            runKey = null;
            throw new ResourceAdapterInternalException("Tributary could not start: " + e.getMessage(), e);
        }
    }

    @Override
    public void stop() {
        started = false;
        MBeans.unregister(mbean);
        mbean = null;
        if (activations != null) activations.deactivateAll();
        for (AutoCloseable c : closeOnStop) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "Error closing " + c, e);
            }
        }
        closeOnStop.clear();
        recoveryResources.clear();
        if (runKey != null) AdapterRuns.leave(runKey);
        runKey = null;
        if (offsetDatabase != null) offsetDatabase.close();
        stopBroker();
        LOG.log(System.Logger.Level.INFO, "Tributary resource adapter stopped");
    }

    /** Registers this instance's MBean under the first free {@code io.tributary:type=Adapter,name=<n>}. */
    private javax.management.ObjectName registerMBean() {
        for (int n = 0; n < 1000; n++) {
            try {
                if (!java.lang.management.ManagementFactory.getPlatformMBeanServer()
                        .isRegistered(MBeans.objectName("Adapter", Integer.toString(n)))) {
                    return MBeans.register(new AdapterMonitor(this), "Adapter", Integer.toString(n));
                }
            } catch (javax.management.MalformedObjectNameException e) {
                throw new IllegalStateException(e);
            }
        }
        return null;
    }

    /** True from the end of {@link #start} to the beginning of {@link #stop}. */
    public boolean isStarted() {
        return started;
    }

    private void stopBroker() {
        if (broker != null) {
            try {
                EmbeddedNodes.release(broker);
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "Error stopping the embedded broker", e);
            }
            broker = null;
        }
    }

    @Override
    public void endpointActivation(MessageEndpointFactory factory, ActivationSpec spec) throws ResourceException {
        if (!(spec instanceof TributaryActivationSpec tributarySpec)) {
            throw new ResourceException("Unexpected activation spec " + spec.getClass().getName());
        }
        tributarySpec.validate();
        activations.activate(factory, tributarySpec);
    }

    @Override
    public void endpointDeactivation(MessageEndpointFactory factory, ActivationSpec spec) {
        if (activations != null) activations.deactivate(factory, spec);
    }

    /**
     * What the consumers of every active message-driven bean are doing (see
     * {@link ActivationRegistry#statuses()}); empty while the adapter is not started.
     */
    public List<io.tributary.ra.inbound.ActivationStatus> activationStatuses() {
        ActivationRegistry a = activations;
        return a == null ? List.of() : a.statuses();
    }

    /**
     * For the transaction manager's recovery: the offset database's XAResource, through which
     * branches left prepared by a crash (this adapter's, and any other on the same H2 database)
     * are found and committed or rolled back as the transaction log says; and the XAResource of
     * every outbound connection factory associated with this adapter, which lists the Kafka
     * transactions of JTA branches a crash left prepared. The factories' resources are given here
     * too because a server need not scan connection factories an application defines itself.
     */
    @Override
    public XAResource[] getXAResources(ActivationSpec[] specs) throws ResourceException {
        List<XAResource> out = new java.util.ArrayList<>();
        if (offsetDatabase != null) {
            try {
                out.add(offsetDatabase.recoveryResource());
            } catch (java.sql.SQLException e) {
                throw new ResourceException("Cannot open the offset database for recovery: " + e.getMessage(), e);
            }
        }
        for (java.util.function.Supplier<XAResource> r : recoveryResources.values()) out.add(r.get());
        return out.toArray(new XAResource[0]);
    }

    /**
     * Runs {@code task} now if the adapter is started, otherwise once it has started (WildFly
     * hands a connection factory its adapter before starting the adapter).
     */
    public void whenStarted(Runnable task) {
        synchronized (whenStarted) {
            if (!started) {
                whenStarted.add(task);
                return;
            }
        }
        task.run();
    }

    /** Registers {@code owner}'s XAResource for {@link #getXAResources}; true the first time for {@code owner} in this run. */
    public boolean registerRecoveryResource(Object owner, java.util.function.Supplier<XAResource> resource) {
        return recoveryResources.putIfAbsent(owner, resource) == null;
    }

    /**
     * The node id that names this server among those sharing a cluster: the embedded node's
     * ({@code node.id}), or the {@code nodeId} property with {@code bootstrapServers}.
     */
    public int serverNodeId() {
        return effectiveNodeId;
    }

    /**
     * Names this run of the deployed adapter: the transactional ids of its outbound factories begin
     * with {@code <prefix>.<node>.<run id>.}, and recovery leaves the running run's ids alone.
     */
    public String runId() {
        return runId;
    }

    /** A number per outbound factory that sends in transactions in this run, so that factories sharing a prefix never share an id. */
    public int nextFactoryNumber() {
        return FACTORIES.getAndIncrement();
    }

    /** Registers something (an outbound factory's producer) that {@link #stop} closes, before the node stops. */
    public void closeOnStop(AutoCloseable resource) {
        closeOnStop.add(resource);
    }

    /** The bootstrap address clients of this adapter use: the embedded node or the configured cluster. */
    public String bootstrapServers() {
        return clientSettings == null ? null : clientSettings.bootstrapServers();
    }

    /** What every client of this adapter is configured with, while started. */
    public ClientSettings clientSettings() {
        return clientSettings;
    }

    /**
     * The adapter's clients connect to the embedded node's first listener: their
     * {@code security.protocol} must be that listener's, or the node would start unreachable.
     */
    private static void checkClientsCanConnect(io.tributary.broker.network.Listener first, ClientSettings clients) {
        String listens = first.securityProtocol().name;
        if (!listens.equals(clients.securityProtocol())) {
            throw new IllegalArgumentException("The embedded node's listener " + first + " uses " + listens
                    + " but the adapter's clients use " + clients.securityProtocol() + ": set clientProperties (or "
                    + ClientSettings.SYSTEM_PROPERTY_PREFIX + "security.protocol) to security.protocol=" + listens
                    + " and the settings it needs");
        }
    }

    public WorkManager workManager() {
        return workManager;
    }

    public OffsetDatabase offsetDatabase() {
        return offsetDatabase;
    }

    public Broker embeddedBroker() {
        return broker;
    }

    public String getDataDirectory() { return dataDirectory; }
    public void setDataDirectory(String v) { this.dataDirectory = v; }
    public String getHost() { return host; }
    public void setHost(String v) { this.host = v; }
    public Integer getPort() { return port; }
    public void setPort(Integer v) { this.port = v; }
    public String getClientProperties() { return clientProperties; }
    public void setClientProperties(String v) { this.clientProperties = v; }
    public String getClusterMembers() { return clusterMembers; }
    public void setClusterMembers(String v) { this.clusterMembers = v; }
    public String getClusterName() { return clusterName; }
    public void setClusterName(String v) { this.clusterName = v; }
    public Integer getNodeId() { return nodeId; }
    public void setNodeId(Integer v) { this.nodeId = v; }
    public String getBootstrapServers() { return bootstrapServers; }
    public void setBootstrapServers(String v) { this.bootstrapServers = v; }
    public String getOffsetDatabaseUrl() { return offsetDatabaseUrl; }
    public void setOffsetDatabaseUrl(String v) { this.offsetDatabaseUrl = v; }
    public String getBrokerProperties() { return brokerProperties; }
    public void setBrokerProperties(String v) { this.brokerProperties = v; }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
