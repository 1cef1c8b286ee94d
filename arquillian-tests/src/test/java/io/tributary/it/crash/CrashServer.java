package io.tributary.it.crash;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * An application server run as a process of its own, with {@code tributary.rar} and a war, for
 * tests that kill it: started on the same working directory (the adapter's data, the H2 database)
 * and the same server directory (the transaction log) every time, its console in
 * {@code <workDir>/<run>.log}. Only the processes it started are ever signalled. Not thread-safe.
 */
public abstract class CrashServer implements AutoCloseable {
    protected final Path workDir;
    private ProcessHandle running;

    protected CrashServer(Path workDir) {
        this.workDir = workDir;
    }

    /** The Kafka bootstrap address of the embedded node. */
    public abstract String bootstrap();

    /** Base URL of the examples war, without a trailing slash. */
    public abstract String examplesUrl();

    /**
     * The server name the transaction manager writes into the Xids of its transactions, for a
     * branch made to look like one of its own; empty when the test cannot forge one.
     */
    public abstract Optional<String> jtsServerName();

    /** The command that starts the server with {@code war} deployed. */
    protected abstract List<String> command(Path war) throws IOException;

    /** Environment variables the command needs besides this process's. */
    protected Map<String, String> environment() {
        return Map.of();
    }

    /** What the server prints once it is ready. */
    protected abstract String readyLine();

    /** The server's Java process, once {@link #command} started (it may be a child of a launcher script). */
    protected abstract ProcessHandle javaProcess(Process launched) throws IOException, InterruptedException;

    public Path log(String run) {
        return workDir.resolve(run + ".log");
    }

    /** Starts the server with {@code war} and waits until it is ready (240 s at most). */
    public void start(Path war, String run) throws IOException, InterruptedException {
        File log = log(run).toFile();
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command(war))).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(log);
        pb.environment().putAll(environment());
        Process launched = pb.start();
        running = javaProcess(launched);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (System.nanoTime() < deadline) {
            String text = Files.exists(log.toPath()) ? Files.readString(log.toPath()) : "";
            if (text.contains(readyLine())) return;
            if (!running.isAlive()) throw new IllegalStateException(getClass().getSimpleName() + " exited; see " + log);
            Thread.sleep(500);
        }
        throw new IllegalStateException(getClass().getSimpleName() + " did not start within 240 s; see " + log);
    }

    /** SIGKILL, and waits until the process is gone. */
    public void kill() throws Exception {
        running.destroyForcibly();
        running.onExit().get(30, TimeUnit.SECONDS);
    }

    /** SIGTERM (the server's orderly shutdown); whether it ended within 60 s. */
    public boolean stop() throws Exception {
        running.destroy();
        return awaitExit(60);
    }

    /** Whether the server's process ended within {@code seconds}. */
    public boolean awaitExit(int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (running.isAlive() && System.nanoTime() < deadline) Thread.sleep(200);
        return !running.isAlive();
    }

    @Override
    public void close() throws Exception {
        if (running != null && running.isAlive()) kill();
    }
}
