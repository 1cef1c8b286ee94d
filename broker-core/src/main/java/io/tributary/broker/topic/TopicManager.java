package io.tributary.broker.topic;

import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.TopicDeletionDisabledException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The topics of this node: create, delete, add partitions and change configs, each validated
 * (Kafka's name rules, counts, config values, {@link PartitionLimits}) before anything is written,
 * and persisted through {@link TopicStore} so they survive restarts. A new topic or new partitions
 * are stored only once all their logs are open: a log that cannot be opened (no file descriptor
 * left, an unusable directory) fails the change and closes and removes the logs it had opened, so
 * the store never names a partition the next start could not open.
 *
 * <p>Thread safety: mutations are serialised by this object's monitor; lookups read a concurrent
 * map and never block.
 */
public final class TopicManager {
    private static final System.Logger LOG = System.getLogger(TopicManager.class.getName());

    private final TopicStore store;
    private final LogManager logs;
    /** The topic defaults (static properties under the dynamic broker configs); replaced by {@link #updateBrokerDefaults}. */
    private volatile LogConfig brokerDefaults;
    private final PartitionLimits limits;
    private final Map<String, TopicMetadata> topics = new ConcurrentHashMap<>();
    private final Map<Uuid, String> namesById = new ConcurrentHashMap<>();
    private volatile TopicChanges clusterChanges;
    private volatile int clusterSize;

    public TopicManager(TopicStore store, LogManager logs, LogConfig brokerDefaults, PartitionLimits limits,
                        int clusterSize) {
        this.store = store;
        this.logs = logs;
        this.brokerDefaults = brokerDefaults;
        this.limits = limits;
        this.clusterSize = clusterSize;
    }

    /** The partition limits every creation is checked against. */
    public PartitionLimits limits() {
        return limits;
    }

    /**
     * On a node on its own: refuses adding {@code added} partitions when this broker would then hold
     * more than {@code max.broker.partitions}. In a cluster the placement decides which brokers get
     * them, and the change is checked there ({@link TopicChanges}).
     */
    public void checkBrokerCapacity(long added) {
        if (clusterChanges != null) return;
        long held = 0;
        for (TopicMetadata t : topics.values()) held += t.partitions();
        limits.checkBroker("this broker", held, added);
    }

    /**
     * Routes every change through {@code changes} (the metadata quorum) instead of applying it
     * here; the committed result comes back through {@link #applyCommitted}.
     */
    public void routeChangesThrough(TopicChanges changes) {
        this.clusterChanges = changes;
    }

    /** The number of brokers a replication factor is checked against. */
    public void setClusterSize(int size) {
        this.clusterSize = size;
    }

    /**
     * Makes the local topics equal to the committed ones: topics that are gone (or were re-created
     * under a new id) are removed with their logs; new and changed ones are stored, and the logs of
     * the partitions {@code hostedHere} are opened or created.
     */
    public synchronized void applyCommitted(java.util.Collection<TopicMetadata> committed,
                                            java.util.function.Predicate<TopicPartition> hostedHere) {
        Map<String, TopicMetadata> byName = new java.util.HashMap<>();
        for (TopicMetadata t : committed) byName.put(t.name(), t);
        for (TopicMetadata existing : List.copyOf(topics.values())) {
            TopicMetadata c = byName.get(existing.name());
            if (c == null || !c.topicId().equals(existing.topicId())) removeLocally(existing);
        }
        for (TopicMetadata c : committed) {
            TopicMetadata existing = topics.get(c.name());
            LogConfig config = brokerDefaults.withOverrides(c.configs());
            if (!c.equals(existing)) {
                try {
                    store.save(c);
                } catch (IOException e) {
                    throw new KafkaStorageException("Cannot store topic " + c.name() + ": " + e.getMessage(), e);
                }
                topics.put(c.name(), c);
                namesById.put(c.topicId(), c.name());
                if (existing == null) {
                    LOG.log(System.Logger.Level.INFO, "Created topic " + c.name() + " (" + c.topicId() + ") with "
                            + c.partitions() + " partition(s)" + (c.configs().isEmpty() ? "" : " and configs " + c.configs()));
                }
            }
            boolean configsChanged = existing != null && !existing.configs().equals(c.configs());
            for (int p = 0; p < c.partitions(); p++) {
                TopicPartition tp = new TopicPartition(c.name(), p);
                if (!hostedHere.test(tp)) continue;
                var log = logs.get(tp);
                if (log.isEmpty()) logs.getOrCreate(tp, config);
                else if (configsChanged) log.get().updateConfig(config);
            }
        }
    }

    private void removeLocally(TopicMetadata topic) {
        try {
            store.remove(topic.name());
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot remove topic " + topic.name() + ": " + e.getMessage(), e);
        }
        topics.remove(topic.name());
        namesById.remove(topic.topicId());
        for (int p = 0; p < topic.partitions(); p++) logs.delete(new TopicPartition(topic.name(), p));
        LOG.log(System.Logger.Level.INFO, "Deleted topic " + topic.name());
    }

    public TopicMetadata create(String name, int partitions, short replicationFactor, Map<String, String> configs,
                                int defaultPartitions) {
        TopicChanges changes = clusterChanges;
        if (changes == null) return createLocally(name, partitions, replicationFactor, configs, defaultPartitions);
        validateCreate(name, partitions, replicationFactor, configs);
        int count = partitions == -1 ? defaultPartitions : partitions;
        LogConfig config = brokerDefaults.withOverrides(configs);
        changes.create(new TopicMetadata(name, Uuid.randomUuid(), count, config.overrides()), replicationFactor);
        return require(name);
    }

    public void delete(String name, boolean deleteEnabled) {
        require(name);
        if (TopicNames.isInternal(name)) {
            throw new InvalidTopicException("Topic " + name + " is internal and cannot be deleted");
        }
        if (!deleteEnabled) {
            throw new TopicDeletionDisabledException("Topic deletion is disabled (delete.topic.enable=false)");
        }
        TopicChanges changes = clusterChanges;
        if (changes == null) deleteLocally(name);
        else changes.delete(name);
    }

    /** Grows the topic to {@code newCount} partitions. */
    public void createPartitions(String name, int newCount, boolean validateOnly) {
        TopicChanges changes = clusterChanges;
        if (changes == null) {
            createPartitionsLocally(name, newCount, validateOnly);
            return;
        }
        checkGrowth(require(name), newCount);
        if (!validateOnly) changes.createPartitions(name, newCount);
    }

    /** Replaces the topic's config overrides with {@code configs} (validated first). */
    public void setConfigs(String name, Map<String, String> configs) {
        TopicChanges changes = clusterChanges;
        if (changes == null) {
            setConfigsLocally(name, configs);
            return;
        }
        require(name);
        changes.setConfigs(name, brokerDefaults.withOverrides(configs).overrides());
    }

    /** Loads every stored topic and opens (recovering if needed) all its partition logs. */
    public void loadAll() throws IOException {
        for (TopicMetadata topic : store.loadAll()) {
            topics.put(topic.name(), topic);
            namesById.put(topic.topicId(), topic.name());
            LogConfig config = brokerDefaults.withOverrides(topic.configs());
            for (int p = 0; p < topic.partitions(); p++) {
                logs.getOrCreate(new TopicPartition(topic.name(), p), config);
            }
        }
        logs.deleteStrayDirectories(tp -> {
            TopicMetadata t = topics.get(tp.topic());
            return t != null && tp.partition() < t.partitions();
        });
    }

    /**
     * Validates a topic creation without performing it.
     *
     * @param partitions the count, or -1 for {@code num.partitions}
     * @param replicationFactor the factor, or -1 for {@code default.replication.factor}
     */
    public void validateCreate(String name, int partitions, short replicationFactor, Map<String, String> configs) {
        TopicNames.validate(name);
        if (topics.containsKey(name)) {
            throw new TopicExistsException("Topic '" + name + "' already exists.");
        }
        String key = TopicNames.collisionKey(name);
        for (String existing : topics.keySet()) {
            if (TopicNames.collisionKey(existing).equals(key)) {
                throw new InvalidTopicException("Topic '" + name + "' collides with existing topic '" + existing
                        + "': names may not differ only by '.' and '_'");
            }
        }
        if (partitions == 0 || partitions < -1) {
            throw new InvalidPartitionsException("Number of partitions must be larger than 0 (was " + partitions + ")");
        }
        if (replicationFactor == 0 || replicationFactor < -1) {
            throw new InvalidReplicationFactorException("Replication factor must be larger than 0 (was "
                    + replicationFactor + ")");
        }
        if (replicationFactor > clusterSize) {
            throw new InvalidReplicationFactorException("Replication factor: " + replicationFactor
                    + " larger than available brokers: " + clusterSize + ".");
        }
        brokerDefaults.withOverrides(configs);
    }

    private synchronized TopicMetadata createLocally(String name, int partitions, short replicationFactor,
                                             Map<String, String> configs, int defaultPartitions) {
        validateCreate(name, partitions, replicationFactor, configs);
        int count = partitions == -1 ? defaultPartitions : partitions;
        checkBrokerCapacity(count);
        LogConfig config = brokerDefaults.withOverrides(configs);
        TopicMetadata topic = new TopicMetadata(name, Uuid.randomUuid(), count, config.overrides());
        openThenStore(topic, 0, config);
        topics.put(name, topic);
        namesById.put(topic.topicId(), name);
        LOG.log(System.Logger.Level.INFO, "Created topic " + name + " (" + topic.topicId() + ") with " + count
                + " partition(s)" + (configs.isEmpty() ? "" : " and configs " + config.overrides()));
        return topic;
    }

    private synchronized void deleteLocally(String name) {
        removeLocally(require(name));
    }

    /** Grows the topic on this node alone (no cluster). */
    private synchronized void createPartitionsLocally(String name, int newCount, boolean validateOnly) {
        TopicMetadata topic = require(name);
        checkGrowth(topic, newCount);
        checkBrokerCapacity(newCount - topic.partitions());
        if (validateOnly) return;
        TopicMetadata grown = topic.withPartitions(newCount);
        openThenStore(grown, topic.partitions(), brokerDefaults.withOverrides(topic.configs()));
        topics.put(name, grown);
    }

    /**
     * Opens the logs of {@code topic}'s partitions from {@code firstNew} on, then stores the topic.
     * When a log cannot be opened or the topic cannot be stored, the change fails and the logs this
     * call created are closed and removed (a partition directory that was already there is left).
     */
    private void openThenStore(TopicMetadata topic, int firstNew, LogConfig config) {
        List<TopicPartition> created = new java.util.ArrayList<>();
        try {
            for (int p = firstNew; p < topic.partitions(); p++) {
                TopicPartition tp = new TopicPartition(topic.name(), p);
                boolean existed = logs.partitionDir(tp).exists();
                logs.getOrCreate(tp, config);
                if (!existed) created.add(tp);
            }
            store.save(topic);
        } catch (IOException | RuntimeException e) {
            for (TopicPartition tp : created) logs.delete(tp);
            LOG.log(System.Logger.Level.WARNING, "Could not add partitions " + firstNew + " to " + (topic.partitions() - 1)
                    + " of " + topic.name() + "; removed the " + created.size() + " log(s) opened for them", e);
            if (e instanceof RuntimeException re) throw re;
            throw new KafkaStorageException("Cannot store topic " + topic.name() + ": " + e.getMessage(), e);
        }
    }

    /** Replaces the config overrides on this node alone (no cluster). */
    private synchronized void setConfigsLocally(String name, Map<String, String> configs) {
        TopicMetadata topic = require(name);
        LogConfig config = brokerDefaults.withOverrides(configs);
        TopicMetadata updated = topic.withConfigs(config.overrides());
        try {
            store.save(updated);
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot store topic " + name + ": " + e.getMessage(), e);
        }
        topics.put(name, updated);
        for (int p = 0; p < topic.partitions(); p++) {
            logs.get(new TopicPartition(name, p)).ifPresent(l -> l.updateConfig(config));
        }
    }

    private static void checkGrowth(TopicMetadata topic, int newCount) {
        String name = topic.name();
        if (newCount < topic.partitions()) {
            throw new InvalidPartitionsException("Topic " + name + " currently has " + topic.partitions()
                    + " partitions, " + newCount + " would not be an increase.");
        }
        if (newCount == topic.partitions()) {
            throw new InvalidPartitionsException("Topic " + name + " already has " + newCount + " partitions.");
        }
    }

    public TopicMetadata require(String name) {
        TopicMetadata t = topics.get(name);
        if (t == null) throw new UnknownTopicOrPartitionException("Topic " + name + " does not exist");
        return t;
    }

    public Optional<TopicMetadata> get(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    public Optional<String> nameOf(Uuid topicId) {
        return Optional.ofNullable(namesById.get(topicId));
    }

    public List<TopicMetadata> all() {
        return List.copyOf(topics.values());
    }

    public LogConfig effectiveConfig(String name) {
        return brokerDefaults.withOverrides(require(name).configs());
    }

    /** The logs this node holds (in a cluster, only those of the partitions it hosts). */
    public LogManager logs() {
        return logs;
    }

    public LogConfig brokerDefaults() {
        return brokerDefaults;
    }

    /**
     * Makes {@code defaults} the topic defaults (a dynamic broker config changed): every log this
     * node holds gets its topic's overrides laid over them at once, so topics without an override
     * of a setting follow the new default and topics with one keep theirs.
     */
    public synchronized void updateBrokerDefaults(LogConfig defaults) {
        this.brokerDefaults = defaults;
        for (TopicMetadata t : topics.values()) {
            LogConfig config;
            try {
                config = defaults.withOverrides(t.configs());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "Topic " + t.name() + " keeps its settings: " + e.getMessage());
                continue;
            }
            for (int p = 0; p < t.partitions(); p++) {
                logs.get(new TopicPartition(t.name(), p)).ifPresent(l -> l.updateConfig(config));
            }
        }
    }

    /** The log of a partition, or {@link UnknownTopicOrPartitionException} naming the partition. */
    public PartitionLog log(TopicPartition tp) {
        TopicMetadata t = topics.get(tp.topic());
        if (t == null || tp.partition() < 0 || tp.partition() >= t.partitions()) {
            throw new UnknownTopicOrPartitionException("This server does not host partition " + tp);
        }
        return logs.get(tp).orElseThrow(() -> new UnknownTopicOrPartitionException("This server does not host partition " + tp));
    }
}
