package io.tributary.ra.outbound;

import io.tributary.api.ConnectionClosedException;
import io.tributary.api.OutgoingRecord;
import io.tributary.api.SentRecord;
import io.tributary.api.TributaryConnection;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * A connection handle; sends through its managed connection: into the JTA transaction's Kafka
 * transaction while the connection is enlisted in one, through the shared producer otherwise.
 * Argument errors and a closed connection are thrown; everything else completes the stage
 * ({@link SendErrors}). Thread-safe.
 */
public class TributaryConnectionImpl implements TributaryConnection {
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

    private TributaryManagedConnection open() {
        if (closed) throw new ConnectionClosedException("The Tributary connection is closed");
        return managed;
    }

    @Override
    public CompletionStage<SentRecord> send(String topic, String key, String value) {
        return send(OutgoingRecord.of(topic, key, value));
    }

    @Override
    public CompletionStage<SentRecord> send(String topic, byte[] key, byte[] value) {
        return send(new OutgoingRecord(topic, null, null, key, value, Map.of()));
    }

    @Override
    public CompletionStage<SentRecord> sendObject(String topic, String key, Object value) {
        return sendObject(topic, (Object) key, value);
    }

    @Override
    public CompletionStage<SentRecord> sendObject(String topic, Object key, Object value) {
        TributaryManagedConnection mc = open();
        return mc.sender().send(mc.factory().objectRecords().record(topic, key, value), null);
    }

    @Override
    public CompletionStage<SentRecord> send(OutgoingRecord record) {
        return open().sender().send(record, null);
    }

    @Override
    public CompletionStage<SentRecord> send(OutgoingRecord record, Duration timeout) {
        SendErrors.checkTimeout(timeout);
        return open().sender().send(record, timeout);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        managed.handleClosed(this);
    }
}
