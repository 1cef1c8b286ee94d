package io.tributary.broker.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One of Kafka's command-line tools run as its own JVM on the test class path, as a user runs it:
 * {@code <mainClass> --bootstrap-server <bootstrap> <args>}. Stateless.
 */
final class KafkaToolProcess {
    /** How a run ended: its exit status and everything it printed. */
    record Run(int exit, String output) {
    }

    private KafkaToolProcess() {
    }

    /** Runs the tool; fails the test if it does not finish within {@code timeoutSeconds}. */
    static Run run(String name, String mainClass, String bootstrap, int timeoutSeconds, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path"),
                mainClass, "--bootstrap-server", bootstrap));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(timeoutSeconds, TimeUnit.SECONDS), name + " did not finish");
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** {@link #run} that fails the test on a non-zero exit, showing the arguments and the output; returns the output. */
    static String runOk(String name, String mainClass, String bootstrap, int timeoutSeconds, String... args)
            throws IOException, InterruptedException {
        Run run = run(name, mainClass, bootstrap, timeoutSeconds, args);
        assertEquals(0, run.exit(), name + " " + String.join(" ", args) + ":\n" + run.output());
        return run.output();
    }
}
