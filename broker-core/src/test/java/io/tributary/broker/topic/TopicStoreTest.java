package io.tributary.broker.topic;

import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Topic metadata survives a restart for every legal topic name, in directories old and new. */
class TopicStoreTest {
    @TempDir
    Path dataDir;

    private static String name(int length) {
        return ("len" + length + "-").concat("x".repeat(length)).substring(0, length);
    }

    private static List<TopicMetadata> sorted(List<TopicMetadata> topics) {
        return topics.stream().sorted(Comparator.comparing(TopicMetadata::name)).toList();
    }

    @Test
    void topicsWithNamesOfEveryLegalLengthAreStoredLoadedAndRemoved() throws IOException {
        TopicStore store = new TopicStore(dataDir.toFile());
        List<TopicMetadata> topics = sorted(List.of(
                new TopicMetadata(name(1), Uuid.randomUuid(), 1, Map.of()),
                new TopicMetadata(name(240), Uuid.randomUuid(), 2, Map.of("retention.ms", "1000")),
                new TopicMetadata(name(241), Uuid.randomUuid(), 3, Map.of()),
                new TopicMetadata(name(249), Uuid.randomUuid(), 4, Map.of("cleanup.policy", "compact")),
                // the same first 200 characters as the 249-character name
                new TopicMetadata(name(249).substring(0, 248) + "y", Uuid.randomUuid(), 5, Map.of())));
        for (TopicMetadata t : topics) store.save(t);

        assertEquals(topics, sorted(new TopicStore(dataDir.toFile()).loadAll()), "what a restart loads");

        TopicStore reopened = new TopicStore(dataDir.toFile());
        reopened.save(new TopicMetadata(name(249), topics.get(3).topicId(), 6, Map.of()));
        reopened.remove(name(241));
        List<TopicMetadata> loaded = sorted(new TopicStore(dataDir.toFile()).loadAll());
        assertEquals(4, loaded.size());
        assertTrue(loaded.stream().noneMatch(t -> t.name().equals(name(241))));
        assertTrue(loaded.stream().anyMatch(t -> t.name().equals(name(249)) && t.partitions() == 6),
                "a change replaces the topic's file, it does not add a second one");
    }

    @Test
    void directoryWrittenWithPlainFileNamesStillLoads() throws IOException {
        // the layout every earlier version wrote: <name>.properties
        Path topicsDir = dataDir.resolve("meta").resolve("topics");
        Files.createDirectories(topicsDir);
        Uuid id = Uuid.randomUuid();
        String name = name(240);
        Files.writeString(topicsDir.resolve(name + ".properties"), "#Tributary topic metadata\n"
                + "name=" + name + "\ntopic.id=" + id + "\npartitions=3\nconfig.retention.ms=5000\n",
                StandardCharsets.UTF_8);

        TopicStore store = new TopicStore(dataDir.toFile());
        assertEquals(List.of(new TopicMetadata(name, id, 3, Map.of("retention.ms", "5000"))), store.loadAll());

        store.save(new TopicMetadata(name, id, 4, Map.of()));
        store.remove("other");
        assertEquals(List.of(new TopicMetadata(name, id, 4, Map.of())), new TopicStore(dataDir.toFile()).loadAll());
        store.remove(name);
        assertTrue(new TopicStore(dataDir.toFile()).loadAll().isEmpty());
    }
}
