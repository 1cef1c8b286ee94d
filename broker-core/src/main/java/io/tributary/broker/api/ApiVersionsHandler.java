package io.tributary.broker.api;

import io.tributary.broker.network.RequestContext;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** ApiVersions: the APIs and version ranges this broker serves. */
public final class ApiVersionsHandler implements ApiHandler<ApiVersionsRequestData> {
    private final Supplier<SupportedApis> supported;

    public ApiVersionsHandler(Supplier<SupportedApis> supported) {
        this.supported = supported;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext ctx, ApiVersionsRequestData request) {
        return CompletableFuture.completedFuture(new ApiVersionsResponseData()
                .setErrorCode((short) 0)
                .setApiKeys(supported.get().asCollection()));
    }
}
