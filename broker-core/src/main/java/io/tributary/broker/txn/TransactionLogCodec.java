package io.tributary.broker.txn;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.RecordBatch;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Kafka's {@code __transaction_state} records, byte for byte (TransactionLogKey v0 and
 * TransactionLogValue v0, the version Kafka writes for clients without transaction version 2), so
 * Kafka's tools read what Tributary writes. Big-endian; a string is an {@code int16} length and
 * UTF-8 bytes; an array an {@code int32} count ({@code -1} for null) and its elements.
 *
 * <pre>
 * key:   int16 0 | string transactionalId
 * value: int16 0 | int64 producerId | int16 producerEpoch | int32 transactionTimeoutMs |
 *        int8 transactionStatus | [string topic | [int32 partition]] transactionPartitions |
 *        int64 transactionLastUpdateTimestampMs | int64 transactionStartTimestampMs
 * </pre>
 *
 * A null value is a tombstone: the transactional id expired. Stateless and thread-safe.
 */
public final class TransactionLogCodec {
    static final short KEY_VERSION = 0;
    static final short VALUE_VERSION = 0;

    private TransactionLogCodec() {
    }

    public static byte[] key(String transactionalId) {
        byte[] id = transactionalId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + id.length).putShort(KEY_VERSION).putShort((short) id.length).put(id).array();
    }

    /** The transactional id of a key. */
    public static String readKey(ByteBuffer key) {
        ByteBuffer b = key.duplicate();
        try {
            short version = b.getShort();
            if (version != KEY_VERSION) throw new IllegalArgumentException("Unknown transaction log key version " + version);
            return readString(b);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("Truncated transaction log key", e);
        }
    }

    public static byte[] value(TransactionMetadata m) {
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        for (TopicPartition tp : m.partitions()) {
            byTopic.computeIfAbsent(tp.topic(), t -> new java.util.ArrayList<>()).add(tp.partition());
        }
        int size = 2 + 8 + 2 + 4 + 1 + 4 + 8 + 8;
        for (Map.Entry<String, List<Integer>> e : byTopic.entrySet()) {
            size += 2 + e.getKey().getBytes(StandardCharsets.UTF_8).length + 4 + 4 * e.getValue().size();
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putShort(VALUE_VERSION).putLong(m.producerId()).putShort(m.producerEpoch()).putInt(m.timeoutMs())
                .put(m.state().id()).putInt(byTopic.size());
        for (Map.Entry<String, List<Integer>> e : byTopic.entrySet()) {
            byte[] topic = e.getKey().getBytes(StandardCharsets.UTF_8);
            b.putShort((short) topic.length).put(topic).putInt(e.getValue().size());
            e.getValue().stream().sorted().forEach(b::putInt);
        }
        b.putLong(m.lastUpdateTimestampMs()).putLong(m.startTimestampMs());
        return b.array();
    }

    public static TransactionMetadata readValue(String transactionalId, ByteBuffer value) {
        ByteBuffer b = value.duplicate();
        try {
            short version = b.getShort();
            if (version != VALUE_VERSION) {
                throw new IllegalArgumentException("Transaction log value version " + version + " is not supported");
            }
            long producerId = b.getLong();
            short epoch = b.getShort();
            int timeout = b.getInt();
            TransactionState state = TransactionState.forId(b.get());
            int topics = b.getInt();
            Set<TopicPartition> partitions = new HashSet<>();
            for (int t = 0; t < topics; t++) {
                String topic = readString(b);
                int n = b.getInt();
                for (int i = 0; i < n; i++) partitions.add(new TopicPartition(topic, b.getInt()));
            }
            long lastUpdate = b.getLong();
            long start = b.getLong();
            return new TransactionMetadata(transactionalId, producerId, RecordBatch.NO_PRODUCER_ID, epoch,
                    RecordBatch.NO_PRODUCER_EPOCH, timeout, state, partitions, start, lastUpdate);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("Truncated transaction log value of " + transactionalId, e);
        }
    }

    private static String readString(ByteBuffer b) {
        short length = b.getShort();
        if (length < 0) throw new IllegalArgumentException("Null string in a transaction log record");
        byte[] bytes = new byte[length];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
