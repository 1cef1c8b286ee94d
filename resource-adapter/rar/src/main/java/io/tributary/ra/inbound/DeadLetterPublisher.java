package io.tributary.ra.inbound;

import io.tributary.ra.config.ClientSettings;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends records that kept failing to the dead-letter topic, with their key, value and headers
 * unchanged plus headers saying where they came from and why: {@code tributary.dlt.topic},
 * {@code .partition}, {@code .offset}, {@code .attempts}, {@code .exception}, {@code .message}
 * and {@code .stacktrace}. A send is acknowledged ({@code acks=all}) before it returns, so the
 * source offset only moves past a record once its dead letter is stored. Thread-safe.
 */
final class DeadLetterPublisher implements AutoCloseable {
    static final String PREFIX = "tributary.dlt.";

    private final KafkaProducer<byte[], byte[]> producer;

    DeadLetterPublisher(ClientSettings clients, String clientId) {
        this.producer = new KafkaProducer<>(clients.clientConfig(Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.CLIENT_ID_CONFIG, clientId)), new ByteArraySerializer(), new ByteArraySerializer());
    }

    void publish(String deadLetterTopic, ConsumerRecord<byte[], byte[]> record, int attempts, Throwable cause)
            throws InterruptedException, ExecutionException, TimeoutException {
        RecordHeaders headers = new RecordHeaders();
        for (Header h : record.headers()) headers.add(h);
        headers.add(PREFIX + "topic", utf8(record.topic()));
        headers.add(PREFIX + "partition", utf8(Integer.toString(record.partition())));
        headers.add(PREFIX + "offset", utf8(Long.toString(record.offset())));
        headers.add(PREFIX + "attempts", utf8(Integer.toString(attempts)));
        headers.add(PREFIX + "exception", utf8(cause == null ? "transaction rolled back" : cause.getClass().getName()));
        headers.add(PREFIX + "message", utf8(cause == null ? "the transaction was rolled back" : String.valueOf(cause.getMessage())));
        if (cause != null) {
            StringWriter trace = new StringWriter();
            cause.printStackTrace(new PrintWriter(trace));
            String t = trace.toString();
            headers.add(PREFIX + "stacktrace", utf8(t.length() > 8000 ? t.substring(0, 8000) : t));
        }
        producer.send(new ProducerRecord<>(deadLetterTopic, null, record.timestamp(), record.key(), record.value(), headers))
                .get(60, TimeUnit.SECONDS);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(10));
    }
}
