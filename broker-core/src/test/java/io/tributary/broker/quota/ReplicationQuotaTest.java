package io.tributary.broker.quota;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The replication quota's decision, as Kafka's {@code ReplicationQuotaManager} and {@code
 * shouldLeaderThrottle} / {@code shouldFollowerThrottle} make it: which partitions the topic configs
 * throttle on which broker, that an in-sync replica is never held back, and when the quota counts as
 * exceeded over its windows (Kafka's {@code SimpleRate}: no first burst of several windows' worth).
 */
class ReplicationQuotaTest {
    private static final TopicPartition T0 = new TopicPartition("t", 0);
    private static final TopicPartition T1 = new TopicPartition("t", 1);
    private static final TopicPartition T2 = new TopicPartition("t", 2);
    private static final TopicPartition OTHER = new TopicPartition("other", 0);

    private final AtomicLong now = new AtomicLong(1_000_000);

    private ReplicationQuota quota() {
        return new ReplicationQuota("LeaderReplication", QuotaConfig.DEFAULTS, now::get);
    }

    @Test
    void aStarThrottlesEveryPartitionOfTheTopicOnEveryBroker() {
        for (int broker : new int[] {1, 2, 7}) {
            ThrottledReplicas r = ThrottledReplicas.of(Map.of("t", "*"), broker);
            assertTrue(r.isThrottled(T0) && r.isThrottled(T1) && r.isThrottled(T2), "broker " + broker);
            assertFalse(r.isThrottled(OTHER), "another topic is not throttled");
        }
    }

    @Test
    void pairsThrottleOnlyThePartitionsPairedWithThisBroker() {
        Map<String, String> lists = Map.of("t", "0:1, 1:2,2:1", "other", "0:3");
        ThrottledReplicas one = ThrottledReplicas.of(lists, 1);
        assertTrue(one.isThrottled(T0));
        assertFalse(one.isThrottled(T1), "1:2 is broker 2's");
        assertTrue(one.isThrottled(T2));
        assertFalse(one.isThrottled(OTHER));
        ThrottledReplicas two = ThrottledReplicas.of(lists, 2);
        assertFalse(two.isThrottled(T0));
        assertTrue(two.isThrottled(T1));
        assertTrue(ThrottledReplicas.of(lists, 3).isThrottled(OTHER));
        assertTrue(ThrottledReplicas.of(lists, 4) == ThrottledReplicas.NONE, "nothing for broker 4");
        assertTrue(ThrottledReplicas.of(Map.of("t", ""), 1).isEmpty(), "an empty list throttles nothing");
        assertThrows(IllegalArgumentException.class, () -> ThrottledReplicas.of(Map.of("t", "0-1"), 1));
    }

    @Test
    void theTopicConfigsOfTheMetadataSetBothSides() {
        ReplicationQuotas quotas = ReplicationQuotas.create(QuotaConfig.DEFAULTS, now::get);
        quotas.updateThrottled(Map.of("t", Map.of("leader.replication.throttled.replicas", "0:1",
                "follower.replication.throttled.replicas", "1:1"), "other", Map.of("retention.ms", "1")), 1);
        assertTrue(quotas.leader().isThrottled(T0));
        assertFalse(quotas.leader().isThrottled(T1));
        assertTrue(quotas.follower().isThrottled(T1));
        assertFalse(quotas.follower().isThrottled(T0));
        quotas.updateThrottled(Map.of(), 1);
        assertFalse(quotas.leader().isThrottled(T0), "a removed list takes effect at once");
        assertFalse(quotas.follower().isThrottled(T1));
    }

    @Test
    void theRatesComeFromTheEffectiveBrokerConfigs() {
        ReplicationQuotas quotas = ReplicationQuotas.create(QuotaConfig.DEFAULTS, now::get);
        assertEquals(Long.MAX_VALUE, quotas.leader().bound(), "unlimited by default");
        quotas.updateBounds(Map.of("leader.replication.throttled.rate", "1048576", "follower.replication.throttled.rate", " 2048 "));
        assertEquals(1_048_576, quotas.leader().bound());
        assertEquals(2048, quotas.follower().bound());
        quotas.updateBounds(Map.of());
        assertEquals(Long.MAX_VALUE, quotas.follower().bound());
        assertThrows(IllegalArgumentException.class, () -> quotas.leader().updateBound(-1));
    }

