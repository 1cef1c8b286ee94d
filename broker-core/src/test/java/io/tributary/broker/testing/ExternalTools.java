package io.tributary.broker.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Tests of programs the build cannot fetch (kcat, kafkajs, librdkafka, Chromium): skipped on a
 * machine without them, a failure where {@value #REQUIRE_ENV}{@code =true} (as {@code .ci/run} sets
 * after installing them).
 */
public final class ExternalTools {
    public static final String REQUIRE_ENV = "TRIBUTARY_REQUIRE_EXTERNAL_CLIENTS";

    private ExternalTools() {
    }

    /** Skips the calling test when {@code available} is false, or fails it when {@value #REQUIRE_ENV} is true. */
    public static void requireOrSkip(boolean available, String whatIsMissing) {
        if (available) return;
        if (Boolean.parseBoolean(System.getenv(REQUIRE_ENV))) {
            fail(whatIsMissing + "; " + REQUIRE_ENV + "=true requires the external client tests to run");
        }
        assumeTrue(false, whatIsMissing + "; skipped (set " + REQUIRE_ENV + "=true to make this a failure)");
    }
}
