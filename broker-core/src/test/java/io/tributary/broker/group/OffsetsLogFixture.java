package io.tributary.broker.group;

import io.tributary.broker.cluster.BrokerRegistration;
import io.tributary.broker.cluster.Replication;
import io.tributary.broker.cluster.StandaloneReplication;
import io.tributary.broker.delayed.DelayedFetches;
import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.topic.PartitionLimits;
import io.tributary.broker.topic.TopicManager;
import io.tributary.broker.topic.TopicStore;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A node on its own over a data directory, as the group tests need it: real partition logs (for
 * {@code __consumer_offsets}), its topics and its leader append path. Close it after the test.
 */
final class OffsetsLogFixture implements AutoCloseable {
    /** Group settings with 4 offsets partitions and no initial rebalance delay. */
    static final GroupConfig CONFIG = new GroupConfig(0, 6_000, 300_000, 7 * 24 * 3600_000L, 600_000, 4, 4096, 1 << 20);

    final LogManager logs;
    final TopicManager topics;
    final StandaloneReplication replication;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    OffsetsLogFixture(Path dir) throws IOException {
        logs = new LogManager(dir.toFile(), Clock.systemUTC());
        topics = new TopicManager(new TopicStore(dir.toFile()), logs, LogConfig.brokerDefaults(Map.of()),
                PartitionLimits.DEFAULTS, 1);
        replication = new StandaloneReplication(topics, 0, () -> new BrokerRegistration(0, "127.0.0.1", 9092),
                new DelayedFetches(timer));
    }

    /** An offset store over these logs, writing through {@code through}. */
    OffsetStore offsetStore(Replication through) {
        OffsetStore store = new OffsetStore(topics, CONFIG);
        store.replicateThrough(through, (short) 1, 5_000);
        return store;
    }

    @Override
    public void close() throws IOException {
        timer.shutdownNow();
        logs.close();
    }
}
