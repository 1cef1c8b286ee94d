package io.tributary.broker.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AtomicFileTest {
    @TempDir
    Path dir;

    @Test
    void replacesTheContentCreatingTheDirectoryAndLeavesNoTemporaryFile() throws Exception {
        File file = dir.resolve("meta/state").toFile();
        AtomicFile.write(file, "first".getBytes(StandardCharsets.UTF_8));
        AtomicFile.write(file, "second".getBytes(StandardCharsets.UTF_8));
        assertEquals("second", Files.readString(file.toPath()));
        assertFalse(new File(file.getParentFile(), "state.tmp").exists());

        Properties p = new Properties();
        p.setProperty("a", "1");
        AtomicFile.write(file, p, "comment");
        Properties read = new Properties();
        try (var in = Files.newBufferedReader(file.toPath())) {
            read.load(in);
        }
        assertEquals(p, read);
    }

    @Test
    void aFailedWriteKeepsTheOldContent() throws Exception {
        File file = dir.resolve("state").toFile();
        AtomicFile.write(file, "old".getBytes(StandardCharsets.UTF_8));
        // The temporary file's name is taken by a directory: the write fails before the rename.
        Files.createDirectory(dir.resolve("state.tmp"));
        assertThrows(java.io.IOException.class, () -> AtomicFile.write(file, "new".getBytes(StandardCharsets.UTF_8)));
        assertEquals("old", Files.readString(file.toPath()));
    }
}
