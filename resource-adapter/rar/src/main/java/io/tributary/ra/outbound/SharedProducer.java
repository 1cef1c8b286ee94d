package io.tributary.ra.outbound;

import io.tributary.ra.config.ClientSettings;

import io.tributary.api.OutgoingRecord;
import io.tributary.api.SentRecord;
import io.tributary.ra.AdapterClassLoader;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The one Kafka producer of a connection factory, shared by all its connections (the Kafka
 * producer is thread-safe and batches across them). Idempotence is on (the client's default), so
 * retries never duplicate or reorder a partition's records. Failures complete the send's stage as
 * {@link SendErrors} maps them. Thread-safe.
 */
final class SharedProducer implements RecordSender, AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;

    SharedProducer(ClientSettings settings, String acks, Map<String, String> extra) {
        Map<String, Object> props = settings.clientConfig(Map.of(ProducerConfig.LINGER_MS_CONFIG, "1"));
        props.put(ProducerConfig.ACKS_CONFIG, acks);
        props.putAll(extra);
        producer = AdapterClassLoader.call(() -> new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer()));
    }

    @Override
    public CompletionStage<SentRecord> send(OutgoingRecord r, Duration timeout) {
        RecordHeaders headers = new RecordHeaders();
        r.headers().forEach(headers::add);
        CompletableFuture<SentRecord> result = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(r.topic(), r.partition(), r.timestamp(), r.key(), r.value(), headers),
                    (metadata, error) -> {
                        if (error != null) {
                            result.completeExceptionally(SendErrors.failed(r, "", error));
                        } else {
                            result.complete(new SentRecord(metadata.topic(), metadata.partition(), metadata.offset(), metadata.timestamp()));
                        }
                    });
        } catch (RuntimeException e) {
            result.completeExceptionally(SendErrors.failed(r, "", e));
        }
        return SendErrors.limit(result, r, timeout);
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(10));
    }
}
