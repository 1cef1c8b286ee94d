package io.tributary.ra.outbound;

import io.tributary.broker.network.BrokerClient;
import io.tributary.ra.AdapterClassLoader;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.EndTxnRequest;
import org.apache.kafka.common.requests.EndTxnResponse;

import javax.transaction.xa.XAException;
import javax.transaction.xa.Xid;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Completes, after a restart, the Kafka transactions of JTA branches whose producer is gone:
 * lists those still open (the transaction manager's recovery asks for them as Xids) and commits
 * or aborts one as the transaction manager decided, with an EndTxn carrying the producer id and
 * epoch the coordinator has for it (DescribeTransactions) — the way the producer itself would have.
 * Works against the embedded node and an external Kafka cluster alike. Thread-safe.
 */
final class TransactionCompleter implements AutoCloseable {
    private static final long TIMEOUT_S = 30;

    private final Admin admin;
    private final BrokerClient client;

    TransactionCompleter(String bootstrapServers) {
        this.admin = AdapterClassLoader.call(() -> Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers)));
        this.client = new BrokerClient("tributary-xa-recovery", (int) TimeUnit.SECONDS.toMillis(TIMEOUT_S));
    }

    /** The branches of {@code prefix} whose Kafka transaction is still open. */
    List<Xid> open(String prefix) throws XAException {
        try {
            List<Xid> out = new ArrayList<>();
            for (TransactionListing l : admin.listTransactions(new ListTransactionsOptions()
                    .filterStates(List.of(TransactionState.ONGOING))).all().get(TIMEOUT_S, TimeUnit.SECONDS)) {
                XidNames.xid(prefix, l.transactionalId()).ifPresent(out::add);
            }
            return out;
        } catch (Exception e) {
            throw xaError(XAException.XAER_RMFAIL, "Cannot list the open Kafka transactions", e);
        }
    }

    /**
     * Commits ({@code commit}) or aborts the Kafka transaction of {@code transactionalId}. Done when
     * it already ended that way; a heuristic outcome when it ended the other way (for a commit: the
     * coordinator aborted it after {@code transaction.timeout.ms}); {@code XAER_NOTA} when Kafka
     * does not know the id.
     */
    void complete(String transactionalId, boolean commit) throws XAException {
        TransactionDescription d;
        try {
            d = admin.describeTransactions(List.of(transactionalId)).description(transactionalId)
                    .get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TransactionalIdNotFoundException) {
                throw xaError(XAException.XAER_NOTA, "Kafka has no transaction " + transactionalId, e);
            }
            throw xaError(XAException.XAER_RMFAIL, "Cannot describe Kafka transaction " + transactionalId, e);
        } catch (Exception e) {
            throw xaError(XAException.XAER_RMFAIL, "Cannot describe Kafka transaction " + transactionalId, e);
        }
        switch (d.state()) {
            case ONGOING -> endTxn(transactionalId, d, commit);
            case PREPARE_COMMIT, COMPLETE_COMMIT -> {
                if (!commit) throw xaError(XAException.XA_HEURCOM, "Kafka transaction " + transactionalId + " is committed", null);
            }
            case PREPARE_ABORT, COMPLETE_ABORT, EMPTY -> {
                if (commit) throw xaError(XAException.XA_HEURRB, "Kafka transaction " + transactionalId
                        + " was aborted (state " + d.state() + "): it outlived its transaction.timeout.ms", null);
            }
            default -> throw xaError(XAException.XAER_RMERR, "Kafka transaction " + transactionalId + " is in state "
                    + d.state(), null);
        }
    }

    private void endTxn(String transactionalId, TransactionDescription d, boolean commit) throws XAException {
        try {
            Optional<Node> coordinator = admin.describeCluster().nodes().get(TIMEOUT_S, TimeUnit.SECONDS).stream()
                    .filter(n -> n.id() == d.coordinatorId()).findFirst();
            if (coordinator.isEmpty()) {
                throw xaError(XAException.XAER_RMFAIL, "The coordinator of " + transactionalId + " is not reachable", null);
            }
            EndTxnRequestData data = new EndTxnRequestData().setTransactionalId(transactionalId)
                    .setProducerId(d.producerId()).setProducerEpoch((short) d.producerEpoch()).setCommitted(commit);
            EndTxnResponse response = (EndTxnResponse) client.send(coordinator.get().host(), coordinator.get().port(),
                    new EndTxnRequest.Builder(data, false).build((short) 3));
            if (response.error() != Errors.NONE) {
                throw xaError(XAException.XAER_RMFAIL, "EndTxn for " + transactionalId + ": " + response.error(), null);
            }
        } catch (XAException e) {
            throw e;
        } catch (Exception e) {
            throw xaError(XAException.XAER_RMFAIL, "Cannot complete Kafka transaction " + transactionalId, e);
        }
    }

    private static XAException xaError(int code, String message, Throwable cause) {
        XAException e = new XAException(message + (cause == null ? "" : ": " + cause.getMessage()));
        e.errorCode = code;
        if (cause != null) e.initCause(cause);
        return e;
    }

    @Override
    public void close() {
        admin.close();
        client.close();
    }
}
