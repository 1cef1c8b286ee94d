package io.tributary.ra.inbound;

import io.tributary.ra.inbound.FailureClassifier.Phase;
import io.tributary.ra.inbound.FailureClassifier.Verdict;
import jakarta.resource.spi.UnavailableException;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTimeoutException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FailureClassifierTest {
    private final FailureClassifier none = new FailureClassifier(List.of(), List.of());

    /** An application's exception type, as a bean would define it. */
    static class PaymentGatewayDown extends RuntimeException {
        PaymentGatewayDown(String message) {
            super(message);
        }
    }

    static class CardGatewayDown extends PaymentGatewayDown {
        CardGatewayDown() {
            super("card gateway down");
        }
    }

    @Test
    void failuresBeforeTheBeanRanOrAfterItReturnedAreOutagesWhateverTheException() {
        assertEquals(Verdict.OUTAGE, none.classify(Phase.BEFORE_BEAN, new IllegalStateException("cannot begin")));
        assertEquals(Verdict.OUTAGE, none.classify(Phase.COMPLETION, new IllegalStateException("cannot commit")));
        FailureClassifier listed = new FailureClassifier(List.of(), List.of(IllegalStateException.class.getName()));
        assertEquals(Verdict.OUTAGE, listed.classify(Phase.COMPLETION, new IllegalStateException("cannot commit")),
                "nonRetryableExceptions are about the record, not the transaction around it");
    }

    @Test
    void aBeanFailureCausedByAnUnreachableOrTimedOutResourceIsAnOutage() {
        assertEquals(Verdict.OUTAGE, none.classify(Phase.BEAN,
                new RuntimeException("store failed", new SQLTimeoutException("lock timeout"))));
        assertEquals(Verdict.OUTAGE, none.classify(Phase.BEAN,
                new RuntimeException(new RuntimeException(new SQLNonTransientConnectionException("connection refused")))));
        assertEquals(Verdict.OUTAGE, none.classify(Phase.BEAN, new RuntimeException(new SQLRecoverableException("broken"))));
        assertEquals(Verdict.OUTAGE, none.classify(Phase.BEAN, new RuntimeException(new UnavailableException("pool empty"))),
                "a connector's ResourceException (a subclass here)");
        assertEquals(Verdict.OUTAGE, none.classify(Phase.BEAN,
                new RuntimeException(new javax.transaction.xa.XAException("resource manager failed"))));
    }

    @Test
    void aBeanFailureOfItsOwnOrARollbackWithoutExceptionCountsAgainstTheRecord() {
        assertEquals(Verdict.RECORD, none.classify(Phase.BEAN, new IllegalArgumentException("bad order")));
        assertEquals(Verdict.RECORD, none.classify(Phase.BEAN,
                new RuntimeException(new SQLIntegrityConstraintViolationException("duplicate key"))));
        assertEquals(Verdict.RECORD, none.classify(Phase.BEAN, new RuntimeException(new SQLException("syntax"))));
        assertEquals(Verdict.RECORD, none.classify(Phase.BEAN, null), "setRollbackOnly");
        assertEquals(Verdict.RECORD, none.classify(Phase.CONVERSION, new IllegalArgumentException("not JSON")));
    }

    @Test
    void theApplicationsListsMatchTheCauseChainAndSubclassesAndNonRetryableComesFirst() {
        FailureClassifier c = new FailureClassifier(List.of(PaymentGatewayDown.class.getName()),
                List.of(IllegalArgumentException.class.getName()));
        assertEquals(Verdict.OUTAGE, c.classify(Phase.BEAN, new RuntimeException("wrapped", new CardGatewayDown())));
        assertEquals(Verdict.POISON, c.classify(Phase.BEAN, new IllegalStateException("bad", new NumberFormatException("x"))));
        assertEquals(Verdict.POISON, c.classify(Phase.CONVERSION, new IllegalArgumentException("not JSON")));
        assertEquals(Verdict.POISON, c.classify(Phase.BEAN, new CardGatewayDown() {
            {
                initCause(new IllegalArgumentException("both listed"));
            }
        }), "a class in both lists' chains: nonRetryableExceptions wins");
        assertEquals(Verdict.POISON, c.classify(Phase.BEAN,
                new RuntimeException(new IllegalArgumentException("and a timeout", new SQLTimeoutException("t")))),
                "nonRetryableExceptions wins over the built-in outage exceptions too");
        assertEquals(Verdict.RECORD, c.classify(Phase.BEAN, new IllegalStateException("neither")));
    }

    @Test
    void aCauseChainThatLoopsEnds() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        assertEquals(Verdict.RECORD, none.classify(Phase.BEAN, a));
    }
}
