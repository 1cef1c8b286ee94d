package io.tributary.ra.outbound;

import io.tributary.api.TributaryConnection;
import io.tributary.api.TributaryConnectionFactory;
import io.tributary.ra.TributaryResourceAdapter;
import io.tributary.ra.config.ConfigProperties;
import io.tributary.ra.config.PluginClasses;
import io.tributary.ra.json.JsonbCodec;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.ConfigProperty;
import jakarta.resource.spi.ConnectionDefinition;
import jakarta.resource.spi.ConnectionManager;
import jakarta.resource.spi.ConnectionRequestInfo;
import jakarta.resource.spi.ManagedConnection;
import jakarta.resource.spi.ManagedConnectionFactory;
import jakarta.resource.spi.ResourceAdapter;
import jakarta.resource.spi.ResourceAdapterAssociation;
import jakarta.resource.spi.TransactionSupport;

import javax.security.auth.Subject;
import java.io.PrintWriter;
import java.util.Map;
import org.apache.kafka.common.serialization.Serializer;
import java.util.Set;

/**
 * The outbound side: a pool of {@link TributaryManagedConnection}s over one shared Kafka producer
 * per factory. Properties: {@code acks} ({@code all}), {@code producerProperties} (any
 * kafka-clients producer property, {@code name=value;...}), {@code transactionalIdPrefix},
 * {@code transactionTimeoutMs}, {@code branchLogTopic}, and for {@code sendObject}
 * {@code keySerializer}, {@code valueSerializer}, {@code jsonbConfig}. Outside a JTA transaction a send is acknowledged by the cluster
 * and visible at once; inside one it joins the transaction ({@link TributaryXAResource}) and is
 * visible to {@code read_committed} consumers only if the transaction commits.
 */
@ConnectionDefinition(connectionFactory = TributaryConnectionFactory.class,
        connectionFactoryImpl = TributaryConnectionFactoryImpl.class,
        connection = TributaryConnection.class, connectionImpl = TributaryConnectionImpl.class)
