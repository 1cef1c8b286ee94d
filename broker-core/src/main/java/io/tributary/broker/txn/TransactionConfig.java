package io.tributary.broker.txn;

import org.apache.kafka.common.config.ConfigException;

import java.util.Map;

/**
 * Settings of the transaction coordinator, read from the broker's properties (with their defaults
 * applied) under Kafka's names. A value out of range fails the start.
 */
public record TransactionConfig(int stateLogPartitions, short stateLogReplicationFactor, int stateLogMinIsr,
                                int stateLogSegmentBytes, int maxTimeoutMs, long abortTimedOutIntervalMs,
                                long transactionalIdExpirationMs, long removeExpiredIntervalMs) {

    public static TransactionConfig from(Map<String, String> config) {
        return new TransactionConfig(
                positive(config, "transaction.state.log.num.partitions"),
                (short) positive(config, "transaction.state.log.replication.factor"),
                positive(config, "transaction.state.log.min.isr"),
                positive(config, "transaction.state.log.segment.bytes"),
                positive(config, "transaction.max.timeout.ms"),
                positiveLong(config, "transaction.abort.timed.out.transaction.cleanup.interval.ms"),
                positiveLong(config, "transactional.id.expiration.ms"),
                positiveLong(config, "transaction.remove.expired.transaction.cleanup.interval.ms"));
    }

    private static int positive(Map<String, String> config, String key) {
        long v = positiveLong(config, key);
        if (v > Integer.MAX_VALUE) throw new ConfigException(key, config.get(key), "expected at most " + Integer.MAX_VALUE);
        return (int) v;
    }

    private static long positiveLong(Map<String, String> config, String key) {
        String raw = config.get(key);
        try {
            long v = Long.parseLong(raw.trim());
            if (v <= 0) throw new ConfigException(key, raw, "expected a positive number");
            return v;
        } catch (NumberFormatException | NullPointerException e) {
            throw new ConfigException(key, raw, "expected a positive number");
        }
    }
}
