package io.tributary.ra.outbound;

import io.tributary.ra.AdapterClassLoader;
import io.tributary.ra.config.ClientSettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import java.time.Duration;
import java.util.HashMap;
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
 * lists the prepared ones still open (the transaction manager's recovery asks for them as Xids,
 * found through the branch log) and commits or aborts one as the transaction manager decided, with an EndTxn carrying the producer id and
 * epoch the coordinator has for it (DescribeTransactions) — the way the producer itself would have.
 * Works against the embedded node and an external Kafka cluster alike. Thread-safe.
 */
final class TransactionCompleter implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TransactionCompleter.class.getName());
    private static final long TIMEOUT_S = 30;

    private final ClientSettings settings;
    private final Admin admin;
    private final KafkaRequestClient client;

    TransactionCompleter(ClientSettings settings) {
        this.settings = settings;
        this.admin = AdapterClassLoader.call(() -> Admin.create(settings.clientConfig()));
        this.client = new KafkaRequestClient(settings, "tributary-xa-recovery", (int) TimeUnit.SECONDS.toMillis(TIMEOUT_S));
    }

    /** Creates the branch log topic (compacted, one partition) unless it exists. */
    void ensureBranchLog(String topic) throws Exception {
        if (admin.listTopics().names().get(TIMEOUT_S, TimeUnit.SECONDS).contains(topic)) return;
        int brokers = admin.describeCluster().nodes().get(TIMEOUT_S, TimeUnit.SECONDS).size();
        try {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) Math.min(3, Math.max(1, brokers)))
                    .configs(Map.of("cleanup.policy", "compact")))).all().get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) throw e;
        }
    }

    /**
     * The prepared branches whose Kafka transaction is still open, with their transactional ids:
     * the open transactions of ids under {@code serverScope} (this server's, of earlier runs: ids
     * under {@code liveScope}, the running server's, are left alone) that wrote their branch
     * record to {@code branchLog} (the Xid is the latest record of that id there). An open
     * transaction that did not (its branch never reached prepare before the crash) is aborted now:
     * nothing was promised for it, and it would hold back {@code read_committed} consumers.
     */
    Map<Xid, String> open(String serverScope, String liveScope, String branchLog) throws XAException {
        try {
            List<String> ids = new ArrayList<>();
            for (TransactionListing l : admin.listTransactions(new ListTransactionsOptions()
                    .filterStates(List.of(TransactionState.ONGOING))).all().get(TIMEOUT_S, TimeUnit.SECONDS)) {
                String id = l.transactionalId();
                if (id.startsWith(serverScope) && !id.startsWith(liveScope)) ids.add(id);
            }
            Map<Xid, String> prepared = new HashMap<>();
            if (ids.isEmpty()) return prepared;
            TopicPartition log = new TopicPartition(branchLog, 0);
            Map<String, TransactionDescription> described = admin.describeTransactions(ids).all()
                    .get(TIMEOUT_S, TimeUnit.SECONDS);
            List<String> withRecord = new ArrayList<>();
            for (String id : ids) {
                TransactionDescription d = described.get(id);
                if (d != null && d.topicPartitions().contains(log)) {
                    withRecord.add(id);
                } else {
                    complete(id, false);
                    LOG.log(System.Logger.Level.INFO, "Aborted Kafka transaction " + id + ", left open by an earlier run "
                            + "of this server before its JTA branch was prepared");
                }
            }
            if (withRecord.isEmpty()) return prepared;
            Map<String, String> latest = latestRecords(log);
            for (String id : withRecord) {
                String text = latest.get(id);
                if (text != null) XidNames.decode(text).ifPresent(x -> prepared.put(XidNames.key(x), id));
            }
            return prepared;
        } catch (XAException e) {
            throw e;
        } catch (Exception e) {
            throw xaError(XAException.XAER_RMFAIL, "Cannot list the open Kafka transactions", e);
        }
    }

    /** Key to latest value of {@code tp}, read to its end with {@code read_uncommitted}. */
    private Map<String, String> latestRecords(TopicPartition tp) {
        Map<String, String> latest = new HashMap<>();
        Map<String, Object> props = settings.clientConfig();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<String, String> consumer = AdapterClassLoader.call(() -> new KafkaConsumer<>(props,
                new StringDeserializer(), new StringDeserializer()))) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
            while (consumer.position(tp) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && r.value() != null) latest.put(r.key(), r.value());
                }
            }
        }
        return latest;
    }

    /**
     * Commits ({@code commit}) or aborts the Kafka transaction of {@code transactionalId}. Done when
     * it already ended that way; a heuristic outcome when it ended the other way (for a commit: the
     * coordinator aborted it after {@code transaction.timeout.ms}); {@code XAER_NOTA} when Kafka
     * does not know the id.
     */
    void complete(String transactionalId, boolean commit) throws XAException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (true) {
            try {
                completeOnce(transactionalId, commit);
                return;
            } catch (RetriableEndTxn e) {
                // The coordinator is moving the transaction (another completion, a load, a move):
                // ask again, as Kafka's producer does; its state then says whether anything is left to do.
                if (System.nanoTime() > deadline) {
                    throw xaError(XAException.XAER_RMFAIL, "EndTxn for " + transactionalId + ": " + e.error, null);
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw xaError(XAException.XAER_RMFAIL, "Interrupted completing Kafka transaction " + transactionalId, ie);
                }
            }
        }
    }

    /** An EndTxn answer that says to try again. */
    private static final class RetriableEndTxn extends Exception {
        final Errors error;

        RetriableEndTxn(Errors error) {
            super(error.name(), null, false, false);
            this.error = error;
        }
    }

    private void completeOnce(String transactionalId, boolean commit) throws XAException, RetriableEndTxn {
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

    private void endTxn(String transactionalId, TransactionDescription d, boolean commit) throws XAException, RetriableEndTxn {
        try {
            Optional<Node> coordinator = admin.describeCluster().nodes().get(TIMEOUT_S, TimeUnit.SECONDS).stream()
                    .filter(n -> n.id() == d.coordinatorId()).findFirst();
            if (coordinator.isEmpty()) {
                throw xaError(XAException.XAER_RMFAIL, "The coordinator of " + transactionalId + " is not reachable", null);
            }
            EndTxnRequestData data = new EndTxnRequestData().setTransactionalId(transactionalId)
                    .setProducerId(d.producerId()).setProducerEpoch((short) d.producerEpoch()).setCommitted(commit);
            EndTxnResponse response = (EndTxnResponse) client.send(coordinator.get(), new EndTxnRequest.Builder(data, false));
            if (response.error() == Errors.CONCURRENT_TRANSACTIONS || response.error() == Errors.COORDINATOR_LOAD_IN_PROGRESS
                    || response.error() == Errors.NOT_COORDINATOR || response.error() == Errors.COORDINATOR_NOT_AVAILABLE) {
                throw new RetriableEndTxn(response.error());
            }
            if (response.error() != Errors.NONE) {
                throw xaError(XAException.XAER_RMFAIL, "EndTxn for " + transactionalId + ": " + response.error(), null);
            }
        } catch (XAException | RetriableEndTxn e) {
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
