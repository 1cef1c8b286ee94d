package io.tributary.broker.quota;

import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The two replication quotas of a broker, Kafka's {@code quotas.leader} and {@code
 * quotas.follower}, with the names of the dynamic broker configs that set their rates. Immutable
 * holder; the quotas are thread-safe.
 */
public record ReplicationQuotas(ReplicationQuota leader, ReplicationQuota follower) {
    public static final String LEADER_RATE = "leader.replication.throttled.rate";
    public static final String FOLLOWER_RATE = "follower.replication.throttled.rate";
    /** The topic configs naming the throttled replicas (validated as {@code log.TopicConfigKey}'s). */
    public static final String LEADER_REPLICAS = "leader.replication.throttled.replicas";
    public static final String FOLLOWER_REPLICAS = "follower.replication.throttled.replicas";

    /** Both quotas, unlimited, measured over {@code windows} ({@code replication.quota.window.*}). */
    public static ReplicationQuotas create(QuotaConfig windows, LongSupplier clockMs) {
        return new ReplicationQuotas(new ReplicationQuota("LeaderReplication", windows, clockMs),
                new ReplicationQuota("FollowerReplication", windows, clockMs));
    }

    /** Sets both rates from a broker's effective properties (absent: unlimited). */
    public void updateBounds(Map<String, String> effective) {
        leader.updateBound(rateOf(effective, LEADER_RATE));
        follower.updateBound(rateOf(effective, FOLLOWER_RATE));
    }

    private static long rateOf(Map<String, String> effective, String name) {
        String v = effective.get(name);
        return v == null ? ReplicationQuota.UNLIMITED : Long.parseLong(v.trim());
    }

    /**
     * Sets the throttled partitions of both quotas from every topic's config overrides (topic → name
     * → value) on broker {@code brokerId}.
     */
    public void updateThrottled(Map<String, Map<String, String>> topicConfigs, int brokerId) {
        Map<String, String> leaderLists = new java.util.HashMap<>();
        Map<String, String> followerLists = new java.util.HashMap<>();
        topicConfigs.forEach((topic, configs) -> {
            String l = configs.get(LEADER_REPLICAS);
            if (l != null) leaderLists.put(topic, l);
            String f = configs.get(FOLLOWER_REPLICAS);
            if (f != null) followerLists.put(topic, f);
        });
        leader.updateThrottled(ThrottledReplicas.of(leaderLists, brokerId));
        follower.updateThrottled(ThrottledReplicas.of(followerLists, brokerId));
    }
}
