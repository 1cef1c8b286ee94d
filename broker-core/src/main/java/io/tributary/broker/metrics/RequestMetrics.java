package io.tributary.broker.metrics;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Kafka's {@code kafka.network:type=RequestMetrics} metrics, per API by its Kafka name
 * ({@code request=Produce}, {@code Fetch}, {@code Metadata}, ...):
 * <ul>
 *   <li>{@code RequestsPerSec,request=..,version=N}: a meter per API version;</li>
 *   <li>{@code TotalTimeMs}, {@code RequestQueueTimeMs}, {@code LocalTimeMs}, {@code RemoteTimeMs},
 *   {@code ResponseQueueTimeMs}, {@code ResponseSendTimeMs}: histograms (see
 *   {@link #record} for what each measures here);</li>
 *   <li>{@code ErrorsPerSec,request=..,error=<Errors name>}: a meter per error code answered,
 *   {@code NONE} included, fed by {@link #markError}.</li>
 * </ul>
 * Fetches are also counted as {@code request=FetchConsumer}, as Kafka does for fetches that do not
 * come from a follower (followers here fetch over the cluster link, never with Kafka's Fetch).
 * An API's metrics are registered with its first request.
 *
 * <p>Thread safety: recording takes no lock and allocates nothing once an API, version and error
 * have been seen (array reads, {@link Histogram#record}, {@link Meter#mark}); the first sighting
 * registers under the registry's lock.
 */
public final class RequestMetrics {
    public static final String DOMAIN = "kafka.network";
    public static final String TYPE = "RequestMetrics";
    private static final String CONSUMER_FETCH = ApiKeys.FETCH.name + "Consumer";
    private static final int MAX_VERSIONS = 128;
    /** Error codes run from -1 ({@code UNKNOWN_SERVER_ERROR}) up; index = code + 1. */
    private static final int MAX_ERROR_CODES = 512;

    /** The metrics of one request name. */
    private static final class Api {
        final String request;
        final Histogram requestQueueTime;
        final Histogram localTime;
        final Histogram remoteTime;
        final Histogram responseQueueTime;
        final Histogram responseSendTime;
        final Histogram totalTime;
        final AtomicReferenceArray<Meter> versions = new AtomicReferenceArray<>(MAX_VERSIONS);
        final AtomicReferenceArray<Meter> errors = new AtomicReferenceArray<>(MAX_ERROR_CODES);

        Api(MetricRegistry registry, String request) {
            this.request = request;
            this.requestQueueTime = registry.histogram(name("RequestQueueTimeMs", request));
            this.localTime = registry.histogram(name("LocalTimeMs", request));
            this.remoteTime = registry.histogram(name("RemoteTimeMs", request));
            this.responseQueueTime = registry.histogram(name("ResponseQueueTimeMs", request));
            this.responseSendTime = registry.histogram(name("ResponseSendTimeMs", request));
            this.totalTime = registry.histogram(name("TotalTimeMs", request));
        }
    }

    private final MetricRegistry registry;
    private final AtomicReferenceArray<Api> byKey;
    /** Created with the first fetch; two threads racing get the same metrics from the registry. */
    private volatile Api consumerFetch;

    public RequestMetrics(MetricRegistry registry) {
        this.registry = registry;
        int maxId = 0;
        for (ApiKeys k : ApiKeys.values()) maxId = Math.max(maxId, k.id);
        this.byKey = new AtomicReferenceArray<>(maxId + 1);
    }

    /** The name of metric {@code name} of {@code request} (a Kafka API name, or {@code FetchConsumer}). */
    public static MetricName name(String name, String request) {
        return MetricName.of(DOMAIN, TYPE, name).with("request", request);
    }

    private Api api(ApiKeys key) {
        Api a = byKey.get(key.id);
        if (a == null) {
            a = new Api(registry, key.name);
            if (!byKey.compareAndSet(key.id, null, a)) a = byKey.get(key.id);
        }
        return a;
    }

    /**
     * One request answered (or ended without an answer): its API key and version as the header
     * gave them, and how long, in nanoseconds, it spent waiting for an I/O thread
     * ({@code RequestQueueTimeMs}), being handled until the handler returned ({@code LocalTimeMs}),
     * waiting after that for what it depends on, replicas for {@code acks=all} or data for a
     * waiting fetch ({@code RemoteTimeMs}), waiting for the network thread to take the response
     * ({@code ResponseQueueTimeMs}), being written to the socket ({@code ResponseSendTimeMs}), and in
     * all ({@code TotalTimeMs}). An unknown API key is ignored.
     */
    public void record(short apiKey, short version, long queueNanos, long localNanos, long remoteNanos,
                       long responseQueueNanos, long sendNanos, long totalNanos) {
        if (!ApiKeys.hasId(apiKey)) return;
        ApiKeys key = ApiKeys.forId(apiKey);
        record(api(key), version, queueNanos, localNanos, remoteNanos, responseQueueNanos, sendNanos, totalNanos);
        if (key == ApiKeys.FETCH) {
            Api f = consumerFetch;
            if (f == null) consumerFetch = f = new Api(registry, CONSUMER_FETCH);
            record(f, version, queueNanos, localNanos, remoteNanos, responseQueueNanos, sendNanos, totalNanos);
        }
    }

    private void record(Api a, short version, long queueNanos, long localNanos, long remoteNanos,
                        long responseQueueNanos, long sendNanos, long totalNanos) {
        if (version >= 0 && version < MAX_VERSIONS) {
            Meter m = a.versions.get(version);
            if (m == null) {
                m = registry.meter(name("RequestsPerSec", a.request).with("version", Short.toString(version)), "requests");
                a.versions.set(version, m);
            }
            m.mark();
        }
        a.requestQueueTime.record(queueNanos);
        a.localTime.record(localNanos);
        a.remoteTime.record(remoteNanos);
        a.responseQueueTime.record(responseQueueNanos);
        a.responseSendTime.record(sendNanos);
        a.totalTime.record(totalNanos);
    }

    /** {@code count} answers of {@code key} carried error {@code errorCode} ({@code 0} is {@code NONE}). */
    public void markError(ApiKeys key, short errorCode, int count) {
        int index = errorCode + 1;
        if (index < 0 || index >= MAX_ERROR_CODES || count <= 0) return;
        Api a = api(key);
        Meter m = a.errors.get(index);
        if (m == null) {
            m = registry.meter(name("ErrorsPerSec", a.request).with("error", Errors.forCode(errorCode).name()), "requests");
            a.errors.set(index, m);
        }
        m.mark(count);
    }
}
