package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import io.tributary.broker.txn.TransactionCoordinator;
import io.tributary.broker.txn.TransactionMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeTransactions: state, producer, timeout, start time and partitions of each transactional
 * id this node coordinates; {@code NOT_COORDINATOR} for one it does not, and
 * {@code TRANSACTIONAL_ID_NOT_FOUND} for one it has never seen.
 */
public final class DescribeTransactionsHandler implements ApiHandler<DescribeTransactionsRequestData> {
    private final TransactionCoordinator coordinator;

    public DescribeTransactionsHandler(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, DescribeTransactionsRequestData request) {
        DescribeTransactionsResponseData response = new DescribeTransactionsResponseData();
        for (String id : request.transactionalIds()) {
            DescribeTransactionsResponseData.TransactionState ts = new DescribeTransactionsResponseData.TransactionState()
                    .setTransactionalId(id).setTransactionState("").setProducerId(-1).setProducerEpoch((short) -1)
                    .setTransactionStartTimeMs(-1);
            try {
                Optional<TransactionMetadata> m = coordinator.describe(id);
                if (m.isEmpty() || m.get().producerEpoch() == RecordBatch.NO_PRODUCER_EPOCH) {
                    ts.setErrorCode(Errors.TRANSACTIONAL_ID_NOT_FOUND.code());
                } else {
                    TransactionMetadata t = m.get();
                    ts.setTransactionState(t.state().kafkaName()).setTransactionTimeoutMs(t.timeoutMs())
                            .setTransactionStartTimeMs(t.startTimestampMs()).setProducerId(t.producerId())
                            .setProducerEpoch(t.producerEpoch());
                    for (TopicPartition tp : t.partitions()) {
                        DescribeTransactionsResponseData.TopicData td = ts.topics().find(tp.topic());
                        if (td == null) {
                            td = new DescribeTransactionsResponseData.TopicData().setTopic(tp.topic());
                            ts.topics().add(td);
                        }
                        td.partitions().add(tp.partition());
                    }
                }
            } catch (RuntimeException e) {
                ts.setErrorCode(Errors.forException(e).code());
            }
            response.transactionStates().add(ts);
        }
        return CompletableFuture.completedFuture(response);
    }
}
