package io.tributary.broker.config;

import io.tributary.broker.BrokerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The replication quota settings as Kafka's broker takes them: both rates are dynamic for a node or
 * the whole cluster, non-negative longs defaulting to {@link Long#MAX_VALUE}; the windows they are
 * measured over are read-only.
 */
class ReplicationRateConfigTest {
    private final DynamicBrokerConfigs rules = new DynamicBrokerConfigs(BrokerConfig.DEFAULTS.keySet());

    @Test
    void theRatesChangeAtRunTimeForANodeOrTheClusterAndTheWindowsDoNot() {
        assertEquals(DynamicBrokerConfigs.Mode.CLUSTER_WIDE, rules.mode("leader.replication.throttled.rate"));
        assertEquals(DynamicBrokerConfigs.Mode.CLUSTER_WIDE, rules.mode("follower.replication.throttled.rate"));
        assertEquals(DynamicBrokerConfigs.Mode.READ_ONLY, rules.mode("replication.quota.window.num"));
        assertEquals(DynamicBrokerConfigs.Mode.READ_ONLY, rules.mode("replication.quota.window.size.seconds"));
        rules.validate("", Map.of("leader.replication.throttled.rate", "1048576"), Set.of());
        rules.validate("1", Map.of("follower.replication.throttled.rate", "0"), Set.of());
        assertEquals(String.valueOf(Long.MAX_VALUE), BrokerConfig.DEFAULTS.get("leader.replication.throttled.rate"));
        assertEquals(String.valueOf(Long.MAX_VALUE), BrokerConfig.DEFAULTS.get("follower.replication.throttled.rate"));
    }

    @Test
    void aNegativeOrNonNumericRateIsRefusedWithKafkasMessage() {
        InvalidRequestException negative = assertThrows(InvalidRequestException.class,
                () -> rules.validate("1", Map.of("leader.replication.throttled.rate", "-1"), Set.of()));
        assertEquals("Invalid config value for resource ConfigResource(type=BROKER, name='1'): Invalid value -1 for "
                + "configuration leader.replication.throttled.rate: Value must be at least 0", negative.getMessage());
        InvalidRequestException text = assertThrows(InvalidRequestException.class,
                () -> rules.validate("", Map.of("follower.replication.throttled.rate", "fast"), Set.of()));
        assertEquals("Invalid config value for resource ConfigResource(type=BROKER, name=''): Invalid value fast for "
                + "configuration follower.replication.throttled.rate: Not a number of type LONG", text.getMessage());
        assertThrows(InvalidRequestException.class, () -> rules.validate("1", Map.of("replication.quota.window.num", "5"),
                Set.of()));
    }

    @Test
    void badStaticValuesStopTheStart() {
        assertThrows(ConfigException.class, () -> new BrokerConfig(Map.of("leader.replication.throttled.rate", "-5")));
        assertThrows(ConfigException.class, () -> new BrokerConfig(Map.of("replication.quota.window.num", "0")));
        assertEquals(5, new BrokerConfig(Map.of("replication.quota.window.size.seconds", "5")).replicationQuotaConfig()
                .windowSizeSeconds());
    }
}
