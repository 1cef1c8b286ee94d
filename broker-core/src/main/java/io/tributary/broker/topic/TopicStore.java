package io.tributary.broker.topic;

import io.tributary.broker.log.AtomicFile;
import org.apache.kafka.common.Uuid;

import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Durable topic metadata: one properties file per topic in {@code <data>/meta/topics/}, holding
 * its name, id, partition count and config overrides. Each file is written to a temporary name,
 * fsynced and renamed, so a crash leaves the old or the new version. Writing the file is the
 * commit point of a create or alter; removing it is the commit point of a delete.
 *
 * <p>The file is {@code <name>.properties} for names of up to {@value #MAX_PLAIN_NAME} characters.
 * A longer name (Kafka allows 249) would not fit, with its suffixes, in the 255 bytes most file
 * systems allow a file name, so its file is named after the first {@value #KEPT_PREFIX}
 * characters, a {@code '+'} and 16 hex digits of the name's SHA-256; {@code '+'} cannot occur in
 * a topic name, so the two forms never collide. Loading reads the name from the file, so both
 * forms (and directories written before the second existed) load alike.
 *
 * <p>Not thread-safe: used under the {@link TopicManager}'s lock.
 */
public final class TopicStore {
    /** Longest name stored as {@code <name>.properties}: with {@code .properties.tmp} it is 255 characters. */
    static final int MAX_PLAIN_NAME = 255 - ".properties.tmp".length();
    static final int KEPT_PREFIX = 200;

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
        AtomicFile.write(new File(dir, fileName(topic.name())), p, "Tributary topic metadata");
    }

    public void remove(String name) throws IOException {
        Files.deleteIfExists(new File(dir, fileName(name)).toPath());
        syncDir();
    }

    /** The name of the file that holds topic {@code name} (see the class comment). */
    static String fileName(String name) {
        if (name.length() <= MAX_PLAIN_NAME) return name + ".properties";
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java runtime provides SHA-256", e);
        }
        return name.substring(0, KEPT_PREFIX) + "+" + HexFormat.of().formatHex(digest, 0, 8) + ".properties";
    }

    private void syncDir() {
        try (FileChannel ch = FileChannel.open(dir.toPath(), StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // Not every file system lets a directory be fsynced; the rename is still atomic.
        }
    }
}