public class TributaryManagedConnectionFactory implements ManagedConnectionFactory, ResourceAdapterAssociation,
        TransactionSupport {
    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger(TributaryManagedConnectionFactory.class.getName());

    @ConfigProperty(defaultValue = "all", description = "Acknowledgements a send waits for: all, 1 or 0")
    private String acks = "all";
    @ConfigProperty(defaultValue = "", description = "Further kafka-clients producer properties, name=value;name=value")
    private String producerProperties = "";
    @ConfigProperty(defaultValue = "tributary-xa", description = "Prefix of the transactional ids of the Kafka "
            + "transactions that sends inside a JTA transaction join; unique per connection factory and stable across restarts")
    private String transactionalIdPrefix = "tributary-xa";
    @ConfigProperty(defaultValue = "900000", description = "transaction.timeout.ms of those Kafka transactions: a "
            + "transaction prepared before a crash must be completed by recovery within it, or the coordinator aborts it")
    private Integer transactionTimeoutMs = 900_000;
    @ConfigProperty(defaultValue = "tributary-xa-branches", description = "Compacted topic in which each prepared "
            + "JTA branch records which Kafka transaction carries it, for recovery after a crash")
    private String branchLogTopic = "tributary-xa-branches";
    @ConfigProperty(description = "Class of a Kafka Serializer that writes sendObject's keys; default: UTF-8 text")
    private String keySerializer = "";
    @ConfigProperty(description = "Class of a Kafka Serializer that writes sendObject's values; default: JSON through JSON-B")
    private String valueSerializer = "";
    @ConfigProperty(description = "JSON-B configuration of sendObject's JSON, JSON-B property names: "
            + "jsonb.property-naming-strategy=LOWER_CASE_WITH_UNDERSCORES;jsonb.null-values=true")
    private String jsonbConfig = "";

    private transient TributaryResourceAdapter adapter;
    private transient PrintWriter logWriter;
    private transient volatile SharedProducer producer;
    private transient volatile ObjectRecords objectRecords;
    private transient volatile TransactionCompleter completer;
    private transient volatile TransactionalProducerPool pool;
    private transient volatile boolean branchLogReady;
    /** This factory's number among the adapter's in this run, in its transactional ids. */
    private transient volatile Integer number;
    /** The Kafka transactions of the JTA branches in progress in this process, by branch. */
    private final transient java.util.concurrent.ConcurrentHashMap<XidNames.BranchXid, TransactionalBranch> branches =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** Branches an earlier run left prepared, found by recovery: branch to transactional id. */
    private final transient java.util.concurrent.ConcurrentHashMap<XidNames.BranchXid, String> recovered =
            new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public Object createConnectionFactory(ConnectionManager cm) {
        return new TributaryConnectionFactoryImpl(this, cm);
    }

    @Override
    public Object createConnectionFactory() throws ResourceException {
        throw new ResourceException("Tributary connection factories are only available inside an application server");
    }

    @Override
    public ManagedConnection createManagedConnection(Subject subject, ConnectionRequestInfo info) {
        return new TributaryManagedConnection(this);
    }

    @Override
    public ManagedConnection matchManagedConnections(Set connections, Subject subject, ConnectionRequestInfo info) {
        for (Object c : connections) {
            if (c instanceof TributaryManagedConnection mc && mc.factory() == this) return mc;
        }
        return null;
    }

    SharedProducer producer() {
        SharedProducer p = producer;
        if (p == null) {
            synchronized (this) {
                if (producer == null) {
                    if (adapter == null) throw new IllegalStateException("The connection factory is not associated with the Tributary adapter");
                    SharedProducer created = new SharedProducer(adapter.clientSettings(), acks,
                            ConfigProperties.nameValuePairs("producerProperties", producerProperties));
                    adapter.closeOnStop(() -> closeProducer(created));
                    producer = created;
                }
                p = producer;
            }
        }
        return p;
    }

    /**
     * How {@code sendObject} writes keys and values: the serializers are created on first use, found
     * through the calling application's class loader or the adapter's, and configured with the
     * producer's properties; they are closed when the adapter stops.
     */
    ObjectRecords objectRecords() {
        ObjectRecords o = objectRecords;
        if (o == null) {
            synchronized (this) {
                if (objectRecords == null) {
                    if (adapter == null) throw new IllegalStateException("The connection factory is not associated with the Tributary adapter");
                    Map<String, Object> config = adapter.clientSettings().clientConfig(
                            ConfigProperties.nameValuePairs("producerProperties", producerProperties));
                    ObjectRecords created = new ObjectRecords(
                            new JsonbCodec(ConfigProperties.nameValuePairs("jsonbConfig", jsonbConfig)),
                            serializer("keySerializer", keySerializer, config, true),
                            serializer("valueSerializer", valueSerializer, config, false));
                    adapter.closeOnStop(() -> {
                        synchronized (this) {
                            if (objectRecords == created) objectRecords = null;
                        }
                        created.close();
                    });
                    objectRecords = created;
                }
                o = objectRecords;
            }
        }
        return o;
    }

    @SuppressWarnings("unchecked")
    private static Serializer<Object> serializer(String property, String className, Map<String, Object> config, boolean isKey) {
        if (!ConfigProperties.isSet(className)) return null;
        Serializer<Object> s = PluginClasses.newInstance(property, className, Serializer.class,
                Thread.currentThread().getContextClassLoader(), TributaryManagedConnectionFactory.class.getClassLoader());
        s.configure(config, isKey);
        return s;
    }

    /**
     * The transactional ids of this server's branches, of every run: {@code <prefix>.<node>.}. The
     * node id keeps servers that share a prefix (the same application deployed on every node of a
     * cluster) out of each other's recovery.
     */
    private String serverScope() {
        if (adapter == null) throw new IllegalStateException("The connection factory is not associated with the Tributary adapter");
        return transactionalIdPrefix + "." + adapter.serverNodeId() + ".";
    }

    /**
     * The transactional ids of every factory of this run of the server ({@code <prefix>.<node>.<run>.}),
     * which recovery never touches: they may be in flight.
     */
    private String runScope() {
        return serverScope() + adapter.runId() + ".";
    }

    /** The transactional ids of this factory's pool: {@code <prefix>.<node>.<run>.<factory>.}. */
    private String poolScope() {
        Integer n = number;
        if (n == null) {
            synchronized (this) {
                if (number == null) number = adapter.nextFactoryNumber();
                n = number;
            }
        }
        return runScope() + n + ".";
    }

    /** The XAResource recovery uses: lists and completes branches; never enlisted. */
    javax.transaction.xa.XAResource recoveryResource() {
        return new TributaryXAResource(this, null);
    }

    /** Begins the Kafka transaction of branch {@code xid} on a pooled transactional producer. */
    TransactionalBranch beginBranch(javax.transaction.xa.Xid xid) {
        return branches.computeIfAbsent(XidNames.key(xid), k -> new TransactionalBranch(k, pool()));
    }

    /** The Kafka transaction of branch {@code xid} begun by this process, or null. */
    TransactionalBranch branch(javax.transaction.xa.Xid xid) {
        return branches.get(XidNames.key(xid));
    }

    /** Prepares branch {@code branch}: its branch record, then every record acknowledged. */
    void prepare(TransactionalBranch branch) throws Exception {
        if (!branchLogReady) {
            completer().ensureBranchLog(branchLogTopic);
            branchLogReady = true;
        }
        branch.prepare(branchLogTopic);
    }

    /** Commits or aborts branch {@code xid}'s Kafka transaction; its producer goes back to the pool. */
    void endBranch(javax.transaction.xa.Xid xid, boolean commit) {
        TransactionalBranch b = branches.remove(XidNames.key(xid));
        if (b == null) return;
        if (commit) b.commit();
        else b.abort();
    }

    /** The prepared branches left open by an earlier run of this factory (recovery scan). */
    java.util.Set<javax.transaction.xa.Xid> recover() throws javax.transaction.xa.XAException {
        java.util.Map<javax.transaction.xa.Xid, String> open = completer().open(serverScope(), runScope(), branchLogTopic);
        java.util.List<String> found = new java.util.ArrayList<>();
        open.forEach((x, id) -> {
            if (recovered.put(XidNames.key(x), id) == null) found.add(id);
        });
        if (!found.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "Recovery found " + found.size() + " Kafka transaction(s) of JTA branches "
                    + "prepared before a restart: " + found);
        }
        return new java.util.HashSet<>(open.keySet());
    }

    /** Completes a branch found by recovery as the transaction manager decided. */
    void completeRecovered(javax.transaction.xa.Xid xid, boolean commit) throws javax.transaction.xa.XAException {
        String id = recovered.get(XidNames.key(xid));
        if (id == null) {
            recover();
            id = recovered.get(XidNames.key(xid));
        }
        if (id == null) {
            javax.transaction.xa.XAException e = new javax.transaction.xa.XAException("No open Kafka transaction carries branch " + xid);
            e.errorCode = javax.transaction.xa.XAException.XAER_NOTA;
            throw e;
        }
        completer().complete(id, commit);
        recovered.remove(XidNames.key(xid));
        LOG.log(System.Logger.Level.INFO, "Recovery " + (commit ? "committed" : "aborted") + " Kafka transaction " + id
                + " of JTA branch " + xid);
    }

    private TransactionalProducerPool pool() {
        TransactionalProducerPool p = pool;
        if (p == null) {
            synchronized (this) {
                if (pool == null) {
                    if (adapter == null) throw new IllegalStateException("The connection factory is not associated with the Tributary adapter");
                    TransactionalProducerPool created = new TransactionalProducerPool(adapter.clientSettings(),
                            poolScope(), transactionTimeoutMs,
                            ConfigProperties.nameValuePairs("producerProperties", producerProperties));
                    adapter.closeOnStop(() -> {
                        synchronized (this) {
                            if (pool == created) pool = null;
                        }
                        created.close();
                    });
                    pool = created;
                }
                p = pool;
            }
        }
        return p;
    }

    /** Completes the Kafka transactions of branches whose producer is gone (recovery). */
    TransactionCompleter completer() {
        TransactionCompleter c = completer;
        if (c == null) {
            synchronized (this) {
                if (completer == null) {
                    if (adapter == null) throw new IllegalStateException("The connection factory is not associated with the Tributary adapter");
                    TransactionCompleter created = new TransactionCompleter(adapter.clientSettings());
                    adapter.closeOnStop(() -> {
                        synchronized (this) {
                            if (completer == created) completer = null;
                        }
                        created.close();
                    });
                    completer = created;
                }
                c = completer;
            }
        }
        return c;
    }

    /** Called when the adapter stops: the producer's network thread must not outlive it. */
    private synchronized void closeProducer(SharedProducer p) {
        if (producer == p) producer = null;
        p.close();
    }

    @Override
    public TransactionSupportLevel getTransactionSupport() {
        return TransactionSupportLevel.XATransaction;
    }

    @Override
    public ResourceAdapter getResourceAdapter() {
        return adapter;
    }

    @Override
    public void setResourceAdapter(ResourceAdapter ra) {
        this.adapter = (TributaryResourceAdapter) ra;
        if (adapter.registerRecoveryResource(this, this::recoveryResource)) adapter.whenStarted(this::scanEarlierRuns);
    }

    /**
     * Once per factory and run, in the background: aborts the Kafka transactions an earlier run of
     * this server left open without reaching prepare (as a restarted Kafka producer aborts its
     * previous epoch's), which would otherwise hold back {@code read_committed} consumers until
     * their timeout, and reports the prepared ones the transaction manager's recovery must decide.
     * A server may run its recovery only once, at boot, and then not for a redeployed adapter.
     */
    private void scanEarlierRuns() {
        try {
            adapter.workManager().scheduleWork(new jakarta.resource.spi.work.Work() {
                @Override
                public void run() {
                    try {
                        recover();
                    } catch (javax.transaction.xa.XAException | RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "Could not scan for Kafka transactions left open by an "
                                + "earlier run (prefix " + transactionalIdPrefix + "): " + e.getMessage());
                    }
                }

                @Override
                public void release() {
                }
            });
        } catch (jakarta.resource.spi.work.WorkException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Could not schedule the scan for Kafka transactions left open by an "
                    + "earlier run: " + e.getMessage());
        }
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        this.logWriter = out;
    }

    @Override
    public PrintWriter getLogWriter() {
        return logWriter;
    }

    public String getAcks() { return acks; }
    public void setAcks(String v) { this.acks = v; }
    public String getProducerProperties() { return producerProperties; }
    public String getTransactionalIdPrefix() { return transactionalIdPrefix; }
    public void setTransactionalIdPrefix(String v) { this.transactionalIdPrefix = v; }
    public Integer getTransactionTimeoutMs() { return transactionTimeoutMs; }
    public void setTransactionTimeoutMs(Integer v) { this.transactionTimeoutMs = v; }
    public String getBranchLogTopic() { return branchLogTopic; }
    public void setBranchLogTopic(String v) { this.branchLogTopic = v; }
    public void setProducerProperties(String v) { this.producerProperties = v; }
    public String getKeySerializer() { return keySerializer; }
    public void setKeySerializer(String v) { this.keySerializer = v; }
    public String getValueSerializer() { return valueSerializer; }
    public void setValueSerializer(String v) { this.valueSerializer = v; }
    public String getJsonbConfig() { return jsonbConfig; }
    public void setJsonbConfig(String v) { this.jsonbConfig = v; }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
