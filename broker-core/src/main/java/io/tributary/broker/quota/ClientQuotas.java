package io.tributary.broker.quota;

import io.tributary.broker.network.RequestContext;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Enforces the client quotas of a {@link ClientQuotaStore} as Kafka's quota managers do, and is
 * the {@link ThrottlePolicy} of the broker:
 * <ul>
 * <li>{@code producer_byte_rate}: the bytes of every Produce request are recorded;</li>
 * <li>{@code consumer_byte_rate}: the bytes of every Fetch response are recorded; a Fetch is
 * capped at what the quota allows over its window; a throttled Fetch is answered with no data
 * (and its bytes are taken back), as Kafka answers it;</li>
 * <li>{@code request_percentage}: the handler thread time of every request, as a percentage of
 * one thread (capped throttle time: one window, as Kafka's request quota);</li>
 * <li>{@code controller_mutation_rate}: partitions created or deleted, in a token bucket; the
 * strict request versions are refused with {@code THROTTLING_QUOTA_EXCEEDED} once over.</li>
 * </ul>
 * Rates are measured per client as Kafka's default quota callback groups them (see
 * {@link ClientQuotaConfigs.Resolved}) over {@code quota.window.num} windows of {@code
 * quota.window.size.seconds}; the throttle time is Kafka's ({@link SampledRate#throttleTimeMs}).
 * When a response is throttled for more than one quota, the longest time wins.
 *
 * <p>Cost with no quota: one volatile read of the store's snapshot and an emptiness check per
 * request; nothing is measured. With quotas: one lookup in the snapshot's resolution cache and
 * one in the sensor map (both concurrent maps, no global lock), then the client's own sensor's
 * monitor for a few arithmetic operations.
 *
 * <p>Thread-safe: the sensors live in concurrent maps; each sensor guards itself.
 */
public final class ClientQuotas implements ThrottlePolicy {
    /** The sensors of one client group (Kafka's metric tags) for one quota type. */
    private record Tags(String user, String clientId) {
    }

    private final ClientQuotaStore store;
    private final QuotaConfig config;
    private final LongSupplier clockMs;
    private final Map<QuotaType, Map<Tags, Object>> sensors = new EnumMap<>(QuotaType.class);
    private final QuotaMetrics metrics;

    public ClientQuotas(ClientQuotaStore store, QuotaConfig config, LongSupplier clockMs, QuotaMetrics metrics) {
        this.store = store;
        this.config = config;
        this.clockMs = clockMs;
        this.metrics = metrics;
        for (QuotaType t : QuotaType.values()) sensors.put(t, new ConcurrentHashMap<>());
    }

    public ClientQuotaStore store() {
        return store;
    }

    @Override
    public int throttleTimeMs(RequestContext context, ApiMessage response) {
        return throttleTimeMs(context, null, response, new RequestCost(0, 0));
    }

    @Override
    public int throttleTimeMs(RequestContext ctx, ApiMessage request, ApiMessage response, RequestCost cost) {
        ClientQuotaConfigs quotas = store.current();
        if (quotas.isEmpty()) return 0;
        String user = user(ctx);
        String clientId = clientId(ctx);
        long now = clockMs.getAsLong();
        ApiKeys key = ctx.header().apiKey();
        int requestMs = key == ApiKeys.PRODUCE && request instanceof ProduceRequestData p && p.acks() == 0 ? 0
                : recordRate(quotas, QuotaType.REQUEST, user, clientId, cost.threadNanos() * 100.0 / 1e9, now,
                        config.windowMs());
        int ms = requestMs;
        if (key == ApiKeys.PRODUCE) {
            ms = Math.max(ms, recordRate(quotas, QuotaType.PRODUCE, user, clientId, cost.requestBytes(), now, Long.MAX_VALUE));
        } else if (key == ApiKeys.FETCH && response instanceof FetchResponseData fetch && !fromReplica(request)) {
            ClientQuotaConfigs.Resolved q = quotas.resolve(QuotaType.FETCH, user, clientId);
            if (q != null) {
                int size = fetch.size(new ObjectSerializationCache(), ctx.apiVersion());
                int fetchMs = recordRate(quotas, QuotaType.FETCH, user, clientId, size, now, Long.MAX_VALUE);
                ms = Math.max(ms, fetchMs);
                if (ms > 0) {
                    // Kafka answers a throttled fetch with no data and takes its bytes back.
                    ((SampledRate) sensor(QuotaType.FETCH, q, now)).record(-size, now);
                    fetch.responses().clear();
                }
            }
        } else if (key == ApiKeys.CREATE_TOPICS || key == ApiKeys.CREATE_PARTITIONS || key == ApiKeys.DELETE_TOPICS) {
            ClientQuotaConfigs.Resolved q = quotas.resolve(QuotaType.CONTROLLER_MUTATION, user, clientId);
            if (q != null) {
                int mutationMs = (int) Math.min(Integer.MAX_VALUE,
                        ((TokenBucket) sensor(QuotaType.CONTROLLER_MUTATION, q, now)).throttleTimeMs(q.limit(), now));
                if (mutationMs > 0 && metrics != null) metrics.throttled(QuotaType.CONTROLLER_MUTATION, q, mutationMs);
                ms = Math.max(ms, mutationMs);
            }
        }
        return ms;
    }