    @Test
    void theQuotaIsExceededOnceTheBytesOverTheTimeTheySpanPassTheRate() {
        ReplicationQuota q = quota();
        q.updateBound(1000);
        q.updateThrottled(ThrottledReplicas.of(Map.of("t", "*"), 1));
        assertFalse(q.isQuotaExceeded(), "nothing recorded");
        q.record(1000);
        assertFalse(q.isQuotaExceeded(), "1000 bytes over one window is the rate, not above it");
        q.record(1000);
        // SimpleRate: 2000 bytes over one window (a client quota's Rate would count ten windows: 200/s).
        assertTrue(q.isQuotaExceeded());
        assertEquals(2000, q.rate(), 0.001);
        now.addAndGet(1_500);
        assertTrue(q.isQuotaExceeded(), "2000 bytes over 1.5 s");
        now.addAndGet(500);
        assertFalse(q.isQuotaExceeded(), "2000 bytes over 2 s is the rate again");
        q.record(5000);
        assertTrue(q.isQuotaExceeded());
        now.addAndGet(11_000);
        assertFalse(q.isQuotaExceeded(), "every sample is older than the 11 windows: forgotten");
        assertEquals(0, q.rate(), 0.001);
    }

    @Test
    void aQuotaIdleSinceItWasCreatedLetsNoBurstThrough() {
        ReplicationQuota q = quota();
        q.updateBound(1000);
        now.addAndGet(7_000);
        assertEquals(0, q.rate(), 0.001);
        q.record(2000);
        // The samples start at the first record: 2000 bytes over one window, not over the 7 s since the quota was made.
        assertTrue(q.isQuotaExceeded());
        assertEquals(2000, q.throttleTimeMs());
    }

    @Test
    void theThrottleTimeIsWhenTheRecordedBytesMeasureAtTheRateAgain() {
        ReplicationQuota q = quota();
        q.updateBound(1000);
        assertEquals(0, q.throttleTimeMs());
        q.record(2000);
        assertEquals(2000, q.throttleTimeMs(), "2000 bytes are 1000/s over 2 s");
        now.addAndGet(600);
        assertEquals(1400, q.throttleTimeMs());
        now.addAndGet(1399);
        assertEquals(1, q.throttleTimeMs());
        assertTrue(q.isQuotaExceeded());
        now.addAndGet(1);
        assertEquals(0, q.throttleTimeMs());
        assertFalse(q.isQuotaExceeded());
        q.updateBound(0);
        assertEquals(11_000, q.throttleTimeMs(), "a rate of 0: until the samples have expired");
        q.updateBound(ReplicationQuota.UNLIMITED);
        q.record(1_000_000);
        assertEquals(0, q.throttleTimeMs(), "no rate: never held back");
    }

    @Test
    void onlyAThrottledPartitionWhoseReplicaIsNotInSyncIsHeldBackAndOnlyWhileOverTheQuota() {
        ReplicationQuota q = quota();
        q.updateThrottled(ThrottledReplicas.of(Map.of("t", "0:1"), 1));
        q.record(10_000_000);
        assertFalse(q.shouldThrottle(T0, false), "no rate set: unlimited");
        q.updateBound(1000);
        assertTrue(q.shouldThrottle(T0, false), "throttled, out of sync, over the quota");
        assertFalse(q.shouldThrottle(T0, true), "an in-sync replica is never throttled");
        assertFalse(q.shouldThrottle(T1, false), "a partition not in the list is never throttled");
        q.updateBound(ReplicationQuota.UNLIMITED);
        assertFalse(q.shouldThrottle(T0, false), "a rate removed at run time takes effect at once");
        q.updateBound(100_000_000);
        assertFalse(q.shouldThrottle(T0, false), "a rate raised at run time takes effect at once");
        q.updateBound(0);
        assertTrue(q.shouldThrottle(T0, false), "a rate of 0 holds back as soon as anything was recorded");
        q.updateThrottled(ThrottledReplicas.NONE);
        assertFalse(q.shouldThrottle(T0, false), "a list removed at run time takes effect at once");
    }
}
