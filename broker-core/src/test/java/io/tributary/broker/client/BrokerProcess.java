package io.tributary.broker.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A broker ({@code io.tributary.broker.cli.BrokerMain}) running in its own JVM, so a test can kill
 * it the way an operating system would: {@link #kill()} sends SIGKILL, {@link #stop()} SIGTERM.
 *
 * <p>By default the broker listens on 127.0.0.1 only, on a port the kernel picks ({@code --listen
 * 127.0.0.1:0}); {@link #start(Path, String, Map)} takes another address (e.g. a node's own loopback
 * address, 127.0.0.11). The address actually bound is read back from the broker's "listening on"
 * line, so with port 0 there is no window in which another process can take a port chosen in
 * advance. The child's stdout and stderr go to a file under {@code target/broker-processes/}
 * ({@link #logFile()}).
 *
 * <p>{@link #close()} kills the child if it is still alive; use it in test cleanup
 * (try-with-resources or {@code @AfterEach}). Only the process started here is ever signalled.
 */
public final class BrokerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("Tributary broker listening on (\\S+)");
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(60);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final Process process;
    private final Path logFile;
    private final Thread pump;
    private final Deque<String> tail;
    private final String bootstrapServers;

    private BrokerProcess(Process process, Path logFile, Thread pump, Deque<String> tail, String bootstrapServers) {
        this.process = process;
        this.logFile = logFile;
        this.pump = pump;
        this.tail = tail;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Starts a broker over {@code dataDir} with the given broker properties (passed as
     * {@code --NAME=VALUE}) and waits until it accepts connections.
     */
    public static BrokerProcess start(Path dataDir, Map<String, String> props) throws IOException, InterruptedException {
        return start(dataDir, "127.0.0.1:0", props);
    }

    /**
     * As {@link #start(Path, Map)}, listening on {@code listen} ({@code HOST:PORT}, port 0 for one
     * the kernel picks); a {@code listeners} property in {@code props} still takes precedence.
     */
    public static BrokerProcess start(Path dataDir, String listen, Map<String, String> props)
            throws IOException, InterruptedException {
        return start(dataDir, listen, props, System.getProperty("java.class.path"));
    }

    /**
     * As {@link #start(Path, String, Map)}, with the child's class path given (e.g. a copy of this
     * JVM's, so that a rebuild of {@code target/classes} cannot take classes from a running broker).
     */
    public static BrokerProcess start(Path dataDir, String listen, Map<String, String> props, String classPath)
            throws IOException, InterruptedException {
        return start(dataDir, listen, props, classPath, List.of());
    }

    /** As {@link #start(Path, Map)}, with options for the child JVM (e.g. {@code -Dcom.sun.management.jmxremote.port=...}). */
    public static BrokerProcess startWithJvmOptions(Path dataDir, Map<String, String> props, List<String> jvmOptions)
            throws IOException, InterruptedException {
        return start(dataDir, "127.0.0.1:0", props, System.getProperty("java.class.path"), jvmOptions);
    }

    /** As {@link #start(Path, Map)}, with further command-line arguments for the broker (e.g. {@code --http HOST:PORT}). */
    public static BrokerProcess startWithArguments(Path dataDir, Map<String, String> props, List<String> arguments)
            throws IOException, InterruptedException {
        return start(dataDir, "127.0.0.1:0", props, System.getProperty("java.class.path"), List.of(), arguments);
    }

    private static BrokerProcess start(Path dataDir, String listen, Map<String, String> props, String classPath,
                                       List<String> jvmOptions) throws IOException, InterruptedException {
        return start(dataDir, listen, props, classPath, jvmOptions, List.of());
    }

    private static BrokerProcess start(Path dataDir, String listen, Map<String, String> props, String classPath,
                                       List<String> jvmOptions, List<String> arguments) throws IOException, InterruptedException {
        List<String> command = command(dataDir, listen, props, classPath, jvmOptions);
        command.addAll(arguments);
        Path logFile = newLogFile();
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<String> listening = new CompletableFuture<>();
        Deque<String> tail = new ArrayDeque<>();
        Thread pump = new Thread(() -> pump(process, logFile, command, tail, listening),
                "broker-process-" + process.pid() + "-output");
        pump.setDaemon(true);
        pump.start();
        try {
            String address = listening.get(STARTUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return new BrokerProcess(process, logFile, pump, tail, address);
        } catch (TimeoutException | ExecutionException e) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            pump.join(5_000);
            String why = e instanceof TimeoutException ? "did not report listening within " + STARTUP_TIMEOUT.toSeconds() + " s"
                    : e.getCause().getMessage();
            throw new IllegalStateException("Broker process " + process.pid() + " " + why + "; output in " + logFile
                    + ":\n" + lastLines(tail), e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /** How a broker process that stopped by itself ended: its exit code and everything it printed. */
    public record Exit(int code, String output) {
    }

    /**
     * Runs a broker that is expected to refuse to start (a bad configuration) until it exits, and
     * calls {@code whileAlive} over and over while it runs (to probe what it must not do, e.g.
     * answer on a port). Fails if it reports listening or does not exit in time.
     */
    public static Exit runExpectingExit(Path dataDir, Map<String, String> props, Runnable whileAlive)
            throws IOException, InterruptedException {
        List<String> command = command(dataDir, "127.0.0.1:0", props, System.getProperty("java.class.path"), List.of());
        Path logFile = newLogFile();
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
        long deadline = System.nanoTime() + EXIT_TIMEOUT.toNanos();
        try {
            while (process.isAlive()) {
                if (System.nanoTime() > deadline) throw new AssertionError("Broker process " + process.pid()
                        + " still running " + EXIT_TIMEOUT.toSeconds() + " s after start; output in " + logFile);
                whileAlive.run();
                process.waitFor(10, TimeUnit.MILLISECONDS);
            }
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        }
        String output = Files.readString(logFile, StandardCharsets.UTF_8);
        if (LISTENING.matcher(output).find()) throw new AssertionError("Broker process started listening:\n" + output);
        return new Exit(process.exitValue(), output);
    }

    private static List<String> command(Path dataDir, String listen, Map<String, String> props, String classPath,
                                        List<String> jvmOptions) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.add("-Xmx256m");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classPath);
        command.add("io.tributary.broker.cli.BrokerMain");
        command.add("--listen");
        command.add(listen);
        command.add("--data");
        command.add(dataDir.toAbsolutePath().toString());
        for (Map.Entry<String, String> e : props.entrySet()) command.add("--" + e.getKey() + "=" + e.getValue());
        return command;
    }

    private static Path newLogFile() throws IOException {
        Path logDir = Path.of("target", "broker-processes").toAbsolutePath();
        Files.createDirectories(logDir);
        return logDir.resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                + "-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet() + ".log");
    }

    private static void pump(Process process, Path logFile, List<String> command, Deque<String> tail,
                             CompletableFuture<String> listening) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             Writer out = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8)) {
            out.write("# pid " + process.pid() + ": " + String.join(" ", command) + "\n");
            out.flush();
            String line;
            while ((line = in.readLine()) != null) {
                out.write(line);
                out.write('\n');
                out.flush();
                synchronized (tail) {
                    tail.addLast(line);
                    if (tail.size() > 40) tail.removeFirst();
                }
                if (!listening.isDone()) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) listening.complete(m.group(1));
                }
            }
            int exit = process.waitFor();
            out.write("# exited with " + exit + "\n");
            listening.completeExceptionally(new IllegalStateException("exited with code " + exit
                    + " before listening"));
        } catch (IOException | InterruptedException e) {
            listening.completeExceptionally(e);
        }
    }

    private static String lastLines(Deque<String> tail) {
        synchronized (tail) {
            return String.join("\n", tail);
        }
    }

    /** {@code host:port} of the broker, for a Kafka client's {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path logFile() {
        return logFile;
    }

    /** The last lines the process wrote, for failure messages. */
    public String outputTail() {
        return lastLines(tail);
    }

    /**
     * SIGKILL: the broker gets no chance to flush, close files or run shutdown hooks. Returns once
     * the process is gone, with its exit code (137 on Linux).
     */
    public int kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("Broker process " + process.pid() + " still alive "
                    + EXIT_TIMEOUT.toSeconds() + " s after SIGKILL");
        }
        pump.join(5_000);
        return process.exitValue();
    }

    /**
     * SIGTERM: the broker's shutdown hook closes it cleanly. Returns the exit code once the process
     * has exited; fails (and kills it) if it does not exit in time.
     */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError("Broker process " + process.pid() + " did not exit within "
                    + EXIT_TIMEOUT.toSeconds() + " s of SIGTERM; output in " + logFile);
        }
        pump.join(5_000);
        return process.exitValue();
    }

    /** Kills the process if it is still running. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        pump.join(5_000);
    }

    @Override
    public String toString() {
        return "BrokerProcess(pid " + process.pid() + ", " + bootstrapServers + ", log " + logFile + ")";
    }
}