    @Override
    public int maxFetchBytes(RequestContext ctx) {
        ClientQuotaConfigs quotas = store.current();
        if (quotas.isEmpty()) return Integer.MAX_VALUE;
        ClientQuotaConfigs.Resolved q = quotas.resolve(QuotaType.FETCH, user(ctx), clientId(ctx));
        if (q == null) return Integer.MAX_VALUE;
        double bytes = q.limit() * (config.windowNum() - 1) * config.windowSizeSeconds();
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, bytes));
    }

    @Override
    public boolean recordMutations(RequestContext ctx, int partitions, boolean strict) {
        ClientQuotaConfigs quotas = store.current();
        if (quotas.isEmpty()) return true;
        ClientQuotaConfigs.Resolved q = quotas.resolve(QuotaType.CONTROLLER_MUTATION, user(ctx), clientId(ctx));
        if (q == null) return true;
        long now = clockMs.getAsLong();
        return ((TokenBucket) sensor(QuotaType.CONTROLLER_MUTATION, q, now)).take(partitions, q.limit(), now, strict);
    }

    /** The current throttle time of a controller mutation quota, for a refusal's message. */
    public int mutationThrottleTimeMs(RequestContext ctx) {
        ClientQuotaConfigs.Resolved q = store.current().resolve(QuotaType.CONTROLLER_MUTATION, user(ctx), clientId(ctx));
        if (q == null) return 0;
        long now = clockMs.getAsLong();
        return (int) ((TokenBucket) sensor(QuotaType.CONTROLLER_MUTATION, q, now)).throttleTimeMs(q.limit(), now);
    }

    /** Records {@code value} against the client's {@code type} quota, if any; the throttle time, at most {@code maxMs}. */
    private int recordRate(ClientQuotaConfigs quotas, QuotaType type, String user, String clientId, double value,
                           long now, long maxMs) {
        ClientQuotaConfigs.Resolved q = quotas.resolve(type, user, clientId);
        if (q == null) return 0;
        SampledRate rate = (SampledRate) sensor(type, q, now);
        double measured = rate.record(value, now);
        long ms = Math.min(maxMs, rate.throttleTimeMs(measured, q.limit(), now));
        int throttle = (int) Math.min(Integer.MAX_VALUE, ms);
        if (metrics != null) {
            metrics.recorded(type, q, rate, clockMs);
            if (throttle > 0) metrics.throttled(type, q, throttle);
        }
        return throttle;
    }

    private Object sensor(QuotaType type, ClientQuotaConfigs.Resolved q, long now) {
        return sensors.get(type).computeIfAbsent(new Tags(q.userTag(), q.clientIdTag()),
                t -> type == QuotaType.CONTROLLER_MUTATION ? new TokenBucket(config, now) : new SampledRate(config, now));
    }

    /** The measured rate of {@code type} for a client group (for tests and metrics); 0 when never recorded. */
    public double rate(QuotaType type, String userTag, String clientIdTag) {
        Object s = sensors.get(type).get(new Tags(userTag, clientIdTag));
        return s instanceof SampledRate r ? r.rate(clockMs.getAsLong()) : 0;
    }

    private static boolean fromReplica(ApiMessage request) {
        return request instanceof FetchRequestData f && (f.replicaId() >= 0 || f.replicaState().replicaId() >= 0);
    }

    private static String user(RequestContext ctx) {
        return ctx.principal() == null ? "" : ctx.principal().getName();
    }

    private static String clientId(RequestContext ctx) {
        String id = ctx.clientId();
        return id == null ? "" : id;
    }
}
