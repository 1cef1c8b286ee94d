package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import io.tributary.broker.txn.TransactionCoordinator;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.protocol.ApiMessage;

import java.util.concurrent.CompletableFuture;

/** EndTxn (versions 0–4, transaction protocol version 1): commits or aborts the producer's transaction. */
public final class EndTxnHandler implements ApiHandler<EndTxnRequestData> {
    private final TransactionCoordinator coordinator;

    public EndTxnHandler(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, EndTxnRequestData request) {
        return coordinator.endTransaction(request.transactionalId(), request.producerId(), request.producerEpoch(),
                request.committed()).thenApply(error -> new EndTxnResponseData().setErrorCode(error.code()));
    }
}
