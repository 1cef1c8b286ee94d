package io.tributary.broker.quota;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Which quota applies to a client, by Kafka's eight levels of precedence, and with whom it is
 * shared (the metric tags); and the rate and throttle time as Kafka's quota managers compute them.
 */
class ClientQuotaConfigsTest {
    private static ClientQuotaChange set(QuotaEntity e, double v) {
        return new ClientQuotaChange(e, QuotaType.PRODUCE, v);
    }

    @Test
    void eachLevelOfPrecedenceWinsOverTheOnesBelowIt() {
        // Every level has a quota; removing the winner each time exposes the next level.
        List<QuotaEntity> levels = List.of(QuotaEntity.userAndClient("alice", "app"), QuotaEntity.userAndClient("alice", null),
                QuotaEntity.user("alice"), QuotaEntity.userAndClient(null, "app"), QuotaEntity.userAndClient(null, null),
                QuotaEntity.user(null), QuotaEntity.client("app"), QuotaEntity.client(null));
        List<ClientQuotaChange> all = new ArrayList<>();
        for (int i = 0; i < levels.size(); i++) all.add(set(levels.get(i), 1000 + i));
        ClientQuotaConfigs quotas = ClientQuotaConfigs.EMPTY.applied(all);
        String[][] tags = {{"alice", "app"}, {"alice", "app"}, {"alice", ""}, {"alice", "app"}, {"alice", "app"},
                {"alice", ""}, {"", "app"}, {"", "app"}};
        for (int i = 0; i < levels.size(); i++) {
            ClientQuotaConfigs.Resolved r = quotas.resolve(QuotaType.PRODUCE, "alice", "app");
            assertEquals(1000 + i, r.limit(), "level " + (i + 1) + " (" + levels.get(i) + ") applies");
            assertEquals(tags[i][0], r.userTag(), "user tag at level " + (i + 1));
            assertEquals(tags[i][1], r.clientIdTag(), "client-id tag at level " + (i + 1));
            quotas = quotas.applied(List.of(new ClientQuotaChange(levels.get(i), QuotaType.PRODUCE, null)));
        }
        assertNull(quotas.resolve(QuotaType.PRODUCE, "alice", "app"), "no level left: unlimited");
    }

    @Test
    void aQuotaOfAnotherTypeOrAnotherClientDoesNotApply() {
        ClientQuotaConfigs quotas = ClientQuotaConfigs.EMPTY.applied(List.of(
                new ClientQuotaChange(QuotaEntity.client("app"), QuotaType.FETCH, 500.0),
                new ClientQuotaChange(QuotaEntity.user("bob"), QuotaType.PRODUCE, 700.0)));
        assertNull(quotas.resolve(QuotaType.PRODUCE, "alice", "app"));
        assertEquals(500, quotas.resolve(QuotaType.FETCH, "alice", "app").limit());
        assertNull(quotas.resolve(QuotaType.FETCH, "alice", "other"));
        assertEquals(700, quotas.resolve(QuotaType.PRODUCE, "bob", "anything").limit());
    }

    @Test
    void throttleTimeIsHowLongTheClientMustPauseForItsRateToComeBackToTheQuota() {
        QuotaConfig config = QuotaConfig.DEFAULTS; // 11 windows of 1 s
        SampledRate rate = new SampledRate(config, 0);
        // 20,000 bytes at once: the rate is taken over at least 10 windows, 2,000 B/s.
        double measured = rate.record(20_000, 0);
        assertEquals(2_000, measured, 1e-9);
        assertEquals(0, rate.throttleTimeMs(measured, 2_000, 0), "at the quota: no throttle");
        // Against a 1,000 B/s quota: (2000 - 1000) / 1000 × 10 s = 10 s of silence brings it back.
        assertEquals(10_000, rate.throttleTimeMs(measured, 1_000, 0));
        // Samples older than the 11 windows are forgotten.
        assertEquals(0, rate.rate(11_000), 1e-9);
    }

    @Test
    void theControllerMutationBucketAllowsItsBurstThenRefusesStrictRequestsUntilRefilled() {
        TokenBucket bucket = new TokenBucket(QuotaConfig.DEFAULTS, 0);
        // 2 partitions/s: a burst of 2 × 11 × 1 s = 22 tokens; a strict request is admitted while the balance is not negative.
        assertEquals(true, bucket.take(30, 2, 0, true), "the balance was positive: admitted, now -8");
        assertEquals(4_000, bucket.throttleTimeMs(2, 0), "8 tokens at 2/s: 4 s");
        assertEquals(false, bucket.take(1, 2, 1_000, true), "still negative after 1 s: refused");
        assertEquals(true, bucket.take(1, 2, 1_000, false), "a permissive (old version) request is always taken");
        assertEquals(true, bucket.take(1, 2, 5_000, true), "refilled");
    }
}
