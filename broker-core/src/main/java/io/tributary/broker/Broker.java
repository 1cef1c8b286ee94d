package io.tributary.broker;

import io.tributary.broker.api.ApiHandler;
import io.tributary.broker.api.CreateAclsHandler;
import io.tributary.broker.api.DeleteAclsHandler;
import io.tributary.broker.api.DescribeAclsHandler;
import io.tributary.broker.cluster.QuorumAclChanges;
import io.tributary.broker.security.AclAuthorizer;
import io.tributary.broker.security.AclChanges;
import io.tributary.broker.security.AclFile;
import io.tributary.broker.security.AuthorizerConfig;
import io.tributary.broker.api.ApiVersionsHandler;
import io.tributary.broker.api.AlterConfigsHandler;
import io.tributary.broker.api.DescribeClusterHandler;
import io.tributary.broker.api.DescribeConfigsHandler;
import io.tributary.broker.api.IncrementalAlterConfigsHandler;
import io.tributary.broker.api.ClusterView;
import io.tributary.broker.api.CreatePartitionsHandler;
import io.tributary.broker.api.CreateTopicsHandler;
import io.tributary.broker.api.DeleteRecordsHandler;
import io.tributary.broker.api.DeleteGroupsHandler;
import io.tributary.broker.api.DeleteTopicsHandler;
import io.tributary.broker.api.DescribeGroupsHandler;
import io.tributary.broker.api.FindCoordinatorHandler;
import io.tributary.broker.api.HeartbeatHandler;
import io.tributary.broker.api.JoinGroupHandler;
import io.tributary.broker.api.LeaveGroupHandler;
import io.tributary.broker.api.ListGroupsHandler;
import io.tributary.broker.api.OffsetCommitHandler;
import io.tributary.broker.api.OffsetDeleteHandler;
import io.tributary.broker.api.OffsetFetchHandler;
import io.tributary.broker.api.SyncGroupHandler;
import io.tributary.broker.api.FetchHandler;
import io.tributary.broker.api.InitProducerIdHandler;
import io.tributary.broker.api.ListOffsetsHandler;
import io.tributary.broker.api.MetadataHandler;
import io.tributary.broker.api.ProduceHandler;
import io.tributary.broker.producer.ProducerIdManager;
import io.tributary.broker.api.AddOffsetsToTxnHandler;
import io.tributary.broker.api.AddPartitionsToTxnHandler;
import io.tributary.broker.api.DescribeProducersHandler;
import io.tributary.broker.api.DescribeTransactionsHandler;
import io.tributary.broker.api.EndTxnHandler;
import io.tributary.broker.api.ListTransactionsHandler;
import io.tributary.broker.api.TxnOffsetCommitHandler;
import io.tributary.broker.api.WriteTxnMarkersHandler;
import io.tributary.broker.network.BrokerClient;
import io.tributary.broker.api.AlterUserScramCredentialsHandler;
import io.tributary.broker.api.DescribeUserScramCredentialsHandler;
import io.tributary.broker.api.SaslOutsideAuthenticationHandler;
import io.tributary.broker.security.SaslAuthenticators;
import io.tributary.broker.security.SaslSettings;
import io.tributary.broker.security.ScramCredentialChange;
import io.tributary.broker.security.ScramCredentialFile;
import io.tributary.broker.security.ScramCredentialStore;
import io.tributary.broker.security.ScramCredentials;
import io.tributary.broker.txn.LocalMarkerAppender;
import io.tributary.broker.txn.TransactionConfig;
import io.tributary.broker.txn.TransactionCoordinator;
import io.tributary.broker.txn.TransactionCoordinatorLocator;
import io.tributary.broker.txn.TransactionMarkerDispatcher;
import io.tributary.broker.txn.TransactionStateStore;
import io.tributary.broker.txn.TransactionVerifier;
import io.tributary.broker.api.RequestDispatcher;
import io.tributary.broker.api.RequestPolicies;
import io.tributary.broker.api.OffsetForLeaderEpochHandler;
import io.tributary.broker.cluster.BrokerRegistration;
import io.tributary.broker.cluster.ClusterLinkSecurity;
import io.tributary.broker.cluster.ClusterLinkTls;
import io.tributary.broker.cluster.ClusterConfig;
import io.tributary.broker.cluster.ClusterMember;
import io.tributary.broker.cluster.QuorumScramCredentialChanges;
import io.tributary.broker.cluster.QuorumClientQuotaChanges;
import io.tributary.broker.quota.ClientQuotaFile;
import io.tributary.broker.quota.ClientQuotaStore;
import io.tributary.broker.quota.ClientQuotas;
import io.tributary.broker.quota.QuotaMetrics;
import io.tributary.broker.quota.ReplicationQuotas;
import io.tributary.broker.quota.ThrottlePolicy;
import io.tributary.broker.cluster.Replication;
import io.tributary.broker.cluster.StandaloneReplication;
import io.tributary.broker.delayed.DelayedFetches;
import io.tributary.broker.api.GroupGate;
import io.tributary.broker.group.CoordinatorLocator;
import io.tributary.broker.group.GroupConfig;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import java.util.List;
import io.tributary.broker.group.GroupCoordinator;
import io.tributary.broker.group.OffsetStore;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.network.KafkaServer;
import io.tributary.broker.network.Listener;
import io.tributary.broker.network.TlsContexts;
import io.tributary.broker.network.TlsSettings;
import io.tributary.broker.topic.TopicManager;
import io.tributary.broker.topic.TopicStore;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A Tributary broker node: the partition logs of a data directory served over the Kafka protocol.
 *
 * <pre>{@code
 * try (Broker broker = Broker.start(BrokerConfig.defaults()
 *         .with("listeners", "127.0.0.1:0").with("log.dirs", "/tmp/tributary"))) {
 *     String bootstrap = broker.bootstrapServers();   // give this to any Kafka client
 *     broker.topics().create("orders", 3, (short) 1, Map.of(), 1);
 * }
 * }</pre>
 *
 * <p>{@link #start} recovers the logs (validating anything written after the last flush unless
 * the previous shutdown was clean), then listens. {@link #close} stops accepting requests, answers
 * parked fetches, flushes and closes every log and leaves the clean-shutdown marker.
 */
public final class Broker implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Broker.class.getName());

    private final BrokerConfig config;
    private final LogManager logs;
    private final TopicManager topics;
    private final KafkaServer server;
    /** The SASL listeners' authenticators (their OAUTHBEARER validators are closed with the broker). */
    private SaslAuthenticators saslAuthenticators;
    private final DelayedFetches delayedFetches;
    private final ScheduledExecutorService timer;
    private final GroupCoordinator groups;
    /** The address of the first listener. */
    private final InetSocketAddress address;
    /** The bound address of every listener, by listener name, in the order of {@code listeners}. */
    private final Map<String, InetSocketAddress> addresses = new java.util.LinkedHashMap<>();
    private final String clusterId;
    private final ClusterMember cluster;
    private final Transactions transactions;
    /** The SCRAM credentials SASL logins are checked against. */
    private final ScramCredentialStore scram;
    /** In a cluster, the thread creating the initial SCRAM users (null when there is none); stopped by close. */
    private final Thread initialScramUsers;
    /** This node's metrics, in JMX under Kafka's names unless another broker of the JVM has them. */
    private final BrokerMetrics metrics;
    /** The HTTP listeners (REST API, /metrics); null when {@code http.listeners} is empty or its default could not bind. */
    private final io.tributary.broker.http.HttpApiServer http;

    /** The transaction coordinator and what it needs, built once replication exists. */
    private record Transactions(TransactionCoordinator coordinator, TransactionCoordinatorLocator locator,
                                LocalMarkerAppender appender, BrokerClient client, ScheduledExecutorService executor) {
        void close() {
            coordinator.close();
            client.close();
            executor.shutdownNow();
        }
    }

    private static Transactions transactions(BrokerConfig config, Replication replication, OffsetStore offsets,
                                             TopicManager topics, ProducerIdManager producerIds, boolean clustered,
                                             long requestTimeoutMs, Clock clock) {
        TransactionConfig txnConfig = TransactionConfig.from(config.asMap());
        ScheduledExecutorService executor = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "tributary-txn");
            t.setDaemon(true);
            return t;
        });
        // Broker-to-broker requests travel on the cluster link: TLS with the node's certificate when it is secured.
        ClusterLinkSecurity link = ClusterLinkSecurity.from(config.asMap());
        BrokerClient client = new BrokerClient("tributary-broker-" + config.nodeId(), (int) requestTimeoutMs,
                clustered && link.enabled() ? new ClusterLinkTls(link, config.nodeId()).clientSockets() : null);
        LocalMarkerAppender appender = new LocalMarkerAppender(replication, offsets, requestTimeoutMs);
        TransactionMarkerDispatcher markers = new TransactionMarkerDispatcher(replication, config::nodeId, appender,
                client, executor, executor);
        TransactionStateStore store = new TransactionStateStore(topics, txnConfig, replication,
                clustered ? txnConfig.stateLogReplicationFactor() : 1, requestTimeoutMs);
        TransactionCoordinator coordinator = new TransactionCoordinator(store, producerIds, markers, txnConfig, clock,
                executor);
        TransactionCoordinatorLocator locator = new TransactionCoordinatorLocator(coordinator, replication, clustered);
        return new Transactions(coordinator, locator, appender, client, executor);
    }

    private Broker(BrokerConfig config, Clock clock, RequestPolicies policies) throws IOException, InterruptedException {
        this.config = config;
        File dataDir = config.dataDir();
        this.logs = new LogManager(dataDir, clock);
        java.util.ArrayDeque<Runnable> undo = new java.util.ArrayDeque<>();
        this.metrics = new BrokerMetrics(logs);
        undo.push(metrics::close);
        try {
            ClusterConfig clusterConfig = ClusterConfig.from(config.asMap(), config.nodeId());
            String configuredId = config.clusterId();
            if (clusterConfig.clustered() && (configuredId == null || configuredId.isBlank())) {
                configuredId = clusterConfig.clusterName();
            }
            this.clusterId = loadClusterId(dataDir, configuredId);
            // Dynamic broker configs: the node's own file when it runs alone (read now, so the logs open
            // with them), the replicated metadata in a cluster (applied as its images arrive).
            io.tributary.broker.config.DynamicBrokerConfigStore dynamicConfigs = new io.tributary.broker.config.DynamicBrokerConfigStore();
            if (!clusterConfig.clustered()) {
                dynamicConfigs.routeChangesThrough(new io.tributary.broker.config.BrokerConfigFile(dataDir, dynamicConfigs));
            }
            io.tributary.broker.config.BrokerConfigAdmin brokerConfigs = new io.tributary.broker.config.BrokerConfigAdmin(
                    config.nodeId(), config.asMap(),
                    new io.tributary.broker.config.DynamicBrokerConfigs(BrokerConfig.DEFAULTS.keySet()), dynamicConfigs,
                    effective -> BrokerReconfiguration.check(effective, config.listeners()));
            this.topics = new TopicManager(new TopicStore(dataDir), logs,
                    io.tributary.broker.log.LogConfig.brokerDefaults(brokerConfigs.effective()), config.partitionLimits(), 1);
            topics.loadAll();
            logs.startBackgroundTasks(new LogManager.Schedule(config.retentionCheckIntervalMs(),
                    config.flushSchedulerIntervalMs(), config.cleanerEnable(), config.cleanerBackoffMs(),
                    config.producerIdExpirationMs()));
            this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "tributary-fetch-timer");
                t.setDaemon(true);
                return t;
            });
            undo.push(timer::shutdownNow);
            this.delayedFetches = new DelayedFetches(timer);
            GroupConfig groupConfig = GroupConfig.from(config.asMap());
            OffsetStore offsetStore = new OffsetStore(topics, groupConfig);
            this.groups = new GroupCoordinator(groupConfig, offsetStore, clock);
            undo.push(groups::close);
            groups.start();
            this.scram = new ScramCredentialStore();
            ClientQuotaStore quotaStore = new ClientQuotaStore();
            AtomicReference<BrokerRegistration> self = new AtomicReference<>();
            AtomicReference<ClusterView> view = new AtomicReference<>();
            AtomicReference<CoordinatorLocator> locator = new AtomicReference<>();
            AtomicReference<Transactions> txns = new AtomicReference<>();
            AuthorizerConfig authorizerConfig = config.authorizer();
            AclAuthorizer aclAuthorizer = authorizerConfig.enabled() ? new AclAuthorizer(authorizerConfig) : null;
            AtomicReference<AclChanges> aclChanges = new AtomicReference<>();
            ProducerIdManager producerIds = new ProducerIdManager(dataDir, config.nodeId());
            QuotaMetrics quotaMetrics = new QuotaMetrics(metrics.registry());
            // Replication quotas: the rates follow the effective broker configs from the first image on
            // (a restarted follower must not copy unthrottled until the node has finished starting), the
            // throttled partitions the topic configs of the metadata (ReplicaManager).
            ReplicationQuotas replicationQuotas = ReplicationQuotas.create(config.replicationQuotaConfig(), clock::millis);
            dynamicConfigs.addListener(state -> replicationQuotas.updateBounds(brokerConfigs.effective()));
            quotaMetrics.replication(replicationQuotas.leader());
            quotaMetrics.replication(replicationQuotas.follower());
            Replication replication;
            if (clusterConfig.clustered()) {
                this.cluster = ClusterMember.join(clusterConfig, dataDir, topics, logs, delayedFetches, timer, clock,
                        config.defaultReplicationFactor(), replicationQuotas, self::get, replicas -> {
                            if (aclAuthorizer != null) {
                                replicas.quorum().addListener(image -> aclAuthorizer.replaceAcls(image.acls()));
                            }
                            aclChanges.set(new QuorumAclChanges(replicas.quorum()));
                            offsetStore.replicateThrough(replicas, clusterConfig.offsetsTopicReplicationFactor(),
                                    clusterConfig.requestTimeoutMs());
                            locator.set(new CoordinatorLocator(offsetStore, groups, replicas, true));
                            txns.set(transactions(config, replicas, offsetStore, topics, producerIds, true,
                                    clusterConfig.requestTimeoutMs(), clock));
                            replicas.addLeadershipListener((tp, leads) -> {
                                locator.get().onLeadership(tp, leads);
                                txns.get().locator().onLeadership(tp, leads);
                            });
                        }, (quorum, image) -> {
                            if (image == null) {
                                scram.routeChangesThrough(new QuorumScramCredentialChanges(quorum));
                                quotaStore.routeChangesThrough(new QuorumClientQuotaChanges(quorum));
                                dynamicConfigs.routeChangesThrough(
                                        new io.tributary.broker.cluster.QuorumBrokerConfigChanges(quorum));
                            } else {
                                scram.replaceAll(image.scramCredentials());
                                quotaStore.replaceAll(image.clientQuotas());
                                dynamicConfigs.replaceAll(image.brokerConfigs());
                            }
                        });
                undo.push(cluster::close);
                this.initialScramUsers = createInitialScramUsersOnceCommitted(config, scram, cluster.quorum());
                replication = cluster.replication();
            } else {
                this.cluster = null;
                this.initialScramUsers = null;
                scram.routeChangesThrough(new ScramCredentialFile(dataDir, scram));
                quotaStore.routeChangesThrough(new ClientQuotaFile(dataDir, quotaStore));
                createInitialScramUsers(config, scram);
                if (aclAuthorizer != null) aclChanges.set(AclFile.load(dataDir, aclAuthorizer));
                replication = new StandaloneReplication(topics, config.nodeId(), self::get, delayedFetches);
                offsetStore.replicateThrough(replication, (short) 1, clusterConfig.requestTimeoutMs());
                locator.set(new CoordinatorLocator(offsetStore, groups, replication, false));
                txns.set(transactions(config, replication, offsetStore, topics, producerIds, false,
                        clusterConfig.requestTimeoutMs(), clock));
                txns.get().locator().loadStandalone();
            }
            this.transactions = txns.get();
            undo.push(transactions::close);
            metrics.replication(replicationView(cluster, topics), topics);
            CoordinatorLocator coordinators = locator.get();
            TransactionCoordinator txnCoordinator = transactions.coordinator();
            AtomicReference<RequestDispatcher> dispatcher = new AtomicReference<>();
            // The client quotas are the throttle policy unless the caller brought its own (tests of the seam).
            ThrottlePolicy throttle = policies.throttle() != ThrottlePolicy.NONE ? policies.throttle()
                    : new ClientQuotas(quotaStore, config.quotaConfig(), clock::millis, quotaMetrics);
            Map<ApiKeys, ApiHandler<? extends ApiMessage>> handlers = new EnumMap<>(ApiKeys.class);
            handlers.put(ApiKeys.API_VERSIONS, new ApiVersionsHandler(() -> dispatcher.get().supportedApis()));
            handlers.put(ApiKeys.METADATA, new MetadataHandler(topics, view::get, config.autoCreateTopics(),
                    config.numPartitions(), replication));
            TransactionVerifier verifier = new TransactionVerifier(txnCoordinator, transactions.locator(), self::get,
                    transactions.client(), transactions.executor());
            handlers.put(ApiKeys.PRODUCE, new ProduceHandler(topics, replication, verifier, metrics.topics()));
            handlers.put(ApiKeys.FETCH, new FetchHandler(topics, delayedFetches.consumers(), config.fetchMaxBytes(),
                    replication, metrics.topics(), throttle::maxFetchBytes));
            handlers.put(ApiKeys.LIST_OFFSETS, new ListOffsetsHandler(topics, replication));
            handlers.put(ApiKeys.CREATE_TOPICS, new CreateTopicsHandler(topics, config.nodeId(), config.numPartitions(),
                    config.defaultReplicationFactor(), throttle));
            handlers.put(ApiKeys.DELETE_TOPICS, new DeleteTopicsHandler(topics, config.deleteTopicEnable(), throttle));
            handlers.put(ApiKeys.CREATE_PARTITIONS, new CreatePartitionsHandler(topics, throttle));
            handlers.put(ApiKeys.DELETE_RECORDS, new DeleteRecordsHandler(topics, replication));
            handlers.put(ApiKeys.OFFSET_FOR_LEADER_EPOCH, new OffsetForLeaderEpochHandler(replication));
            handlers.put(ApiKeys.INIT_PRODUCER_ID, new InitProducerIdHandler(producerIds, txnCoordinator));
            handlers.put(ApiKeys.ADD_PARTITIONS_TO_TXN, new AddPartitionsToTxnHandler(txnCoordinator, topics));
            handlers.put(ApiKeys.ADD_OFFSETS_TO_TXN, new AddOffsetsToTxnHandler(txnCoordinator, offsetStore));
            handlers.put(ApiKeys.END_TXN, new EndTxnHandler(txnCoordinator));
            handlers.put(ApiKeys.WRITE_TXN_MARKERS, new WriteTxnMarkersHandler(transactions.appender()));
            handlers.put(ApiKeys.DESCRIBE_PRODUCERS, new DescribeProducersHandler(replication));
            handlers.put(ApiKeys.LIST_TRANSACTIONS, new ListTransactionsHandler(txnCoordinator, clock));
            handlers.put(ApiKeys.DESCRIBE_TRANSACTIONS, new DescribeTransactionsHandler(txnCoordinator));
            handlers.put(ApiKeys.TXN_OFFSET_COMMIT, GroupGate.gate(new TxnOffsetCommitHandler(groups, topics), coordinators,
                    (r, v) -> List.of(r.groupId())));
            handlers.put(ApiKeys.DESCRIBE_CONFIGS, new DescribeConfigsHandler(topics, brokerConfigs));
            handlers.put(ApiKeys.ALTER_CONFIGS, new AlterConfigsHandler(topics, brokerConfigs));
            handlers.put(ApiKeys.INCREMENTAL_ALTER_CONFIGS, new IncrementalAlterConfigsHandler(topics, brokerConfigs));
            handlers.put(ApiKeys.DESCRIBE_CLUSTER, new DescribeClusterHandler(view::get, replication));
            handlers.put(ApiKeys.FIND_COORDINATOR, new FindCoordinatorHandler(group -> {
                return coordinators.find(group, self.get());
            }, transactionalId -> {
                return transactions.locator().find(transactionalId, self.get());
            }));
            handlers.put(ApiKeys.JOIN_GROUP, GroupGate.gate(new JoinGroupHandler(groups), coordinators,
                    (r, v) -> List.of(r.groupId())));
            handlers.put(ApiKeys.SYNC_GROUP, GroupGate.gate(new SyncGroupHandler(groups), coordinators,
                    (r, v) -> List.of(r.groupId())));
            handlers.put(ApiKeys.HEARTBEAT, GroupGate.gate(new HeartbeatHandler(groups), coordinators,
                    (r, v) -> List.of(r.groupId())));
            handlers.put(ApiKeys.LEAVE_GROUP, GroupGate.gate(new LeaveGroupHandler(groups), coordinators,
                    (r, v) -> List.of(r.groupId())));
            handlers.put(ApiKeys.OFFSET_COMMIT, GroupGate.gate(new OffsetCommitHandler(groups, topics), coordinators,
                    (r, v) -> List.of(r.groupId())));
            handlers.put(ApiKeys.OFFSET_FETCH, GroupGate.gate(new OffsetFetchHandler(groups, topics), coordinators,
                    (r, v) -> v < 8 ? List.of(r.groupId())
                            : r.groups().stream().map(OffsetFetchRequestData.OffsetFetchRequestGroup::groupId).toList()));
            handlers.put(ApiKeys.OFFSET_DELETE, GroupGate.gate(new OffsetDeleteHandler(groups), coordinators,
                    (r, v) -> List.of(r.groupId())));
            handlers.put(ApiKeys.DESCRIBE_GROUPS, GroupGate.gate(new DescribeGroupsHandler(groups), coordinators,
                    (r, v) -> r.groups()));
            handlers.put(ApiKeys.LIST_GROUPS, new ListGroupsHandler(groups));
            handlers.put(ApiKeys.DELETE_GROUPS, GroupGate.gate(new DeleteGroupsHandler(groups), coordinators,
                    (r, v) -> r.groupsNames()));
            handlers.put(ApiKeys.SASL_HANDSHAKE, new SaslOutsideAuthenticationHandler());
            handlers.put(ApiKeys.SASL_AUTHENTICATE, new SaslOutsideAuthenticationHandler());
            handlers.put(ApiKeys.ALTER_USER_SCRAM_CREDENTIALS, new AlterUserScramCredentialsHandler(scram));
            handlers.put(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS, new DescribeUserScramCredentialsHandler(scram));
            handlers.put(ApiKeys.DESCRIBE_CLIENT_QUOTAS, new io.tributary.broker.api.DescribeClientQuotasHandler(quotaStore));
            handlers.put(ApiKeys.ALTER_CLIENT_QUOTAS, new io.tributary.broker.api.AlterClientQuotasHandler(quotaStore));
            handlers.put(ApiKeys.CREATE_ACLS, new CreateAclsHandler(aclAuthorizer, aclChanges::get));
            handlers.put(ApiKeys.DESCRIBE_ACLS, new DescribeAclsHandler(aclAuthorizer));
            handlers.put(ApiKeys.DELETE_ACLS, new DeleteAclsHandler(aclAuthorizer, aclChanges::get));
            RequestPolicies effective = new RequestPolicies(aclAuthorizer == null ? policies.authorizer() : aclAuthorizer,
                    throttle);
            dispatcher.set(new RequestDispatcher(handlers, effective, topics::nameOf,
                    name -> topics.get(name).isPresent(), config.autoCreateTopics(), metrics.requests()));
            io.tributary.broker.network.RequestQueueLimits requestLimits = config.requestQueueLimits();
            metrics.followRequestQueue(requestLimits);
            this.server = new KafkaServer(dispatcher.get(), config.socketRequestMaxBytes(), config.networkThreads(),
                    config.ioThreads(), metrics.requests(), requestLimits);
            undo.push(server::close);
            List<Listener> listeners = config.listeners();
            Map<String, SaslSettings> saslSettings = new java.util.HashMap<>();
            for (Listener l : listeners) if (l.usesSasl()) saslSettings.put(l.name(), SaslSettings.of(config.asMap(), l));
            SaslAuthenticators sasl = new SaslAuthenticators(saslSettings, scram, System::nanoTime);
            undo.push(sasl::close);
            this.saslAuthenticators = sasl;
            Listener interBroker = config.interBrokerListener(listeners);
            List<BrokerRegistration.Endpoint> endpoints = new java.util.ArrayList<>();
            BrokerRegistration.Endpoint interBrokerEndpoint = null;
            Map<Listener, io.tributary.broker.network.ReloadableSslContext> tlsContexts = new java.util.HashMap<>();
            for (Listener l : listeners) {
                TlsSettings tls = config.tls(l);
                io.tributary.broker.network.ReloadableSslContext context = null;
                if (tls != null) {
                    // From the effective settings: a listener's TLS material may have been changed at run time.
                    context = new io.tributary.broker.network.ReloadableSslContext(
                            TlsContexts.server(TlsSettings.of(brokerConfigs.effective(), l)));
                    tlsContexts.put(l, context);
                }
                InetSocketAddress bound = server.start(l, context, sasl, config.sslPrincipalMapper(l));
                this.addresses.put(l.name(), bound);
                Listener advertised = config.advertised(l, bound.getPort()).orElse(null);
                if (advertised == null) continue;
                BrokerRegistration.Endpoint e = new BrokerRegistration.Endpoint(l.name(), advertised.host(), advertised.port());
                endpoints.add(e);
                if (l.equals(interBroker)) interBrokerEndpoint = e;
            }
            this.address = addresses.values().iterator().next();
            BrokerReconfiguration reconfiguration = new BrokerReconfiguration(topics, logs, server, tlsContexts,
                    brokerConfigs.effective());
            dynamicConfigs.addListener(state -> reconfiguration.apply(brokerConfigs.effective()));
            view.set(new ClusterView(clusterId, config.nodeId(), interBrokerEndpoint.host(), interBrokerEndpoint.port()));
            self.set(new BrokerRegistration(config.nodeId(), interBrokerEndpoint.host(), interBrokerEndpoint.port(), endpoints));
            this.http = startHttp(config, dispatcher.get(), interBroker.name(), clusterId, metrics, scram, listeners,
                    transactions.client());
            if (http != null) undo.push(http::close);
            metrics.state(BrokerMetrics.RUNNING);
            metrics.exportToJmx(config.metricsJmxEnabled(), config.nodeId());
        } catch (Exception e) {
            undo.forEach(Runnable::run);
            logs.abandon();
            if (e instanceof IOException io) throw io;
            if (e instanceof InterruptedException ie) throw ie;
            if (e instanceof RuntimeException re) throw re;
            throw new IOException("Cannot join the cluster: " + e.getMessage(), e);
        }
    }

    /**
     * Starts {@code http.listeners} serving the REST API and {@code /metrics}, or returns null when it is
     * empty. The REST API requires credentials when the Kafka listeners authenticate their clients (a
     * SASL listener, or TLS with {@code ssl.client.auth=required}). When the default address
     * ({@value io.tributary.broker.http.HttpListener#DEFAULT}) cannot be bound (another node on the same
     * host has it) the node runs without HTTP and says so; a configured address that cannot be bound
     * stops the start.
     */
    private static io.tributary.broker.http.HttpApiServer startHttp(BrokerConfig config, RequestDispatcher dispatcher,
            String listenerName, String clusterId, BrokerMetrics metrics, ScramCredentialStore scram,
            List<Listener> listeners, BrokerClient forwarder) throws IOException {
        List<io.tributary.broker.http.HttpListener> http = config.httpListeners();
        if (http.isEmpty()) return null;
        boolean authenticationRequired = listeners.stream().anyMatch(l -> l.usesSasl()
                || (l.usesTls() && config.tls(l).clientAuth() == TlsSettings.ClientAuth.REQUIRED));
        io.tributary.broker.http.HttpApi api = new io.tributary.broker.http.HttpApi(dispatcher, listenerName, clusterId,
                metrics, scram, authenticationRequired, config.nodeId(), forwarder);
        try {
            return api.start(http, l -> {
                Listener asKafka = new Listener(io.tributary.broker.http.HttpListener.TLS_SETTINGS_NAME,
                        org.apache.kafka.common.security.auth.SecurityProtocol.SSL, l.host(), l.port());
                TlsSettings tls = TlsSettings.of(config.asMap(), asKafka);
                javax.net.ssl.SSLContext context = ((io.netty.handler.ssl.JdkSslContext) TlsContexts.server(tls)).context();
                return new io.tributary.broker.http.HttpApiServer.Tls(context,
                        tls.clientAuth() == TlsSettings.ClientAuth.REQUESTED,
                        tls.clientAuth() == TlsSettings.ClientAuth.REQUIRED, config.sslPrincipalMapper(asKafka));
            });
        } catch (IOException e) {
            if (!io.tributary.broker.http.HttpListener.DEFAULT.equals(config.get(io.tributary.broker.http.HttpListener.PROPERTY))) {
                throw e;
            }
            LOG.log(System.Logger.Level.WARNING, "Node " + config.nodeId() + " runs without its REST API and /metrics: "
                    + e.getMessage() + " (set " + io.tributary.broker.http.HttpListener.PROPERTY
                    + " to another address, or to nothing to turn HTTP off)");
            return null;
        }
    }

    /**
     * What the replica and controller gauges read: in a cluster this node's replica manager (roles,
     * committed ISRs, ISR change meters) and the quorum (controller, leaderless partitions); alone,
     * its logs (it leads every partition, with an ISR of itself).
     */
    private static BrokerMetrics.ReplicationView replicationView(ClusterMember cluster, TopicManager topics) {
        if (cluster != null) {
            var replicas = cluster.replicas();
            var quorum = cluster.quorum();
            return new BrokerMetrics.ReplicationView(replicas::replicaCounts, quorum::isController, () -> {
                long offline = 0;
                for (var t : quorum.image().topics().values()) {
                    for (var p : t.partitions()) if (!p.hasLeader()) offline++;
                }
                return offline;
            }, replicas.isrShrinks(), replicas.isrExpands());
        }
        return new BrokerMetrics.ReplicationView(() -> {
            int partitions = 0;
            int underMinIsr = 0;
            for (var log : topics.logs().all()) {
                partitions++;
                if (log.config().minInsyncReplicas() > 1) underMinIsr++;
            }
            return new io.tributary.broker.cluster.ReplicaCounts(partitions, partitions, 0, underMinIsr);
        }, () -> true, () -> 0, new io.tributary.broker.metrics.Meter("shrinks"),
                new io.tributary.broker.metrics.Meter("expands"));
    }

    /**
     * Checks the listeners and their security settings without opening anything: every listener is
     * servable, TLS material can be used, SASL listeners enable mechanisms this broker offers (with
     * their JAAS users), {@code tributary.sasl.scram.initial.users} is readable, and the inter-broker
     * listener is advertised (and, in a cluster, {@code PLAINTEXT}).
     *
     * @throws org.apache.kafka.common.config.ConfigException naming the property and the listener
     */
    public static void checkSecurity(BrokerConfig config) {
        List<Listener> listeners = config.listeners();
        for (Listener l : listeners) {
            TlsSettings tls = config.tls(l);
            if (tls != null) TlsContexts.server(tls);
            config.sslPrincipalMapper(l);
        }
        for (Listener l : listeners) if (l.usesSasl()) SaslSettings.of(config.asMap(), l);
        ScramCredentials.parseInitialUsers(config.get(ScramCredentials.INITIAL_USERS));
        Listener interBroker = config.interBrokerListener(listeners);
        if (config.advertised(interBroker, 0).isEmpty()) {
            throw new org.apache.kafka.common.config.ConfigException("inter.broker.listener.name", interBroker.name(),
                    "the inter-broker listener must be among advertised.listeners (" + config.get("advertised.listeners") + ")");
        }
        if (ClusterConfig.from(config.asMap(), config.nodeId()).clustered()
                && !ClusterLinkSecurity.from(config.asMap()).enabled()
                && interBroker.securityProtocol() != org.apache.kafka.common.security.auth.SecurityProtocol.PLAINTEXT) {
            throw new org.apache.kafka.common.config.ConfigException("inter.broker.listener.name", interBroker.name(),
                    "in a cluster the brokers' own Kafka-protocol requests (transaction markers and checks) use a "
                    + "PLAINTEXT listener, or an SSL one with a secured cluster link (cluster.link.security.protocol=SSL); "
                    + interBroker + " uses " + interBroker.securityProtocol()
                    + " (add a PLAINTEXT listener, bound to an internal address, and name it here)");
        }
    }

    /** Recovers the logs of {@code config}'s data directory and starts listening. */
    public static Broker start(BrokerConfig config) throws IOException {
        return start(config, Clock.systemUTC());
    }

    /**
     * {@link #start(BrokerConfig)} with the clock that time-based decisions read: segment rolls and
     * flushes, group session and rebalance timeouts, offset retention. Tests pass one they can move.
     */
    public static Broker start(BrokerConfig config, Clock clock) throws IOException {
        return start(config, clock, RequestPolicies.DEFAULTS);
    }

    /**
     * {@link #start(BrokerConfig, Clock)} with the authorizer and the throttle policy every request
     * goes through (the defaults allow everything and throttle nothing). An authorizer named by
     * {@code authorizer.class.name} takes the place of the policies' one.
     */
    public static Broker start(BrokerConfig config, Clock clock, RequestPolicies policies) throws IOException {
        // An unknown or unservable listener, TLS material or SASL settings that cannot be used, or a
        // cluster link that cannot be secured, stop the start before anything is opened.
        checkSecurity(config);
        checkClusterLink(config);
        try {
            Broker broker = new Broker(config, clock, policies);
            LOG.log(System.Logger.Level.INFO, "Tributary broker " + config.nodeId() + " listening on "
                    + broker.bootstrapServers() + " with data in " + config.dataDir().getAbsolutePath());
            return broker;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while starting the broker", e);
        }
    }

    /**
     * Creates the users of {@code tributary.sasl.scram.initial.users} that have no credential for
     * their mechanism yet (an existing credential, perhaps changed since, is left alone).
     */
    private static void createInitialScramUsers(BrokerConfig config, ScramCredentialStore scram) {
        List<ScramCredentialChange> changes = new java.util.ArrayList<>();
        for (ScramCredentials.InitialUser u : ScramCredentials.parseInitialUsers(config.get(ScramCredentials.INITIAL_USERS))) {
            if (scram.lookup(u.name(), u.mechanism()).isPresent()) continue;
            changes.add(new ScramCredentialChange(u.name(), u.mechanism(),
                    ScramCredentials.fromPassword(u.mechanism(), u.password(), u.iterations())));
            LOG.log(System.Logger.Level.INFO, "Creating initial SCRAM user " + u);
        }
        if (!changes.isEmpty()) scram.apply(changes);
    }

    /**
     * {@link #createInitialScramUsers} for a cluster member, on a thread of its own (returned, null
     * when there are no initial users): it first catches up with the quorum (commits a no-op and
     * applies everything before it), so a credential committed earlier is seen and not reset, and
     * retries while the quorum cannot take changes yet (no leader elected), for up to two minutes.
     */
    private static Thread createInitialScramUsersOnceCommitted(BrokerConfig config, ScramCredentialStore scram,
                                                               io.tributary.broker.cluster.MetadataQuorum quorum) {
        if (ScramCredentials.parseInitialUsers(config.get(ScramCredentials.INITIAL_USERS)).isEmpty()) return null;
        Thread t = new Thread(() -> {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(2);
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    org.apache.kafka.common.protocol.Errors caughtUp =
                            quorum.proposeAndWait(new io.tributary.broker.cluster.MetadataCommand.Noop());
                    if (caughtUp != org.apache.kafka.common.protocol.Errors.NONE) throw caughtUp.exception();
                    createInitialScramUsers(config, scram);
                    return;
                } catch (RuntimeException e) {
                    if (System.nanoTime() > deadline) {
                        LOG.log(System.Logger.Level.ERROR, "Could not create the initial SCRAM users of "
                                + ScramCredentials.INITIAL_USERS + ": " + e.getMessage());
                        return;
                    }
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException stop) {
                        return;
                    }
                }
            }
        }, "tributary-initial-scram-users");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * A secured cluster link ({@code cluster.link.security.protocol=SSL}) must open its stores, and in a
     * cluster the listener other brokers send their Kafka requests to ({@code inter.broker.listener.name})
     * must be an SSL listener: those requests are part of the link, never sent in the clear.
     */
    private static void checkClusterLink(BrokerConfig config) {
        ClusterLinkSecurity link = ClusterLinkSecurity.from(config.asMap());
        if (!link.enabled()) return;
        new ClusterLinkTls(link, config.nodeId());
        boolean clustered = ClusterConfig.from(config.asMap(), config.nodeId()).clustered();
        Listener interBroker = config.interBrokerListener(config.listeners());
        if (clustered && interBroker.securityProtocol() != org.apache.kafka.common.security.auth.SecurityProtocol.SSL) {
            throw new org.apache.kafka.common.config.ConfigException(ClusterLinkSecurity.PROTOCOL, "SSL",
                    "brokers send each other Kafka requests (transaction markers, transaction checks) on the "
                    + "inter-broker listener, " + interBroker + ", which is " + interBroker.securityProtocol().name
                    + ": with a secured cluster link it must be an SSL listener (name one in inter.broker.listener.name)");
        }
    }

    private static String loadClusterId(File dataDir, String configured) throws IOException {
        File file = new File(new File(dataDir, "meta"), "cluster.id");
        Files.createDirectories(file.getParentFile().toPath());
        if (file.exists()) {
            String stored = Files.readString(file.toPath(), StandardCharsets.UTF_8).trim();
            if (configured != null && !configured.isBlank() && !configured.equals(stored)) {
                throw new IllegalStateException("Data directory " + dataDir + " belongs to cluster " + stored
                        + " but cluster.id is " + configured);
            }
            return stored;
        }
        String id = configured == null || configured.isBlank() ? Uuid.randomUuid().toString() : configured;
        Files.writeString(file.toPath(), id, StandardCharsets.UTF_8);
        return id;
    }

    /** The address the first listener is bound to. */
    public InetSocketAddress address() {
        return address;
    }

    /** The address listener {@code listenerName} is bound to. */
    public InetSocketAddress address(String listenerName) {
        InetSocketAddress a = addresses.get(listenerName.toUpperCase(java.util.Locale.ROOT));
        if (a == null) throw new IllegalArgumentException("No listener " + listenerName + " (listeners: " + addresses.keySet() + ")");
        return a;
    }

    /**
     * The bound address of each HTTP listener ({@code http.listeners}: REST API and {@code /metrics}),
     * in order; empty when HTTP is off.
     */
    public List<InetSocketAddress> httpAddresses() {
        return http == null ? List.of() : http.addresses();
    }

    /** {@code host:port} for a Kafka client's {@code bootstrap.servers}: the first listener's. */
    public String bootstrapServers() {
        return bootstrapServers(addresses.keySet().iterator().next());
    }

    /** {@code host:port} of listener {@code listenerName}, advertised (or bound, when not advertised). */
    public String bootstrapServers(String listenerName) {
        InetSocketAddress bound = address(listenerName);
        for (Listener l : config.listeners()) {
            if (l.name().equals(listenerName.toUpperCase(java.util.Locale.ROOT))) {
                Listener a = config.advertised(l, bound.getPort()).orElse(null);
                if (a != null) return a.host() + ":" + a.port();
            }
        }
        return bound.getHostString() + ":" + bound.getPort();
    }

    public String clusterId() {
        return clusterId;
    }

    public TopicManager topics() {
        return topics;
    }

    public LogManager logs() {
        return logs;
    }

    public GroupCoordinator groups() {
        return groups;
    }

    /** The transaction coordinator of this node. */
    public TransactionCoordinator transactions() {
        return transactions.coordinator();
    }

    /** This node's cluster membership, empty for a node running alone. */
    public java.util.Optional<ClusterMember> cluster() {
        return java.util.Optional.ofNullable(cluster);
    }

    public BrokerConfig config() {
        return config;
    }

    /**
     * This node's metrics (Kafka's JMX names; {@link BrokerMetrics#snapshot()} reads them all, whether
     * or not this broker registered them in JMX).
     */
    public BrokerMetrics metrics() {
        return metrics;
    }

    /**
     * Stops the node the way a crash would, as far as a process can inside one JVM: the listener and
     * the cluster channel go away at once, nothing is flushed and no clean-shutdown marker is written,
     * so the next start recovers the logs. For failure tests; a real crash is {@code kill -9}.
     */
    public void halt() {
        if (initialScramUsers != null) initialScramUsers.interrupt();
        if (http != null) http.close();
        server.close();
        if (saslAuthenticators != null) saslAuthenticators.close();
        transactions.close();
        if (cluster != null) cluster.close();
        groups.close();
        timer.shutdownNow();
        logs.abandon();
        metrics.close();
        LOG.log(System.Logger.Level.WARNING, "Tributary broker " + config.nodeId() + " halted");
    }

    /**
     * Stops the node: in a cluster it first hands its leaderships over (controlled shutdown, while
     * it still answers clients, who move to the new leaders), then stops accepting requests.
     */
    @Override
    public void close() throws IOException {
        if (cluster != null) {
            metrics.state(BrokerMetrics.PENDING_CONTROLLED_SHUTDOWN);
            try {
                cluster.handOverLeadership();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (initialScramUsers != null) initialScramUsers.interrupt();
        metrics.state(BrokerMetrics.SHUTTING_DOWN);
        if (http != null) http.close();
        delayedFetches.completeAll();
        server.close();
        if (saslAuthenticators != null) saslAuthenticators.close();
        transactions.close();
        if (cluster != null) cluster.close();
        groups.close();
        timer.shutdownNow();
        try {
            logs.close();
        } finally {
            metrics.close();
        }
        LOG.log(System.Logger.Level.INFO, "Tributary broker " + config.nodeId() + " stopped");
    }
}
