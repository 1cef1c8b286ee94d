package io.tributary.ra.inbound;

import java.util.List;
import java.util.Set;

/**
 * Tells an outage from a record that cannot be processed. The rules, first match wins:
 * <ol>
 *   <li>the delivery failed before the bean was given the record (no endpoint, {@code beforeDelivery}
 *       — the transaction could not begin — or the offset row could not be written), or after the bean
 *       returned normally ({@code afterDelivery} — the transaction could not commit — or the offset store
 *       failed): {@link Verdict#OUTAGE};</li>
 *   <li>the failure's cause chain holds a class named in {@code nonRetryableExceptions}, or a subclass:
 *       {@link Verdict#POISON};</li>
 *   <li>it holds a class named in {@code retryableExceptions}, or a subclass: {@link Verdict#OUTAGE};</li>
 *   <li>it holds one of {@link #INFRASTRUCTURE} or a subclass (a database that cannot be reached or
 *       timed out, a connector or transaction failure): {@link Verdict#OUTAGE};</li>
 *   <li>otherwise — an application exception, a rollback ({@code setRollbackOnly}) with no exception, a
 *       record that could not be converted: {@link Verdict#RECORD}.</li>
 * </ol>
 * Classes are matched by name along each exception's superclasses, so the adapter need not see the
 * application's classes. Immutable and thread-safe.
 */
final class FailureClassifier {
    /** How a failed delivery is handled. */
    enum Verdict {
        /** Infrastructure: pause the partition and retry with the outage backoff, forever, spending no redelivery. */
        OUTAGE,
        /** The record's own failure: counts against {@code maxRedeliveries}, then the record is dead-lettered. */
        RECORD,
        /** Dead-letter at once, at the first failure. */
        POISON
    }

    /** Where in a delivery the failure happened. */
    enum Phase {
        /** Before the bean got the record: creating the endpoint, beginning the transaction, writing the offset row. */
        BEFORE_BEAN,
        /** Converting the Kafka record for the bean. */
        CONVERSION,
        /** In the bean (it threw, or marked its transaction rollback-only). */
        BEAN,
        /** After the bean returned normally: completing the transaction, storing the offset. */
        COMPLETION
    }

    /** Exceptions that always mean an outage (with their subclasses). */
    static final Set<String> INFRASTRUCTURE = Set.of(
            "java.sql.SQLTransientException",
            "java.sql.SQLRecoverableException",
            "java.sql.SQLNonTransientConnectionException",
            "jakarta.resource.ResourceException",
            "javax.transaction.xa.XAException",
            "jakarta.transaction.RollbackException",
            "jakarta.transaction.SystemException",
            "jakarta.transaction.HeuristicMixedException",
            "jakarta.transaction.HeuristicRollbackException");

    private static final int MAX_CAUSES = 32;

    private final Set<String> retryable;
    private final Set<String> nonRetryable;

    FailureClassifier(List<String> retryable, List<String> nonRetryable) {
        this.retryable = Set.copyOf(retryable);
        this.nonRetryable = Set.copyOf(nonRetryable);
    }

    Verdict classify(Phase phase, Throwable error) {
        if (phase == Phase.BEFORE_BEAN || phase == Phase.COMPLETION) return Verdict.OUTAGE;
        if (error == null) return Verdict.RECORD;
        if (causeChainHolds(error, nonRetryable)) return Verdict.POISON;
        if (causeChainHolds(error, retryable) || causeChainHolds(error, INFRASTRUCTURE)) return Verdict.OUTAGE;
        return Verdict.RECORD;
    }

    /** Whether {@code error} or one of its causes is of a class named in {@code names} or a subclass of one. */
    static boolean causeChainHolds(Throwable error, Set<String> names) {
        if (names.isEmpty()) return false;
        Throwable t = error;
        for (int i = 0; t != null && i < MAX_CAUSES; i++, t = t.getCause() == t ? null : t.getCause()) {
            for (Class<?> c = t.getClass(); c != null; c = c.getSuperclass()) {
                if (names.contains(c.getName())) return true;
            }
        }
        return false;
    }
}
