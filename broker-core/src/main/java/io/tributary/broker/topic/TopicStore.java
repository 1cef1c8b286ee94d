package io.tributary.broker.topic;

import org.apache.kafka.common.Uuid;

import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Durable topic metadata: one properties file per topic in {@code <data>/meta/topics/}, holding
 * its id, partition count and config overrides. Each file is written to a temporary name,
 * fsynced and renamed, so a crash leaves the old or the new version. Writing the file is the
 * commit point of a create or alter; removing it is the commit point of a delete.
 *
 * <p>Not thread-safe: used under the {@link TopicManager}'s lock.
 */
public final class TopicStore {
    private final File dir;

    public TopicStore(File dataDir) throws IOException {
        this.dir = new File(new File(dataDir, "meta"), "topics");
        Files.createDirectories(dir.toPath());
    }

    public List<TopicMetadata> loadAll() throws IOException {
        List<TopicMetadata> topics = new ArrayList<>();
        File[] files = dir.listFiles((d, n) -> n.endsWith(".properties"));
        if (files == null) return topics;
        for (File f : files) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(f.toPath(), StandardCharsets.UTF_8)) {
                p.load(r);
            }
            Map<String, String> configs = new TreeMap<>();
            for (String key : p.stringPropertyNames()) {
                if (key.startsWith("config.")) configs.put(key.substring(7), p.getProperty(key));
            }
            topics.add(new TopicMetadata(p.getProperty("name"), Uuid.fromString(p.getProperty("topic.id")),
                    Integer.parseInt(p.getProperty("partitions")), configs));
        }
        return topics;
    }

    public void save(TopicMetadata topic) throws IOException {
        Properties p = new Properties();
        p.setProperty("name", topic.name());
        p.setProperty("topic.id", topic.topicId().toString());
        p.setProperty("partitions", Integer.toString(topic.partitions()));
        topic.configs().forEach((k, v) -> p.setProperty("config." + k, v));
        File tmp = new File(dir, topic.name() + ".properties.tmp");
        try (Writer w = Files.newBufferedWriter(tmp.toPath(), StandardCharsets.UTF_8)) {
            p.store(w, "Tributary topic metadata");
        }
        try (FileChannel ch = FileChannel.open(tmp.toPath(), StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp.toPath(), new File(dir, topic.name() + ".properties").toPath(), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        syncDir();
    }

    public void remove(String name) throws IOException {
        Files.deleteIfExists(new File(dir, name + ".properties").toPath());
        syncDir();
    }

    private void syncDir() {
        try (FileChannel ch = FileChannel.open(dir.toPath(), StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // Not every file system lets a directory be fsynced; the rename is still atomic.
        }
    }
}
