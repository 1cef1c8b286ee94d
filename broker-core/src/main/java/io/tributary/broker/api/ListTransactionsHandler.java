package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import io.tributary.broker.txn.TransactionCoordinator;
import io.tributary.broker.txn.TransactionMetadata;
import io.tributary.broker.txn.TransactionState;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * ListTransactions: the transactional ids this node coordinates, filtered by state (Kafka's state
 * names; unknown ones are echoed back), producer id, how long the transaction has run (v1) and a
 * regular expression on the id (v2, {@code INVALID_REGULAR_EXPRESSION} when it does not compile);
 * {@code COORDINATOR_LOAD_IN_PROGRESS} while a state log partition of this node is being loaded.
 */
public final class ListTransactionsHandler implements ApiHandler<ListTransactionsRequestData> {
    private final TransactionCoordinator coordinator;
    private final Clock clock;

    public ListTransactionsHandler(TransactionCoordinator coordinator, Clock clock) {
        this.coordinator = coordinator;
        this.clock = clock;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, ListTransactionsRequestData request) {
        ListTransactionsResponseData response = new ListTransactionsResponseData();
        Set<TransactionState> states = EnumSet.noneOf(TransactionState.class);
        List<String> unknown = new ArrayList<>();
        for (String name : request.stateFilters()) {
            TransactionState s = TransactionState.forKafkaName(name);
            if (s == null) unknown.add(name);
            else states.add(s);
        }
        response.setUnknownStateFilters(unknown);
        if (!unknown.isEmpty() && states.isEmpty()) return CompletableFuture.completedFuture(response);
        Set<Long> producers = new HashSet<>(request.producerIdFilters());
        long minDuration = ctx.apiVersion() >= 1 ? request.durationFilter() : -1;
        Pattern pattern = null;
        String regex = ctx.apiVersion() >= 2 ? request.transactionalIdPattern() : null;
        if (regex != null && !regex.isEmpty()) {
            try {
                pattern = Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                return CompletableFuture.completedFuture(response.setErrorCode(Errors.INVALID_REGULAR_EXPRESSION.code()));
            }
        }
        if (coordinator.loadingAny()) {
            // As Kafka: a partial list would hide transactions; the client retries.
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.COORDINATOR_LOAD_IN_PROGRESS.code()));
        }
        long now = clock.millis();
        Pattern idPattern = pattern;
        for (TransactionMetadata m : coordinator.list(m -> (states.isEmpty() || states.contains(m.state()))
                && (producers.isEmpty() || producers.contains(m.producerId()))
                && (minDuration < 0 || (m.state() == TransactionState.ONGOING && now - m.startTimestampMs() >= minDuration))
                && (idPattern == null || idPattern.matcher(m.transactionalId()).matches()))) {
            response.transactionStates().add(new ListTransactionsResponseData.TransactionState()
                    .setTransactionalId(m.transactionalId()).setProducerId(m.producerId())
                    .setTransactionState(m.state().kafkaName()));
        }
        return CompletableFuture.completedFuture(response);
    }
}
