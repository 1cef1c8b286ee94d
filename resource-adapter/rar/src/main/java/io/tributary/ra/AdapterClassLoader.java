package io.tributary.ra;

import java.util.function.Supplier;

/**
 * Runs code with the adapter's class loader as the thread's context class loader, and restores
 * the thread's previous one afterwards, whatever happens. kafka-clients loads classes by name
 * (serializers, partitioners, the classes named in client properties) through the context class
 * loader, which on a container's thread is the application's and cannot see the rar's classes;
 * so every Kafka client is created, and every delivery runs, inside {@link #run} or {@link #call}.
 * Stateless and thread-safe: it changes only the calling thread.
 */
public final class AdapterClassLoader {
    private AdapterClassLoader() {
    }

    /** What {@code action} returns, computed with the adapter's class loader as context class loader. */
    public static <T> T call(Supplier<T> action) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(AdapterClassLoader.class.getClassLoader());
        try {
            return action.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** Runs {@code action} with the adapter's class loader as context class loader. */
    public static void run(Runnable action) {
        call(() -> {
            action.run();
            return null;
        });
    }
}
