package io.tributary.broker.metrics;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MeterTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final Meter meter = new Meter("messages", now::get);

    private void advanceSeconds(long seconds) {
        now.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
    }

    private static double alpha(int minutes) {
        return 1 - Math.exp(-5.0 / 60 / minutes);
    }

    @Test
    void theFirstTickSetsEveryAverageToTheRateOfItsFiveSeconds() {
        meter.mark(200);
        meter.mark(100);
        assertEquals(0.0, meter.oneMinuteRate(), "no tick yet");
        advanceSeconds(5);
        assertEquals(60.0, meter.oneMinuteRate(), 1e-9);
        assertEquals(60.0, meter.fiveMinuteRate(), 1e-9);
        assertEquals(60.0, meter.fifteenMinuteRate(), 1e-9);
        assertEquals(300, meter.count());
        assertEquals(60.0, meter.meanRate(), 1e-9);
    }

    @Test
    void laterTicksMoveEachAverageByItsAlphaTowardsTheNewRate() {
        meter.mark(300);
        advanceSeconds(5);
        meter.mark(50); // counted in the second tick: 10 per second
        advanceSeconds(5);
        assertEquals(60 + alpha(1) * (10 - 60), meter.oneMinuteRate(), 1e-9);
        assertEquals(60 + alpha(5) * (10 - 60), meter.fiveMinuteRate(), 1e-9);
        assertEquals(60 + alpha(15) * (10 - 60), meter.fifteenMinuteRate(), 1e-9);
        assertEquals(350, meter.count());
        assertEquals(35.0, meter.meanRate(), 1e-9);
    }

    @Test
    void aLongPauseDecaysAsIfEveryMissedTickSawNothing() {
        meter.mark(300);
        advanceSeconds(5);
        double m1 = meter.oneMinuteRate();
        double m15 = meter.fifteenMinuteRate();
        advanceSeconds(600); // 120 ticks with no events
        assertEquals(m1 * Math.pow(1 - alpha(1), 120), meter.oneMinuteRate(), 1e-12);
        assertEquals(m15 * Math.pow(1 - alpha(15), 120), meter.fifteenMinuteRate(), 1e-9);
        assertEquals(300, meter.count(), "the count never decays");
    }

    @Test
    void attributesAreYammersNamesAndTypes() {
        meter.mark(7);
        assertEquals(7L, meter.attribute("Count"));
        assertEquals("messages", meter.attribute("EventType"));
        assertEquals(TimeUnit.SECONDS, meter.attribute("RateUnit"));
        assertEquals(java.util.List.of("Count", "EventType", "RateUnit", "MeanRate", "OneMinuteRate", "FiveMinuteRate",
                "FifteenMinuteRate"), java.util.List.copyOf(meter.attributes().keySet()));
    }
}
