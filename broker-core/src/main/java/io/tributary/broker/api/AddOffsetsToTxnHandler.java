package io.tributary.broker.api;

import io.tributary.broker.group.OffsetStore;
import io.tributary.broker.network.RequestContext;
import io.tributary.broker.txn.TransactionCoordinator;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * AddOffsetsToTxn: the group's {@code __consumer_offsets} partition joins the transaction, so the
 * transaction's offset commits (TxnOffsetCommit to the group coordinator) get its markers.
 */
public final class AddOffsetsToTxnHandler implements ApiHandler<AddOffsetsToTxnRequestData> {
    private final TransactionCoordinator coordinator;
    private final OffsetStore offsets;

    public AddOffsetsToTxnHandler(TransactionCoordinator coordinator, OffsetStore offsets) {
        this.coordinator = coordinator;
        this.offsets = offsets;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, AddOffsetsToTxnRequestData request) {
        if (request.groupId() == null || request.groupId().isEmpty()) {
            return CompletableFuture.completedFuture(new AddOffsetsToTxnResponseData().setErrorCode(Errors.INVALID_GROUP_ID.code()));
        }
        offsets.ensureExists();
        TopicPartition tp = new TopicPartition(OffsetStore.TOPIC, offsets.partitionFor(request.groupId()));
        return coordinator.addPartitions(request.transactionalId(), request.producerId(), request.producerEpoch(), Set.of(tp))
                .thenApply(error -> new AddOffsetsToTxnResponseData().setErrorCode(error.code()));
    }
}
