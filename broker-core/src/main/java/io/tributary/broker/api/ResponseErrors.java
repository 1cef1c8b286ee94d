package io.tributary.broker.api;

import io.tributary.broker.metrics.RequestMetrics;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Counts the error codes a response carries into {@code ErrorsPerSec} ({@link RequestMetrics#markError}):
 * for Produce every partition's code, for Fetch the top-level code and every partition's (as
 * Kafka's {@code errorCounts()} of those responses), and for every other API its top-level
 * {@code error_code} when its response has one (Kafka also counts the per-resource codes of those
 * APIs; here an API without a top-level code is not counted).
 *
 * <p>Thread-safe and stateless; the accessor of each response class's {@code errorCode()} is
 * looked up once per class. Produce and Fetch are counted in runs of equal codes, so a response
 * whose partitions all succeeded marks one meter once.
 */
final class ResponseErrors {
    private static final MethodType ERROR_CODE = MethodType.methodType(short.class, ApiMessage.class);
    private static final ClassValue<MethodHandle> TOP_LEVEL = new ClassValue<>() {
        @Override
        protected MethodHandle computeValue(Class<?> type) {
            try {
                return MethodHandles.publicLookup().findVirtual(type, "errorCode", MethodType.methodType(short.class))
                        .asType(ERROR_CODE);
            } catch (NoSuchMethodException | IllegalAccessException noTopLevelCode) {
                return null;
            }
        }
    };

    private ResponseErrors() {
    }

    static void count(ApiKeys key, ApiMessage response, RequestMetrics metrics) {
        if (response instanceof ProduceResponseData produce) {
            Run run = new Run(key, metrics);
            for (ProduceResponseData.TopicProduceResponse t : produce.responses()) {
                for (ProduceResponseData.PartitionProduceResponse p : t.partitionResponses()) run.add(p.errorCode());
            }
            run.flush();
        } else if (response instanceof FetchResponseData fetch) {
            Run run = new Run(key, metrics);
            run.add(fetch.errorCode());
            for (FetchResponseData.FetchableTopicResponse t : fetch.responses()) {
                for (FetchResponseData.PartitionData p : t.partitions()) run.add(p.errorCode());
            }
            run.flush();
        } else {
            MethodHandle errorCode = TOP_LEVEL.get(response.getClass());
            if (errorCode == null) return;
            try {
                metrics.markError(key, (short) errorCode.invokeExact(response), 1);
            } catch (Throwable e) {
                // an accessor of a generated message does not fail; if one did, the count is skipped
            }
        }
    }

    /** Consecutive equal codes, marked as one. */
    private static final class Run {
        private final ApiKeys key;
        private final RequestMetrics metrics;
        private short code;
        private int length;

        Run(ApiKeys key, RequestMetrics metrics) {
            this.key = key;
            this.metrics = metrics;
        }

        void add(short c) {
            if (length > 0 && c != code) flush();
            code = c;
            length++;
        }

        void flush() {
            if (length > 0) metrics.markError(key, code, length);
            length = 0;
        }
    }
}
