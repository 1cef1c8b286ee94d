package io.tributary.broker.network;

import org.apache.kafka.common.security.auth.SecurityProtocol;

import io.tributary.broker.api.ApiHandler;
import io.tributary.broker.api.RequestDispatcher;
import io.tributary.broker.client.RawKafkaClient;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every request ends with an answer or a closed connection, whatever its handler throws: an
 * {@link Error} (an {@link OutOfMemoryError}, a codec's own {@code Error} subclass) escaping a
 * handler closes that connection, and the server goes on serving others.
 */
class KafkaConnectionTest {
    private KafkaServer server;

    @AfterEach
    void stopServer() {
        if (server != null) server.close();
    }

    /** A server whose Metadata handler fails with {@code failure}, thrown at once or through its future. */
    private InetSocketAddress serverFailingMetadataWith(Supplier<Error> failure, boolean thrown) throws InterruptedException {
        ApiHandler<MetadataRequestData> metadata = (ctx, request) -> {
            if (thrown) throw failure.get();
            return CompletableFuture.failedFuture(failure.get());
        };
        ApiHandler<ApiVersionsRequestData> apiVersions = (ctx, request) ->
                CompletableFuture.completedFuture((ApiMessage) new ApiVersionsResponseData());
        RequestDispatcher dispatcher = new RequestDispatcher(Map.of(ApiKeys.METADATA, metadata,
                ApiKeys.API_VERSIONS, apiVersions));
        server = new KafkaServer(dispatcher, 1 << 20, 1, 1);
        return server.start(new Listener("PLAINTEXT", SecurityProtocol.PLAINTEXT, "127.0.0.1", 0), null);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"OutOfMemoryError thrown", "OutOfMemoryError in the future", "other Error thrown",
            "other Error in the future"})
    void errorEscapingAHandlerClosesTheConnectionAndOthersAreStillServed(String how) throws Exception {
        Supplier<Error> failure = how.startsWith("OutOfMemoryError")
                ? () -> new OutOfMemoryError("simulated: Java heap space")
                : () -> new CodecError("simulated: chunkSize is too big or negative : -7");
        InetSocketAddress address = serverFailingMetadataWith(failure, how.endsWith("thrown"));

        try (RawKafkaClient client = RawKafkaClient.connect(address)) {
            client.sendFrame(RawKafkaClient.encode(client.header(ApiKeys.METADATA, (short) 12),
                    new MetadataRequestData(), (short) 12));
            assertTrue(client.closedByBroker(), "the broker closes the connection instead of leaving it unanswered");
        }
        // the same I/O thread serves the next connection
        for (int i = 0; i < 3; i++) {
            try (RawKafkaClient client = RawKafkaClient.connect(address)) {
                ApiVersionsResponse response = (ApiVersionsResponse) client.send(new ApiVersionsRequestData()
                        .setClientSoftwareName("test").setClientSoftwareVersion("1"), (short) 3);
                assertEquals(Errors.NONE, Errors.forCode(response.data().errorCode()));
            }
        }
    }

    /** Stands for an {@code Error} subclass a codec library throws, as snappy-java's {@code SnappyError}. */
    private static final class CodecError extends Error {
        CodecError(String message) {
            super(message);
        }
    }
}
