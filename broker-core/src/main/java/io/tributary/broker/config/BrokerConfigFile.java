package io.tributary.broker.config;

import io.tributary.broker.log.AtomicFile;
import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * The dynamic broker configs of a node running alone, kept in {@code <log.dirs>/meta/broker-configs}
 * so they survive a restart (in a cluster they live in the replicated metadata instead). A
 * properties file: {@code default.<name>} for the cluster-wide default, {@code broker.<id>.<name>}
 * for a node's own. A change rewrites the whole file: written to a temporary file, forced to disk,
 * then renamed over the old one, so a crash leaves the old or the new file, never a torn one.
 * Changes are serialized by this object's monitor, held across the file write on purpose (changes
 * are rare admin requests; readers use the store's snapshot and never wait for it).
 */
public final class BrokerConfigFile implements BrokerConfigChanges {
    private static final String DEFAULT_PREFIX = "default.";
    private static final String BROKER_PREFIX = "broker.";

    private final File file;
    private final DynamicBrokerConfigStore store;

    /** Reads {@code <dataDir>/meta/broker-configs} (if any) into {@code store}. */
    public BrokerConfigFile(File dataDir, DynamicBrokerConfigStore store) throws IOException {
        this.file = new File(new File(dataDir, "meta"), "broker-configs");
        this.store = store;
        store.replaceAll(read());
    }

    @Override
    public synchronized void alter(String resource, Map<String, String> set, Set<String> removed) {
        Map<String, Map<String, String>> next = DynamicBrokerConfigStore.applied(store.all(), resource, set, removed);
        try {
            write(next);
        } catch (IOException e) {
            throw new UncheckedIOException("Writing the dynamic broker configs to " + file + " failed", e);
        }
        store.replaceAll(next);
    }

    private Map<String, Map<String, String>> read() throws IOException {
        Map<String, Map<String, String>> out = new TreeMap<>();
        if (!file.exists()) return out;
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file.toPath(), StandardCharsets.UTF_8)) {
            p.load(r);
        }
        for (String key : p.stringPropertyNames()) {
            String resource;
            String name;
            if (key.startsWith(DEFAULT_PREFIX)) {
                resource = DynamicBrokerConfigs.DEFAULT_RESOURCE;
                name = key.substring(DEFAULT_PREFIX.length());
            } else if (key.startsWith(BROKER_PREFIX) && key.indexOf('.', BROKER_PREFIX.length()) > 0) {
                int dot = key.indexOf('.', BROKER_PREFIX.length());
                resource = key.substring(BROKER_PREFIX.length(), dot);
                name = key.substring(dot + 1);
            } else {
                throw new IOException("Unreadable entry " + key + " in " + file
                        + ": expected default.<name> or broker.<id>.<name>");
            }
            out.computeIfAbsent(resource, r -> new TreeMap<>()).put(name, p.getProperty(key));
        }
        return out;
    }

    private void write(Map<String, Map<String, String>> configs) throws IOException {
        Properties p = new Properties();
        configs.forEach((resource, c) -> c.forEach((name, value) -> p.setProperty(
                (resource.isEmpty() ? DEFAULT_PREFIX : BROKER_PREFIX + resource + ".") + name, value)));
        AtomicFile.write(file, p, "Tributary dynamic broker configs (kafka-configs --entity-type brokers)");
    }
}
