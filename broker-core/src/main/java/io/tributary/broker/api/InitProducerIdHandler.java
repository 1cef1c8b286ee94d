package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import io.tributary.broker.producer.ProducerIdManager;
import io.tributary.broker.txn.TransactionCoordinator;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * InitProducerId. Without a transactional id (an idempotent producer): a new producer id with
 * epoch 0 or, when a producer asks to bump its epoch (after a sequence error), the same id with
 * the next epoch. With one: the {@link TransactionCoordinator} answers (fencing the previous
 * instance of that transactional id).
 */
public final class InitProducerIdHandler implements ApiHandler<InitProducerIdRequestData> {
    private final ProducerIdManager ids;
    private final TransactionCoordinator transactions;

    public InitProducerIdHandler(ProducerIdManager ids, TransactionCoordinator transactions) {
        this.ids = ids;
        this.transactions = transactions;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, InitProducerIdRequestData request) {
        InitProducerIdResponseData response = new InitProducerIdResponseData().setProducerId(-1).setProducerEpoch((short) -1);
        if (request.transactionalId() != null) {
            return transactions.initProducerId(request.transactionalId(), request.transactionTimeoutMs(),
                    request.producerId(), request.producerEpoch()).thenApply(r -> response.setErrorCode(r.error().code())
                    .setProducerId(r.producerId()).setProducerEpoch(r.producerEpoch()));
        }
        try {
            long pid = request.producerId();
            short epoch = request.producerEpoch();
            if (pid != RecordBatch.NO_PRODUCER_ID && epoch >= 0 && epoch < Short.MAX_VALUE - 1) {
                response.setProducerId(pid).setProducerEpoch((short) (epoch + 1));
            } else {
                response.setProducerId(ids.nextId()).setProducerEpoch((short) 0);
            }
        } catch (IOException e) {
            response.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
        }
        return CompletableFuture.completedFuture(response);
    }
}
