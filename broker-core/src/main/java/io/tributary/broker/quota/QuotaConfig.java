package io.tributary.broker.quota;

import java.util.Map;

/**
 * How client quotas are measured, with Kafka's names and defaults: the rate is taken over
 * {@code quota.window.num} windows ({@value #DEFAULT_WINDOW_NUM}) of {@code
 * quota.window.size.seconds} each ({@value #DEFAULT_WINDOW_SIZE_SECONDS}). Immutable.
 */
public record QuotaConfig(int windowNum, int windowSizeSeconds) {
    public static final String WINDOW_NUM = "quota.window.num";
    public static final String WINDOW_SIZE_SECONDS = "quota.window.size.seconds";
    public static final int DEFAULT_WINDOW_NUM = 11;
    public static final int DEFAULT_WINDOW_SIZE_SECONDS = 1;
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

    public long windowMs() {
        return windowSizeSeconds * 1000L;
    }
}
