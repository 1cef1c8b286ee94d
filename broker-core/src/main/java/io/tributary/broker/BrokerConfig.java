package io.tributary.broker;

import io.tributary.broker.log.LogConfig;
import io.tributary.broker.network.Listener;
import io.tributary.broker.network.TlsSettings;
import io.tributary.broker.topic.PartitionLimits;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.security.auth.SecurityProtocol;

import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The settings of one broker node. Names are Kafka's where Kafka has one; every setting, its
 * default and meaning is listed in {@code docs/configuration.md}. Topic defaults ({@code log.*},
 * {@code message.max.bytes}, ...) are read from the same properties into {@link #logDefaults()}.
 * Immutable.
 */
public final class BrokerConfig {
    /** Broker-level settings with their defaults; topic-level defaults live in {@code TopicConfigKey}. */
    public static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("node.id", "0");
        d.put("listeners", "127.0.0.1:9092");
        d.put("advertised.listeners", "");
        d.put("listener.security.protocol.map", Listener.DEFAULT_PROTOCOL_MAP);
        d.put("log.dirs", "./data");
        d.put("num.partitions", "1");
        d.put("default.replication.factor", "1");
        d.put("auto.create.topics.enable", "true");
        d.put("delete.topic.enable", "true");
        d.put("socket.request.max.bytes", "104857600");
        d.put("num.io.threads", "8");
        d.put("num.network.threads", "3");
        d.put("queued.max.requests", "500");
        d.put("queued.max.request.bytes", "-1");
        d.put("log.retention.check.interval.ms", "300000");
        d.put("log.flush.scheduler.interval.ms", "1000");
        d.put("log.cleaner.enable", "true");
        d.put("log.cleaner.backoff.ms", "15000");
        d.putAll(io.tributary.broker.config.DynamicBrokerConfigs.CLEANER_DEFAULTS);
        d.put("producer.id.expiration.ms", "86400000");
        d.put("fetch.max.bytes", "57671680");
        d.put("cluster.id", "");
        d.put("group.initial.rebalance.delay.ms", "3000");
        d.put("group.min.session.timeout.ms", "6000");
        d.put("group.max.session.timeout.ms", "1800000");
        d.put("offsets.retention.minutes", "10080");
        d.put("offsets.retention.check.interval.ms", "600000");
        d.put("offsets.topic.num.partitions", "50");
        d.put("offsets.topic.segment.bytes", "104857600");
        d.put("offset.metadata.max.bytes", "4096");
        d.put("transaction.state.log.num.partitions", "50");
        d.put("transaction.state.log.replication.factor", "3");
        d.put("transaction.state.log.min.isr", "2");
        d.put("transaction.state.log.segment.bytes", "104857600");
        d.put("transaction.max.timeout.ms", "900000");
        d.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "10000");
        d.put("transactional.id.expiration.ms", "604800000");
        d.put("transaction.remove.expired.transaction.cleanup.interval.ms", "3600000");
        d.put("max.partitions.per.request", Integer.toString(PartitionLimits.KAFKA_MAX_PER_REQUEST));
        d.put("max.broker.partitions", Integer.toString(PartitionLimits.DEFAULT_MAX_PER_BROKER));
        d.put("inter.broker.listener.name", "");
        d.put("sasl.enabled.mechanisms", "GSSAPI");
        d.put("connections.max.reauth.ms", "0");
        d.put("sasl.server.max.receive.size", "524288");
        d.put("tributary.sasl.scram.initial.users", "");
        d.put("ssl.principal.mapping.rules", "DEFAULT");
        d.put(BrokerMetrics.JMX_ENABLED, "true");
        d.put(io.tributary.broker.http.HttpListener.PROPERTY, io.tributary.broker.http.HttpListener.DEFAULT);
        d.putAll(io.tributary.broker.security.AuthorizerConfig.DEFAULTS);
        d.put(io.tributary.broker.quota.QuotaConfig.WINDOW_NUM, String.valueOf(io.tributary.broker.quota.QuotaConfig.DEFAULT_WINDOW_NUM));
        d.put(io.tributary.broker.quota.QuotaConfig.WINDOW_SIZE_SECONDS,
                String.valueOf(io.tributary.broker.quota.QuotaConfig.DEFAULT_WINDOW_SIZE_SECONDS));
        d.put(io.tributary.broker.quota.QuotaConfig.REPLICATION_WINDOW_NUM,
                String.valueOf(io.tributary.broker.quota.QuotaConfig.DEFAULT_WINDOW_NUM));
        d.put(io.tributary.broker.quota.QuotaConfig.REPLICATION_WINDOW_SIZE_SECONDS,
                String.valueOf(io.tributary.broker.quota.QuotaConfig.DEFAULT_WINDOW_SIZE_SECONDS));
        d.put(io.tributary.broker.quota.ReplicationQuotas.LEADER_RATE, String.valueOf(Long.MAX_VALUE));
        d.put(io.tributary.broker.quota.ReplicationQuotas.FOLLOWER_RATE, String.valueOf(Long.MAX_VALUE));
        DEFAULTS = Map.copyOf(d);
    }

    private final Map<String, String> props;
    private final LogConfig logDefaults;

    public BrokerConfig(Map<String, String> props) {
        Map<String, String> merged = new HashMap<>(DEFAULTS);
        merged.putAll(props);
        this.props = Map.copyOf(merged);
        this.logDefaults = LogConfig.brokerDefaults(this.props);
        listenHost();
        listenPort();
        int nodeId = intValue("node.id");
        if (nodeId < 0 || nodeId > io.tributary.broker.producer.ProducerIdManager.MAX_NODE_ID) {
            throw new ConfigException("node.id", props.get("node.id"),
                    "expected 0 to " + io.tributary.broker.producer.ProducerIdManager.MAX_NODE_ID);
        }
        intValue("num.partitions");
        intValue("num.io.threads");
        for (String rate : List.of(io.tributary.broker.quota.ReplicationQuotas.LEADER_RATE,
                io.tributary.broker.quota.ReplicationQuotas.FOLLOWER_RATE)) {
            if (longValue(rate) < 0) throw new ConfigException(rate, props.get(rate), "must be at least 0");
        }
        replicationQuotaConfig();
        partitionLimits();
        authorizer();
        httpListeners();
    }

    /**
     * {@code http.listeners}: where the REST API and {@code /metrics} are served ({@code http://HOST:PORT}
     * or {@code https://HOST:PORT}, comma-separated; empty for none).
     *
     * @throws ConfigException naming the entry at fault
     */
    public List<io.tributary.broker.http.HttpListener> httpListeners() {
        return io.tributary.broker.http.HttpListener.parse(props.get(io.tributary.broker.http.HttpListener.PROPERTY));
    }

    /** {@code authorizer.class.name}, {@code super.users}, {@code allow.everyone.if.no.acl.found}. */
    public io.tributary.broker.security.AuthorizerConfig authorizer() {
        return io.tributary.broker.security.AuthorizerConfig.from(props);
    }

    public static BrokerConfig defaults() {
        return new BrokerConfig(Map.of());
    }

    /** Reads a properties file; {@code overrides} win over the file. */
    public static BrokerConfig load(Path file, Map<String, String> overrides) throws IOException {
        Map<String, String> map = new HashMap<>();
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            }
            for (String k : p.stringPropertyNames()) map.put(k, p.getProperty(k).trim());
        }
        map.putAll(overrides);
        return new BrokerConfig(map);
    }

    /** A copy with {@code key} set to {@code value}. */
    public BrokerConfig with(String key, String value) {
        Map<String, String> m = new HashMap<>(props);
        m.put(key, value);
        return new BrokerConfig(m);
    }

    public String get(String key) {
        return props.get(key);
    }

    public Map<String, String> asMap() {
        return props;
    }

    public int nodeId() { return intValue("node.id"); }
    public File dataDir() { return new File(props.get("log.dirs").split(",")[0].trim()); }
    public int numPartitions() { return intValue("num.partitions"); }
    public short defaultReplicationFactor() { return (short) intValue("default.replication.factor"); }
    public boolean autoCreateTopics() { return Boolean.parseBoolean(props.get("auto.create.topics.enable")); }
    public boolean deleteTopicEnable() { return Boolean.parseBoolean(props.get("delete.topic.enable")); }
    public int socketRequestMaxBytes() { return intValue("socket.request.max.bytes"); }
    public int ioThreads() { return intValue("num.io.threads"); }
    public int networkThreads() { return intValue("num.network.threads"); }
    public long retentionCheckIntervalMs() { return longValue("log.retention.check.interval.ms"); }
    public long flushSchedulerIntervalMs() { return longValue("log.flush.scheduler.interval.ms"); }
    public boolean cleanerEnable() { return Boolean.parseBoolean(props.get("log.cleaner.enable")); }
    public long cleanerBackoffMs() { return longValue("log.cleaner.backoff.ms"); }
    public long producerIdExpirationMs() { return longValue("producer.id.expiration.ms"); }
    public int fetchMaxBytes() { return intValue("fetch.max.bytes"); }

    /** How client quotas are measured ({@code quota.window.num}, {@code quota.window.size.seconds}). */
    public io.tributary.broker.quota.QuotaConfig quotaConfig() {
        return io.tributary.broker.quota.QuotaConfig.from(asMap());
    }

    /** How replication quotas are measured ({@code replication.quota.window.num}, {@code .size.seconds}). */
    public io.tributary.broker.quota.QuotaConfig replicationQuotaConfig() {
        return io.tributary.broker.quota.QuotaConfig.replication(asMap());
    }
    /** {@code tributary.metrics.jmx.enabled}: whether the broker's metrics are registered in the platform MBeanServer. */
    public boolean metricsJmxEnabled() { return Boolean.parseBoolean(props.get(BrokerMetrics.JMX_ENABLED)); }
    public String clusterId() { return props.get("cluster.id"); }
    public LogConfig logDefaults() { return logDefaults; }

    /**
     * {@code queued.max.requests} (at least 1) and {@code queued.max.request.bytes} (positive, or
     * -1: two fifths of the memory the JVM allows for direct buffers, where request bodies are held).
     */
    public io.tributary.broker.network.RequestQueueLimits requestQueueLimits() {
        int requests = intValue("queued.max.requests");
        if (requests < 1) throw new ConfigException("queued.max.requests", requests, "expected at least 1");
        long bytes = longValue("queued.max.request.bytes");
        if (bytes == -1) {
            bytes = io.tributary.broker.network.RequestQueueLimits.defaultMaxBytes();
        } else if (bytes < 1) {
            throw new ConfigException("queued.max.request.bytes", bytes, "expected a positive number of bytes, or -1");
        }
        return new io.tributary.broker.network.RequestQueueLimits(requests, bytes);
    }

    /** {@code max.partitions.per.request} and {@code max.broker.partitions}, each at least 1. */
    public PartitionLimits partitionLimits() {
        int perRequest = intValue("max.partitions.per.request");
        if (perRequest < 1) throw new ConfigException("max.partitions.per.request", perRequest, "expected at least 1");
        int perBroker = intValue("max.broker.partitions");
        if (perBroker < 1) throw new ConfigException("max.broker.partitions", perBroker, "expected at least 1");
        return new PartitionLimits(perRequest, perBroker);
    }

    /**
     * Every entry of {@code listeners}, in order, with its security protocol from
     * {@code listener.security.protocol.map}; the broker binds every one. Checked as a whole, with
     * the entries of {@code advertised.listeners}: a listener name the map does not know, a protocol
     * the map does not know, and an advertised listener that is not among {@code listeners} are
     * refused here, naming the listener. Run before anything is started ({@link Broker#start}), not
     * when the configuration is built: a name and its map entry may arrive one {@link #with} at a time.
     *
     * @throws ConfigException naming the property and the listener
     */
    public List<Listener> listeners() {
        Map<String, SecurityProtocol> protocols = Listener.parseProtocolMap(props.get("listener.security.protocol.map"));
        List<Listener> listeners = Listener.parse("listeners", props.get("listeners"), protocols);
        for (Listener l : listeners) l.requireServable("listeners");
        for (Listener a : advertisedListeners(protocols)) {
            a.requireServable("advertised.listeners");
            if (listeners.stream().noneMatch(l -> l.name().equals(a.name()))) {
                throw new ConfigException("advertised.listeners", props.get("advertised.listeners"), "listener "
                        + a.name() + " is advertised but not among listeners (" + props.get("listeners") + ")");
            }
        }
        return listeners;
    }

    private List<Listener> advertisedListeners(Map<String, SecurityProtocol> protocols) {
        String advertised = props.get("advertised.listeners");
        if (advertised == null || advertised.isBlank()) return List.of();
        return Listener.parse("advertised.listeners", advertised, protocols);
    }

    /**
     * The address clients of {@code listener} are told to connect to: its entry in
     * {@code advertised.listeners}, or, when that property is empty, the listener's own host
     * ({@code 127.0.0.1} for a wildcard or empty host); the port {@code boundPort} (the port actually
     * bound) where the configured one is 0. Empty when {@code advertised.listeners} is set and does not
     * name the listener: that listener is then served but not advertised, as in Kafka.
     */
    public java.util.Optional<Listener> advertised(Listener listener, int boundPort) {
        Map<String, SecurityProtocol> protocols = Listener.parseProtocolMap(props.get("listener.security.protocol.map"));
        List<Listener> advertised = advertisedListeners(protocols);
        Listener source;
        if (advertised.isEmpty()) {
            String h = listener.host();
            source = new Listener(listener.name(), listener.securityProtocol(),
                    h.isEmpty() || h.equals("0.0.0.0") || h.equals("::") ? "127.0.0.1" : h, listener.port());
        } else {
            source = advertised.stream().filter(a -> a.name().equals(listener.name())).findFirst().orElse(null);
            if (source == null) return java.util.Optional.empty();
        }
        int port = source.port() == 0 ? boundPort : source.port();
        return java.util.Optional.of(new Listener(source.name(), source.securityProtocol(), source.host(), port));
    }

    /**
     * The listener other brokers reach this one on ({@code inter.broker.listener.name}): the one so
     * named, or when the property is empty the first {@code PLAINTEXT} listener, else the first.
     *
     * @throws ConfigException when the named listener is not among {@code listeners}
     */
    public Listener interBrokerListener(List<Listener> listeners) {
        String name = props.get("inter.broker.listener.name");
        if (name == null || name.isBlank()) {
            return listeners.stream().filter(l -> l.securityProtocol() == SecurityProtocol.PLAINTEXT).findFirst()
                    .orElse(listeners.get(0));
        }
        String upper = name.trim().toUpperCase(java.util.Locale.ROOT);
        return listeners.stream().filter(l -> l.name().equals(upper)).findFirst().orElseThrow(() -> new ConfigException(
                "inter.broker.listener.name", name, "no such listener among listeners (" + props.get("listeners") + ")"));
    }

    /**
     * {@code ssl.principal.mapping.rules} of {@code listener} (overridden by
     * {@code listener.name.<name>.ssl.principal.mapping.rules}), Kafka's {@code SslPrincipalMapper}
     * syntax: {@code RULE:pattern/replacement/[LU]} rules tried in order, {@code DEFAULT} the
     * subject's distinguished name unchanged.
     *
     * @throws ConfigException naming the setting when the rules cannot be parsed
     */
    public org.apache.kafka.common.security.ssl.SslPrincipalMapper sslPrincipalMapper(Listener listener) {
        String name = "ssl.principal.mapping.rules";
        String rules = props.get("listener.name." + listener.name().toLowerCase(java.util.Locale.ROOT) + "." + name);
        if (rules == null) rules = props.get(name);
        if (rules == null || rules.isBlank()) rules = "DEFAULT";
        try {
            return org.apache.kafka.common.security.ssl.SslPrincipalMapper.fromRules(rules);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(name, rules, e.getMessage());
        }
    }

    /**
     * The TLS settings of {@code listener} ({@code ssl.*}, overridden by
     * {@code listener.name.<name>.ssl.*}), or null for a listener that does not use TLS.
     *
     * @throws ConfigException naming the setting, for a TLS listener without a usable key store
     */
    public TlsSettings tls(Listener listener) {
        if (!listener.usesTls()) return null;
        return TlsSettings.of(props, listener);
    }

    /** The host of {@code listeners}; an optional {@code PLAINTEXT://} prefix is accepted. */
    public String listenHost() {
        String l = stripScheme(props.get("listeners"));
        int colon = l.lastIndexOf(':');
        if (colon < 0) throw new ConfigException("listeners", props.get("listeners"), "expected HOST:PORT");
        return l.substring(0, colon);
    }

    public int listenPort() {
        String l = stripScheme(props.get("listeners"));
        try {
            return Integer.parseInt(l.substring(l.lastIndexOf(':') + 1));
        } catch (NumberFormatException e) {
            throw new ConfigException("listeners", props.get("listeners"), "expected HOST:PORT");
        }
    }

    /** The host clients are told to connect to; the listen host unless {@code advertised.listeners} is set. */
    public String advertisedHost() {
        String a = props.get("advertised.listeners");
        if (a == null || a.isBlank()) {
            String h = listenHost();
            return h.isEmpty() || h.equals("0.0.0.0") ? "127.0.0.1" : h;
        }
        String l = stripScheme(a);
        return l.substring(0, l.lastIndexOf(':'));
    }

    /** The advertised port, or {@code boundPort} (the port actually bound) when none is set. */
    public int advertisedPort(int boundPort) {
        String a = props.get("advertised.listeners");
        if (a == null || a.isBlank()) return boundPort;
        String l = stripScheme(a);
        return Integer.parseInt(l.substring(l.lastIndexOf(':') + 1));
    }

    private static String stripScheme(String listener) {
        String l = listener.split(",")[0].trim();
        int scheme = l.indexOf("://");
        return scheme >= 0 ? l.substring(scheme + 3) : l;
    }

    private int intValue(String key) {
        try {
            return Integer.parseInt(props.get(key).trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw new ConfigException(key, props.get(key), "expected a whole number");
        }
    }

    private long longValue(String key) {
        try {
            return Long.parseLong(props.get(key).trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw new ConfigException(key, props.get(key), "expected a whole number");
        }
    }
}
