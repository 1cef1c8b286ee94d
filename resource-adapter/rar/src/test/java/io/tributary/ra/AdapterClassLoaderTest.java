package io.tributary.ra;

import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.URLClassLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Kafka clients see the adapter's classes, and the container's thread gets its own class loader back. */
class AdapterClassLoaderTest {

    @Test
    void theActionRunsWithTheAdapterLoaderAndTheThreadsLoaderIsRestoredEvenWhenItFails() {
        Thread thread = Thread.currentThread();
        ClassLoader original = thread.getContextClassLoader();
        ClassLoader application = new URLClassLoader(new URL[0], null);
        thread.setContextClassLoader(application);
        try {
            ClassLoader during = AdapterClassLoader.call(thread::getContextClassLoader);
            assertSame(TributaryResourceAdapter.class.getClassLoader(), during);
            assertSame(application, thread.getContextClassLoader());

            IllegalStateException failure = assertThrows(IllegalStateException.class, () -> AdapterClassLoader.run(() -> {
                throw new IllegalStateException("bootstrap.servers unreachable");
            }));
            assertEquals("bootstrap.servers unreachable", failure.getMessage(), "the action's own exception");
            assertSame(application, thread.getContextClassLoader());
        } finally {
            thread.setContextClassLoader(original);
        }
    }
}
