package io.tributary.broker.metrics;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HistogramTest {
    private final AtomicLong now = new AtomicLong(5_000_000_000L);
    private final Histogram histogram = new Histogram(now::get);

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    void summaryStatisticsAreExactAndPercentilesWithinTheBucketError() {
        for (int i = 1000; i >= 1; i--) histogram.record(ms(i)); // 1 ms .. 1000 ms, in any order
        assertEquals(1000, histogram.count());
        assertEquals(1.0, histogram.min(), 1e-9);
        assertEquals(1000.0, histogram.max(), 1e-9);
        assertEquals(500.5, histogram.mean(), 1e-9);
        assertEquals(288.8194360957494, histogram.stdDev(), 1e-6); // sample standard deviation of 1..1000
        assertNear(500, histogram.percentile(0.5));
        assertNear(750, histogram.percentile(0.75));
        assertNear(950, histogram.percentile(0.95));
        assertNear(990, histogram.percentile(0.99));
        assertNear(999, histogram.percentile(0.999));
    }

    private static void assertNear(double expected, double actual) {
        assertTrue(Math.abs(actual - expected) <= expected / 16 + 1e-9,
                "expected " + expected + " within 1/16, got " + actual);
    }

    @Test
    void smallValuesAreExactToTheMicrosecond() {
        for (int i = 0; i < 10; i++) histogram.record(TimeUnit.MICROSECONDS.toNanos(7));
        assertEquals(0.007, histogram.percentile(0.5), 1e-9);
        assertEquals(0.007, histogram.percentile(0.999), 1e-9);
    }

    @Test
    void everyBucketBoundaryMapsToAnIncreasingBucket() {
        int last = -1;
        for (long micros = 0; micros < (1L << 36); micros = micros < 64 ? micros + 1 : micros + micros / 64) {
            int b = Histogram.bucket(micros);
            assertTrue(b >= last && b < Histogram.BUCKETS, "bucket of " + micros + " µs: " + b);
            double middle = Histogram.bucketMiddle(b);
            assertTrue(Math.abs(middle - micros) <= Math.max(0.5, micros / 16.0), micros + " µs in a bucket around " + middle);
            last = b;
        }
        assertEquals(Histogram.BUCKETS - 1, Histogram.bucket(Long.MAX_VALUE / 1000));
    }

    @Test
    void percentilesForgetValuesOlderThanTwoWindowsWhileTheCountKeepsThem() {
        histogram.record(ms(400));
        assertNear(400, histogram.percentile(0.5));
        now.addAndGet(TimeUnit.SECONDS.toNanos(Histogram.WINDOW_SECONDS));
        assertNear(400, histogram.percentile(0.5)); // a read (a scrape) closes the window of the 400 ms
        histogram.record(ms(10));
        histogram.record(ms(10));
        histogram.record(ms(10));
        assertNear(10, histogram.percentile(0.5)); // the window before still counts
        assertNear(400, histogram.percentile(0.99));
        now.addAndGet(TimeUnit.SECONDS.toNanos(Histogram.WINDOW_SECONDS));
        assertNear(10, histogram.percentile(0.99)); // the 400 ms window rotated out
        now.addAndGet(TimeUnit.SECONDS.toNanos(2 * Histogram.WINDOW_SECONDS));
        assertEquals(0.0, histogram.percentile(0.5));
        assertEquals(4, histogram.count());
        assertEquals(400.0, histogram.max(), 1e-9);
    }
}
