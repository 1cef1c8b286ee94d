package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData;
import org.apache.kafka.common.protocol.ApiMessage;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeClientQuotas while this broker has no client quotas: every filter matches nothing, so
 * the answer is an empty list of entries. {@code kafka-configs --describe --entity-type users}
 * asks for the users' quotas beside their SCRAM credentials and fails if the API is missing.
 * Stateless.
 */
public final class DescribeClientQuotasHandler implements ApiHandler<DescribeClientQuotasRequestData> {
    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, DescribeClientQuotasRequestData request) {
        return CompletableFuture.completedFuture(new DescribeClientQuotasResponseData().setEntries(List.of()));
    }
}
