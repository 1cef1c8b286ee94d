package io.tributary.it.kafka;

import io.tributary.broker.testing.ApacheKafka;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

import java.nio.file.Path;

/**
 * Starts {@link ScenarioKafka} once for a test run, before any test class (so before Arquillian
 * starts the server whose adapter points at it), when the run sets the system property
 * {@code tributary.it.kafka.port}; stops that process when the run ends. Its data and console are
 * in {@code tributary.it.kafka.dir}. A run without the property is left alone. Registered through
 * {@code META-INF/services}; the launcher calls it from one thread.
 */
public final class ScenarioKafkaSession implements LauncherSessionListener {
    private ApacheKafka kafka;

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        String port = System.getProperty("tributary.it.kafka.port");
        if (port == null || port.isBlank()) return;
        Path dir = Path.of(System.getProperty("tributary.it.kafka.dir", "target/apache-kafka")).resolve("session");
        try {
            kafka = ScenarioKafka.start(dir, Integer.parseInt(port.trim()));
        } catch (Exception e) {
            throw new IllegalStateException("Apache Kafka for the run did not start; see " + dir.resolve("broker.log"), e);
        }
    }

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        if (kafka == null) return;
        try {
            kafka.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kafka = null;
    }
}
