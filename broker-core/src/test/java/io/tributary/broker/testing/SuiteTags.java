package io.tributary.broker.testing;

/**
 * The JUnit tags that take a test class out of broker-core's fast suite, put on the class with
 * {@code @Tag}. {@code broker-core/pom.xml} names the same three: its {@code default-test} Surefire
 * execution ({@code mvn test}) runs every class without them, its {@code tagged-suites} execution
 * (phase {@code integration-test}, so part of {@code mvn verify}) every class with one of them; see
 * the "Test suites" section of {@code docs/architecture.md}. A class that starts processes or a
 * cluster gets {@link #PROCESS}, and {@link #CRASH} as well when it kills or cuts off brokers.
 */
public final class SuiteTags {
    /** Starts other processes (broker or client JVMs, kcat, Node.js) or a cluster of brokers. */
    public static final String PROCESS = "process";
    /** Kills, halts or cuts off brokers and checks what survives. */
    public static final String CRASH = "crash";
    /** Pushes a workload through a broker that takes a minute or more by design. */
    public static final String LOAD = "load";

    private SuiteTags() {
    }
}
