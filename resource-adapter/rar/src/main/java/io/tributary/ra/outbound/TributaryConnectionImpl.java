package io.tributary.ra.outbound;

import io.tributary.api.OutgoingRecord;
import io.tributary.api.SentRecord;
import io.tributary.api.TributaryConnection;
import io.tributary.api.TributaryException;
import io.tributary.ra.json.JsonbCodec;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * A connection handle; sends through its managed connection: into the JTA transaction's Kafka
 * transaction while the connection is enlisted in one, through the shared producer otherwise.
 */
public class TributaryConnectionImpl implements TributaryConnection {
    private static final JsonbCodec JSON = new JsonbCodec();
    private volatile TributaryManagedConnection managed;
    private volatile boolean closed;

    TributaryConnectionImpl(TributaryManagedConnection managed) {
        this.managed = managed;
    }

    void reassociate(TributaryManagedConnection mc) {
        this.managed = mc;
    }

    void invalidate() {
        closed = true;
    }

    private RecordSender producer() {
        if (closed) throw new TributaryException("The Tributary connection is closed");
        return managed.sender();
    }

    @Override
    public CompletionStage<SentRecord> send(String topic, String key, String value) {
        return producer().send(OutgoingRecord.of(topic, key, value));
    }

    @Override
    public CompletionStage<SentRecord> send(String topic, byte[] key, byte[] value) {
        return producer().send(new OutgoingRecord(topic, null, null, key, value, Map.of()));
    }

    @Override
    public CompletionStage<SentRecord> sendObject(String topic, String key, Object value) {
        byte[] json = value == null ? null : JSON.write(value);
        return producer().send(new OutgoingRecord(topic, null, null,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8), json, Map.of("content-type", "application/json".getBytes(StandardCharsets.UTF_8))));
    }

    @Override
    public CompletionStage<SentRecord> send(OutgoingRecord record) {
        return producer().send(record);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        managed.handleClosed(this);
    }
}
