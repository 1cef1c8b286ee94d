package io.tributary.broker.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A small filesystem of a fixed size made for one test: a {@code tmpfs} mounted over a new
 * directory, so a broker's data directory can really run out of space. Needs root; without it
 * the test is skipped, or fails where {@code TRIBUTARY_REQUIRE_FAULT_TOOLS=true} (as in
 * {@code .ci/run}). {@link #close()} unmounts (lazily, so a file still open cannot keep it) and
 * removes the directory. Not thread-safe: one test owns it.
 */
public final class TmpfsMount implements AutoCloseable {
    private static final String REQUIRE_ENV = "TRIBUTARY_REQUIRE_FAULT_TOOLS";
    private final Path dir;
    private boolean mounted;

    private TmpfsMount(Path dir) {
        this.dir = dir;
    }

    /** Mounts a tmpfs of {@code megabytes} MiB over a new directory under {@code parent}. */
    public static TmpfsMount mount(Path parent, int megabytes) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(parent, "tmpfs");
        TmpfsMount mount = new TmpfsMount(dir);
        String failure = run(List.of("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m", "tmpfs", dir.toString()));
        if (failure != null) {
            Files.deleteIfExists(dir);
            String why = "cannot mount a tmpfs here (root is needed): " + failure;
            if (Boolean.parseBoolean(System.getenv(REQUIRE_ENV))) fail(why + "; " + REQUIRE_ENV + "=true requires it");
            assumeTrue(false, why + "; skipped (set " + REQUIRE_ENV + "=true to make this a failure)");
        }
        mount.mounted = true;
        return mount;
    }

    public Path dir() {
        return dir;
    }

    /** Bytes still free on the filesystem. */
    public long freeBytes() throws IOException {
        return Files.getFileStore(dir).getUsableSpace();
    }

    /**
     * Writes a file {@code name} of zeroes until at most {@code leaveFree} bytes remain free (or the
     * filesystem is full), and returns it.
     */
    public Path fill(String name, long leaveFree) throws IOException {
        Path filler = dir.resolve(name);
        byte[] chunk = new byte[64 * 1024];
        try (var out = Files.newOutputStream(filler)) {
            while (freeBytes() > leaveFree + chunk.length) out.write(chunk);
            out.flush();
        }
        return filler;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (!mounted) return;
        mounted = false;
        String failure = run(List.of("umount", "-l", dir.toString()));
        if (failure != null) throw new IOException("umount " + dir + " failed: " + failure);
        Files.deleteIfExists(dir);
    }

    /** Runs a command; null when it succeeded, else what went wrong. */
    private static String run(List<String> command) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return command.get(0) + " could not be started: " + e.getMessage();
        }
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return String.join(" ", command) + " did not finish in 30 s";
        }
        String output = new String(process.getInputStream().readAllBytes()).trim();
        return process.exitValue() == 0 ? null : "exit " + process.exitValue() + ": " + output;
    }
}
