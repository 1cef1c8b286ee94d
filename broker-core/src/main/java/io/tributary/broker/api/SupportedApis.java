package io.tributary.broker.api;

import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * The APIs and version ranges this broker serves, as advertised by ApiVersions. A range is the
 * codec's range of stable versions cut to the versions the broker implements (Produce from v3,
 * Fetch from v4; EndTxn and TxnOffsetCommit up to v4, transaction protocol version 1); versions
 * kafka-clients marks unstable are not advertised.
 * Immutable.
 */
public final class SupportedApis {
    public record Range(short min, short max) {
        boolean contains(short version) {
            return version >= min && version <= max;
        }
    }

    private final Map<ApiKeys, Range> ranges;

    public SupportedApis(Iterable<ApiKeys> keys) {
        Map<ApiKeys, Range> m = new EnumMap<>(ApiKeys.class);
        for (ApiKeys key : keys) {
            short min = key.oldestVersion();
            if (key == ApiKeys.PRODUCE) min = (short) Math.max(min, 3);
            if (key == ApiKeys.FETCH) min = (short) Math.max(min, 4);
            short max = key.latestVersion(false);
            // Transaction protocol version 1 only: EndTxn v5 and TxnOffsetCommit v5 mark version 2
            // (KIP-890), which this broker does not offer; clients then use the versions below.
            if (key == ApiKeys.END_TXN || key == ApiKeys.TXN_OFFSET_COMMIT) max = (short) Math.min(max, 4);
            m.put(key, new Range(min, max));
        }
        this.ranges = Collections.unmodifiableMap(m);
    }

    public boolean supports(ApiKeys key, short version) {
        Range r = ranges.get(key);
        return r != null && r.contains(version);
    }

    public boolean supports(ApiKeys key) {
        return ranges.containsKey(key);
    }

    public ApiVersionCollection asCollection() {
        ApiVersionCollection c = new ApiVersionCollection();
        ranges.forEach((key, r) -> c.add(new ApiVersion().setApiKey(key.id).setMinVersion(r.min()).setMaxVersion(r.max())));
        return c;
    }
}
