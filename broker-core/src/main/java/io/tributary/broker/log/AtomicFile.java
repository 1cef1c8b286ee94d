package io.tributary.broker.log;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Properties;

/**
 * Replaces a small file atomically: the new content is written to {@code <name>.tmp} beside it,
 * forced to disk, renamed over the file, and the directory is forced, so after a crash the file
 * holds either its old content or the new one, never a mix. A write that fails (a full disk)
 * removes the temporary file and leaves the old content in place. Stateless and thread-safe for
 * different files; callers serialize writes of the same file.
 */
public final class AtomicFile {
    private AtomicFile() {
    }

    /** Replaces {@code file} with {@code content}, creating its directory if needed. */
    public static void write(File file, byte[] content) throws IOException {
        File dir = file.getAbsoluteFile().getParentFile();
        Files.createDirectories(dir.toPath());
        File tmp = new File(dir, file.getName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp.toPath(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(content);
            while (bytes.hasRemaining()) ch.write(bytes);
            ch.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(tmp.toPath());
            throw e;
        }
        Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        PartitionLog.syncDirectory(dir);
    }

    /** Replaces {@code file} with {@code properties} in {@link Properties#store} form, under {@code comment}. */
    public static void write(File file, Properties properties, String comment) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Writer w = new OutputStreamWriter(bytes, StandardCharsets.UTF_8)) {
            properties.store(w, comment);
        }
        write(file, bytes.toByteArray());
    }
}
