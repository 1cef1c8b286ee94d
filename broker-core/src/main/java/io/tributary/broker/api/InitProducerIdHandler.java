package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import io.tributary.broker.producer.ProducerIdManager;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * InitProducerId for idempotent producers: a new producer id with epoch 0, or, when a producer
 * asks to bump its epoch (after a sequence error), the same id with the next epoch. Transactional
 * ids are answered with {@code UNSUPPORTED_VERSION}: transactions are not offered.
 */
public final class InitProducerIdHandler implements ApiHandler<InitProducerIdRequestData> {
    private final ProducerIdManager ids;

    public InitProducerIdHandler(ProducerIdManager ids) {
        this.ids = ids;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, InitProducerIdRequestData request) {
        InitProducerIdResponseData response = new InitProducerIdResponseData().setProducerId(-1).setProducerEpoch((short) -1);
        if (request.transactionalId() != null) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.UNSUPPORTED_VERSION.code()));
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
