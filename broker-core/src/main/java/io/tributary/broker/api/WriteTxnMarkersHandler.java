package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import io.tributary.broker.txn.LocalMarkerAppender;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * WriteTxnMarkers: writes each marker to each named partition this node leads (a transaction
 * coordinator on another node sends it, as does {@code kafka-transactions abort}), answering per
 * partition once the marker is replicated or with the partition's error.
 */
public final class WriteTxnMarkersHandler implements ApiHandler<WriteTxnMarkersRequestData> {
    private final LocalMarkerAppender appender;

    public WriteTxnMarkersHandler(LocalMarkerAppender appender) {
        this.appender = appender;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, WriteTxnMarkersRequestData request) {
        WriteTxnMarkersResponseData response = new WriteTxnMarkersResponseData();
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        for (WriteTxnMarkersRequestData.WritableTxnMarker marker : request.markers()) {
            WriteTxnMarkersResponseData.WritableTxnMarkerResult result =
                    new WriteTxnMarkersResponseData.WritableTxnMarkerResult().setProducerId(marker.producerId());
            for (WriteTxnMarkersRequestData.WritableTxnMarkerTopic t : marker.topics()) {
                WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult tr =
                        new WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult().setName(t.name());
                for (int p : t.partitionIndexes()) {
                    WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult pr =
                            new WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult().setPartitionIndex(p);
                    tr.partitions().add(pr);
                    pending.add(appender.append(new TopicPartition(t.name(), p), marker.producerId(), marker.producerEpoch(),
                            marker.coordinatorEpoch(), marker.transactionResult()).handle((ok, error) -> {
                        Errors e = Errors.NONE;
                        if (error != null) {
                            Throwable cause = error instanceof CompletionException && error.getCause() != null
                                    ? error.getCause() : error;
                            e = Errors.forException(cause);
                        }
                        synchronized (pr) {
                            pr.setErrorCode(e.code());
                        }
                        return null;
                    }));
                }
                result.topics().add(tr);
            }
            response.markers().add(result);
        }
        return CompletableFuture.allOf(pending.toArray(new CompletableFuture[0])).thenApply(v -> response);
    }
}
