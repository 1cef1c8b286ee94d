package io.tributary.broker.quota;

import org.apache.kafka.common.config.ConfigException;

import java.util.Map;

/**
 * How quotas are measured, with Kafka's names and defaults: the rate of client quotas is taken
 * over {@code quota.window.num} windows ({@value #DEFAULT_WINDOW_NUM}) of {@code
 * quota.window.size.seconds} each ({@value #DEFAULT_WINDOW_SIZE_SECONDS}), the rate of replication
 * quotas over {@code replication.quota.window.num} windows of {@code
 * replication.quota.window.size.seconds} ({@link #replication}, same defaults). Immutable.
 */
public record QuotaConfig(int windowNum, int windowSizeSeconds) {
    public static final String WINDOW_NUM = "quota.window.num";
    public static final String WINDOW_SIZE_SECONDS = "quota.window.size.seconds";
    public static final int DEFAULT_WINDOW_NUM = 11;
    public static final int DEFAULT_WINDOW_SIZE_SECONDS = 1;
    public static final String REPLICATION_WINDOW_NUM = "replication.quota.window.num";
    public static final String REPLICATION_WINDOW_SIZE_SECONDS = "replication.quota.window.size.seconds";
    public static final QuotaConfig DEFAULTS = new QuotaConfig(DEFAULT_WINDOW_NUM, DEFAULT_WINDOW_SIZE_SECONDS);

    public QuotaConfig {
        if (windowNum < 1) throw new IllegalArgumentException(WINDOW_NUM + " must be at least 1, not " + windowNum);
        if (windowSizeSeconds < 1) {
            throw new IllegalArgumentException(WINDOW_SIZE_SECONDS + " must be at least 1, not " + windowSizeSeconds);
        }
    }

    public static QuotaConfig from(Map<String, String> props) {
        return new QuotaConfig(Integer.parseInt(props.getOrDefault(WINDOW_NUM, String.valueOf(DEFAULT_WINDOW_NUM)).trim()),
                Integer.parseInt(props.getOrDefault(WINDOW_SIZE_SECONDS, String.valueOf(DEFAULT_WINDOW_SIZE_SECONDS)).trim()));
    }

    /**
     * The windows of the replication quotas ({@code replication.quota.window.*}).
     *
     * @throws ConfigException naming the setting when a value is not a whole number of at least 1
     */
    public static QuotaConfig replication(Map<String, String> props) {
        return new QuotaConfig(atLeastOne(props, REPLICATION_WINDOW_NUM, DEFAULT_WINDOW_NUM),
                atLeastOne(props, REPLICATION_WINDOW_SIZE_SECONDS, DEFAULT_WINDOW_SIZE_SECONDS));
    }

    private static int atLeastOne(Map<String, String> props, String name, int defaultValue) {
        String value = props.getOrDefault(name, String.valueOf(defaultValue)).trim();
        int parsed;
        try {
            parsed = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new ConfigException(name, value, "expected a whole number");
        }
        if (parsed < 1) throw new ConfigException(name, value, "must be at least 1");
        return parsed;
    }

    public long windowMs() {
        return windowSizeSeconds * 1000L;
    }
}
