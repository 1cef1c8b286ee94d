package io.tributary.broker.txn;

import io.tributary.broker.cluster.BrokerRegistration;
import io.tributary.broker.network.BrokerClient;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The check a partition leader makes before the first transactional write of a producer's
 * transaction to a partition (KIP-890 part 1, Kafka's {@code transaction.partition.verification.enable}):
 * the transaction's coordinator must know the partition is part of the open transaction of that
 * producer and epoch. Without it, a write that arrives after its transaction ended (a late retry)
 * or that was never added to the transaction would open a transaction in the partition that no
 * marker ever closes, holding {@code read_committed} consumers back. A failed check answers the
 * coordinator's error ({@code INVALID_TXN_STATE}, {@code PRODUCER_FENCED}, {@code NOT_COORDINATOR},
 * ...) and nothing is written.
 *
 * <p>Asks this node's {@link TransactionCoordinator} directly when it coordinates the id, the
 * coordinator's node otherwise (AddPartitionsToTxn v4 with {@code verify_only}, over
 * {@link BrokerClient}, on {@code executor}). Thread-safe.
 */
public final class TransactionVerifier {
    private final TransactionCoordinator coordinator;
    private final TransactionCoordinatorLocator locator;
    private final Supplier<BrokerRegistration> self;
    private final BrokerClient client;
    private final Executor executor;

    public TransactionVerifier(TransactionCoordinator coordinator, TransactionCoordinatorLocator locator,
                               Supplier<BrokerRegistration> self, BrokerClient client, Executor executor) {
        this.coordinator = coordinator;
        this.locator = locator;
        this.self = self;
        this.client = client;
        this.executor = executor;
    }

    /** Completes with {@link Errors#NONE} when {@code tp} is in the producer's open transaction. */
    public CompletableFuture<Errors> verify(String transactionalId, long producerId, short producerEpoch, TopicPartition tp) {
        if (coordinator.coordinates(transactionalId)) {
            return CompletableFuture.completedFuture(coordinator.verifyPartition(transactionalId, producerId, producerEpoch, tp));
        }
        Optional<BrokerRegistration> node;
        try {
            node = locator.find(transactionalId, self.get());
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(Errors.COORDINATOR_NOT_AVAILABLE);
        }
        if (node.isEmpty()) return CompletableFuture.completedFuture(Errors.COORDINATOR_NOT_AVAILABLE);
        if (node.get().nodeId() == self.get().nodeId()) {
            return CompletableFuture.completedFuture(coordinator.verifyPartition(transactionalId, producerId, producerEpoch, tp));
        }
        return CompletableFuture.supplyAsync(() -> remote(node.get(), transactionalId, producerId, producerEpoch, tp), executor);
    }

    private Errors remote(BrokerRegistration node, String transactionalId, long producerId, short producerEpoch,
                          TopicPartition tp) {
        AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection topics =
                new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection();
        topics.add(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic().setName(tp.topic())
                .setPartitions(List.of(tp.partition())));
        AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection txns =
                new AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection();
        txns.add(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction().setTransactionalId(transactionalId)
                .setProducerId(producerId).setProducerEpoch(producerEpoch).setVerifyOnly(true).setTopics(topics));
        try {
            AddPartitionsToTxnResponse response = (AddPartitionsToTxnResponse) client.send(node.host(), node.port(),
                    AddPartitionsToTxnRequest.Builder.forBroker(txns).build((short) 4));
            Map<TopicPartition, Errors> errors = response.errors().get(transactionalId);
            if (errors == null) return Errors.COORDINATOR_NOT_AVAILABLE;
            return errors.getOrDefault(tp, Errors.INVALID_TXN_STATE);
        } catch (Exception e) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
    }
}
